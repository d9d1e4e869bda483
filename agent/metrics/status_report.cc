#include "agent/metrics/status_report.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

// "tcp://user:pw@host:1883" -> "tcp://host:1883": a URL's userinfo is a secret.
std::string WithoutUserInfo(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find('/', start);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

json SinkJson(const SinkConfig& s) {
  json j = {{"name", s.name}, {"type", std::string(SinkTypeName(s.type))}};
  if (s.type == SinkType::kFile) {
    j["path"] = s.path;
  } else {
    j["stream"] = s.stream;
    if (!s.region.empty()) j["region"] = s.region;
    if (!s.endpoint.empty()) j["endpoint"] = WithoutUserInfo(s.endpoint);
  }
  return j;
}

json SourceJson(const SourceConfig& s) {
  json j = {{"name", s.name}, {"type", std::string(SourceTypeName(s.type))}, {"sink", s.sink}};
  switch (s.type) {
    case SourceType::kFile:
      j["path"] = s.path;
      break;
    case SourceType::kMqtt:
      j["broker"] = WithoutUserInfo(s.mqtt.broker);
      j["topics"] = s.mqtt.topics;
      j["qos"] = s.mqtt.qos;
      break;
    case SourceType::kJournald:
      j["units"] = s.journald.units;
      break;
    case SourceType::kMetrics:
      j["interval_ms"] = s.metrics.interval.count();
      break;
    case SourceType::kStdin:
      break;
  }
  return j;
}

json CameraJson(const CameraConfig& c) {
  json j = {{"name", c.name},
            {"stream", c.stream},
            {"source", c.source},
            {"encoder", c.encoder},
            {"video", std::to_string(c.width) + "x" + std::to_string(c.height) + "@" +
                          std::to_string(c.fps)},
            {"bitrate_kbps", c.bitrate_kbps},
            {"fragment_seconds", c.fragment_seconds}};
  if (!c.region.empty()) j["region"] = c.region;
  if (!c.endpoint.empty()) j["endpoint"] = WithoutUserInfo(c.endpoint);
  return j;
}

// A camera's state at a glance, from its kedge_video_* series (summed over their other labels):
// "kedge_video_fragments_buffered" -> "fragments_buffered".
void AddCameraFigures(const std::vector<MetricsRegistry::Sample>& samples, json* camera) {
  static const char* const kFigures[] = {"kedge_video_camera_up",
                                         "kedge_video_fragments_buffered",
                                         "kedge_video_fragments_acknowledged_total",
                                         "kedge_video_fragments_dropped_total",
                                         "kedge_video_upload_bitrate_bps",
                                         "kedge_video_store_oldest_fragment_age_seconds"};
  const std::string name = (*camera)["name"];
  for (const MetricsRegistry::Sample& s : samples) {
    bool ours = false;
    for (const auto& [k, v] : s.labels) ours = ours || (k == "camera" && v == name);
    if (!ours) continue;
    for (const char* figure : kFigures) {
      if (s.name != figure) continue;
      json& slot = (*camera)[s.name.substr(std::strlen("kedge_video_"))];
      slot = (slot.is_number() ? slot.get<double>() : 0.0) + s.value;
    }
  }
}

json MetricsJson(const std::vector<MetricsRegistry::Sample>& samples) {
  json out = json::array();
  for (const MetricsRegistry::Sample& s : samples) {
    json labels = json::object();
    for (const auto& [k, v] : s.labels) labels[k] = v;
    out.push_back({{"name", s.name}, {"labels", labels}, {"value", s.value}});
  }
  return out;
}

}  // namespace

std::string BuildStatusJson(const StatusInputs& in) {
  json j = {
      {"version", in.version},
      {"state", in.state},
      {"now_ms", ToUnixMillis(in.now)},
      {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(in.now - in.started).count()}};
  std::vector<MetricsRegistry::Sample> samples;
  if (in.metrics) samples = in.metrics->Snapshot();
  if (in.config) {
    j["device_id"] = in.config->device_id;
    j["spool"] = {
        {"path", in.config->SpoolPath()},
        {"max_bytes", in.config->spool.max_bytes},
        {"when_full", in.config->spool.when_full == WhenFull::kBlock ? "block" : "drop_oldest"}};
    json sinks = json::array(), sources = json::array(), cameras = json::array();
    for (const SinkConfig& s : in.config->sinks) sinks.push_back(SinkJson(s));
    for (const SourceConfig& s : in.config->sources) sources.push_back(SourceJson(s));
    for (const CameraConfig& c : in.config->cameras) {
      cameras.push_back(CameraJson(c));
      AddCameraFigures(samples, &cameras.back());
    }
    j["sinks"] = sinks;
    j["sources"] = sources;
    j["cameras"] = cameras;
  }
  if (in.metrics) {
    j["metrics"] = MetricsJson(samples);
    // when_full: drop_oldest drops are data lost on purpose: say so next to the spool's size.
    if (in.config) {
      double dropped = 0;
      for (const MetricsRegistry::Sample& s : samples) {
        if (s.name == "kedge_spool_dropped_records") dropped += s.value;
      }
      j["spool"]["dropped_records"] = static_cast<uint64_t>(dropped);
    }
  }
  j["history"] = in.history ? in.history->ToJson() : json::array();
  return Logger::Get().Redact(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace kedge::agent
