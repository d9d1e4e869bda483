#include "agent/config/camera_config.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <tuple>

#include "agent/config/config_schema.h"
#include "agent/config/yaml_reader.h"
#if KEDGE_WITH_VIDEO
#include "video/capture/camera_spec.h"
#endif

namespace kedge::agent {
namespace {

std::string CameraKey(size_t i, const char* key) {
  return "cameras[" + std::to_string(i) + "]." + key;
}

auto Settings(const CameraConfig& c) {
  return std::tie(c.name, c.stream, c.source, c.encoder, c.width, c.height, c.fps, c.bitrate_kbps,
                  c.fragment_seconds, c.region, c.endpoint, c.ca_file, c.create_stream,
                  c.retention_hours, c.store_dir, c.store_max_bytes, c.store_max_age,
                  c.drain_timeout);
}

void ReadStore(YamlMapReader& r, ConfigErrors& errors, CameraConfig* c) {
  YAML::Node store = r.Get("store");
  if (!store.IsDefined() || store.IsNull()) return;
  if (!store.IsMap()) {
    r.Error("store", "expected a map (dir, max_bytes, max_age), got " + NodeKind(store));
    return;
  }
  YamlMapReader s(store, r.KeyPath("store"), {FindSection("camera.store")}, errors);
  s.CheckKeys();
  s.String("dir", &c->store_dir);
  s.Size("max_bytes", 1 << 20, &c->store_max_bytes);
  s.Duration("max_age", Millis(0), &c->store_max_age);
}

void ReadCamera(const YAML::Node& node, size_t index, ConfigErrors& errors,
                std::vector<CameraConfig>* out) {
  std::string path = "cameras[" + std::to_string(index) + "]";
  if (!node.IsMap()) {
    errors.Error(NodeLine(node), path,
                 "expected a map with name and stream, got " + NodeKind(node));
    return;
  }
  CameraConfig c;
  c.line = NodeLine(node);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar()) c.key_lines.emplace(it->first.Scalar(), NodeLine(it->second));
  }
  YamlMapReader r(node, path, {FindSection("camera")}, errors);
  r.CheckKeys();
  r.Require("name");
  r.String("name", &c.name);
  r.Require("stream");
  r.String("stream", &c.stream);
  r.String("source", &c.source);
  r.String("encoder", &c.encoder);
  r.Integer("width", 16, 8192, &c.width);
  r.Integer("height", 16, 8192, &c.height);
  r.Integer("fps", 1, 240, &c.fps);
  r.Integer("bitrate", 16, 200000, &c.bitrate_kbps);
  r.Integer("fragment_seconds", 1, 10, &c.fragment_seconds);
  r.String("region", &c.region);
  if (r.String("endpoint", &c.endpoint) && c.endpoint.rfind("https://", 0) != 0 &&
      c.endpoint.rfind("http://", 0) != 0) {
    r.Error("endpoint", "'" + c.endpoint + "' is not a URL; use https://host[:port]");
  }
  r.String("ca_file", &c.ca_file);
  r.Bool("create_stream", &c.create_stream);
  r.Integer("retention_hours", 0, 87600, &c.retention_hours);
  r.Duration("drain_timeout", Millis(0), &c.drain_timeout);
  ReadStore(r, errors, &c);
  out->push_back(std::move(c));
}

bool ValidStreamName(const std::string& name) {
  if (name.empty() || name.size() > 256) return false;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.';
    if (!ok) return false;
  }
  return true;
}

// The source, encoder and numbers, checked by the same code `kedge video put` uses.
void ValidateCapture(const CameraConfig& c, size_t i, ConfigErrors* errors) {
#if KEDGE_WITH_VIDEO
  video::CameraSpec spec;
  StatusOr<video::SourceSpec> source = video::ParseSourceSpec(c.source);
  if (!source.ok()) {
    errors->Error(c.KeyLine("source"), CameraKey(i, "source"), source.status().message());
    return;
  }
  spec.source = *source;
  StatusOr<video::EncoderChoice> encoder = video::ParseEncoderChoice(c.encoder);
  if (!encoder.ok()) {
    errors->Error(c.KeyLine("encoder"), CameraKey(i, "encoder"), encoder.status().message());
    return;
  }
  spec.name = c.name;
  spec.encoder = *encoder;
  spec.width = c.width;
  spec.height = c.height;
  spec.fps = c.fps;
  spec.bitrate_kbps = c.bitrate_kbps;
  spec.fragment_duration_ms = c.fragment_seconds * 1000;
  StatusOr<video::CameraSpec> valid = video::ValidateCameraSpec(spec);
  if (!valid.ok()) errors->Error(c.line, CameraKey(i, "source"), valid.status().message());
#else
  errors->Error(c.line, CameraKey(i, "name"),
                "this kedge was built without video (KEDGE_WITH_VIDEO=OFF); remove cameras:");
  (void)c;
  (void)i;
#endif
}

}  // namespace

int CameraConfig::KeyLine(const std::string& key) const {
  auto it = key_lines.find(key);
  return it != key_lines.end() && it->second > 0 ? it->second : line;
}

bool CameraConfig::SameSettings(const CameraConfig& o) const {
  return Settings(*this) == Settings(o);
}

std::string CameraConfig::StoreDir(const std::string& state_dir) const {
  if (!store_dir.empty()) return store_dir;
  std::string dir = state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/video/" + name;
}

bool ReadCameras(YamlMapReader& top, ConfigErrors& errors, std::vector<CameraConfig>* out) {
  YAML::Node list = top.Get("cameras");
  if (!list.IsDefined() || list.IsNull()) return false;
  if (!list.IsSequence()) {
    top.Error("cameras", "expected a list (each item starts with '- '), got " + NodeKind(list));
    return true;
  }
  for (size_t i = 0; i < list.size(); ++i) ReadCamera(list[i], i, errors, out);
  return true;
}

void ValidateCameras(const std::vector<CameraConfig>& cameras, const std::string& state_dir,
                     ConfigErrors* errors) {
  std::set<std::string> names, dirs;
  for (size_t i = 0; i < cameras.size(); ++i) {
    const CameraConfig& c = cameras[i];
    if (!c.name.empty() && !ValidStreamName(c.name)) {
      errors->Error(c.KeyLine("name"), CameraKey(i, "name"),
                    "'" + c.name + "' is not a valid name; use letters, digits, '_', '-' or '.'");
    } else if (!c.name.empty() && !names.insert(c.name).second) {
      errors->Error(c.KeyLine("name"), CameraKey(i, "name"),
                    "another camera is already named '" + c.name + "'; names must be unique");
    }
    if (!c.stream.empty() && !ValidStreamName(c.stream)) {
      errors->Error(c.KeyLine("stream"), CameraKey(i, "stream"),
                    "'" + c.stream +
                        "' is not a Kinesis Video stream name; use 1 to 256 letters, digits, "
                        "'_', '-' or '.'");
    }
    if (!c.name.empty() && !dirs.insert(c.StoreDir(state_dir)).second) {
      errors->Error(c.KeyLine("store"), CameraKey(i, "store"),
                    "another camera stores its fragments in " + c.StoreDir(state_dir) +
                        "; each camera needs its own store.dir");
    }
    if (!c.name.empty()) ValidateCapture(c, i, errors);
  }
}

}  // namespace kedge::agent
