#pragma once
// A StatusServer on 127.0.0.1:0 serving a fixed agent picture, for the status tests.

#include <functional>
#include <memory>
#include <string>

#include "agent/metrics/status_server.h"
#include "platform/clock.h"

namespace kedge::agent {

struct StatusPicture {
  FakeClock clock;
  MetricsRegistry metrics;
  AgentConfig config;
  StatusHistory history;
  Health health;
  std::chrono::seconds uptime{90};
  std::string version = "0.1.0";

  // Device pi-17 with one kinesis sink "logs" (stream edge-logs in eu-west-1).
  void AddDeviceAndSink() {
    config.device_id = "pi-17";
    SinkConfig sink;
    sink.name = "logs";
    sink.stream = "edge-logs";
    sink.region = "eu-west-1";
    config.sinks.push_back(sink);
  }

  // Camera "door" (stream door-cam, endpoint with a user name and password in its URL) with
  // the figures CameraSet exports: up, 3 fragments buffered for 4 s, 120 acknowledged, 2 dropped
  // (one per reason), 2.1 Mbit/s.
  void AddCamera() {
    CameraConfig cam;
    cam.name = "door";
    cam.stream = "door-cam";
    cam.source = "v4l2:/dev/video0";
    cam.endpoint = "https://kvs-user:kvs-pa55@ingest.local:8443";
    config.cameras.push_back(cam);
    Labels l{{"camera", "door"}, {"stream", "door-cam"}};
    auto with = [&l](const char* k, const char* v) {
      Labels out = l;
      out.emplace_back(k, v);
      return out;
    };
    metrics.GetGauge("kedge_video_camera_up", "", l).Set(1);
    metrics.GetGauge("kedge_video_fragments_buffered", "", l).Set(3);
    metrics.GetGauge("kedge_video_store_oldest_fragment_age_seconds", "", l).Set(4);
    metrics.GetCounter("kedge_video_fragments_acknowledged_total", "", l).Increment(120);
    metrics.GetCounter("kedge_video_fragments_dropped_total", "", with("reason", "refused"))
        .Increment(1);
    metrics.GetCounter("kedge_video_fragments_dropped_total", "", with("reason", "store_full"))
        .Increment(1);
    metrics.GetGauge("kedge_video_upload_bitrate_bps", "", l).Set(2100000);
    // Another camera's series must not be counted as door's.
    metrics
        .GetCounter("kedge_video_fragments_acknowledged_total", "",
                    {{"camera", "yard"}, {"stream", "yard-cam"}})
        .Increment(7);
  }

  // A server whose /status shows this picture (read at each request) and whose /healthz
  // answers `health`. Not started.
  std::unique_ptr<StatusServer> MakeServer() {
    return std::make_unique<StatusServer>(
        metrics,
        [this] {
          StatusInputs in;
          in.version = version;
          in.config = &config;
          in.metrics = &metrics;
          in.history = &history;
          in.started = clock.WallNow();
          in.now = clock.WallNow() + uptime;
          return BuildStatusJson(in);
        },
        [this] { return health; });
  }
};

}  // namespace kedge::agent
