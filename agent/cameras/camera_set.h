#pragma once
// CameraSet: the `cameras:` of `kedge run`. Each camera is one kvs::VideoStream (its capture
// thread `video-<name>` and upload thread `kvs-<name>`); the set starts them, restarts on a
// reload only those whose settings changed, stops them on shutdown (each drains for its
// drain_timeout; what is not acknowledged stays in its store for the next start), and exports
// their figures to the metrics registry as kedge_video_* (docs/video_upload.md lists them).
// A camera that cannot start (a missing device, a missing element) is logged and retried
// every 30 s without holding up the others or the record pipeline.
//
// Threads: Apply, Tick, AttachMetrics and StopAll from the controlling thread (kedge run's
// main thread; Tick from the agent loop's heartbeat, on the same thread). ACK latencies are
// observed on the cameras' upload threads, under a mutex.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/config/camera_config.h"
#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::agent {

class CameraSet {
 public:
  CameraSet(Env& env, Clock& clock);
  ~CameraSet();  // StopAll
  CameraSet(const CameraSet&) = delete;
  CameraSet& operator=(const CameraSet&) = delete;

  // Makes exactly config.cameras run: starts new ones, stops removed ones, restarts changed
  // ones (and all of them when the state directory or the AWS credentials settings changed);
  // an unchanged camera keeps running untouched.
  void Apply(const AgentConfig& config);
  // Where kedge_video_* go; nullptr detaches (before the registry is destroyed).
  void AttachMetrics(MetricsRegistry* metrics);
  // Exports metrics (at most once a second) and retries cameras that failed to start.
  void Tick();
  // Stops every camera (in parallel, each draining for its drain_timeout).
  void StopAll();
  size_t running() const;

 private:
  struct Camera;
  std::unique_ptr<Camera> StartCamera(const CameraConfig& config);
  void TryStart(Camera& camera);
  void Export(Camera& camera, double seconds);

  Env& env_;
  Clock& clock_;
  std::string state_dir_;
  AwsConfig aws_;
  std::string device_id_;
  std::vector<std::unique_ptr<Camera>> cameras_;
  SteadyTime next_export_{};
  SteadyTime last_export_{};

  mutable std::mutex metrics_mu_;
  MetricsRegistry* metrics_ = nullptr;  // guarded by metrics_mu_
};

}  // namespace kedge::agent
