#pragma once
// `cameras:` in the daemon configuration: each camera streamed by `kedge run` to a Kinesis Video
// stream, with the same settings as `kedge video put`. Plain values (copyable and comparable,
// so a reload restarts only the cameras whose settings changed); reading and checking live in
// camera_config.cc, the running cameras in agent/cameras/.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/config/config_error.h"
#include "platform/clock.h"

namespace YAML {
class Node;
}

namespace kedge::agent {

class YamlMapReader;

struct CameraConfig {
  std::string name;
  int line = 0;
  std::map<std::string, int> key_lines;
  int KeyLine(const std::string& key) const;

  std::string stream;           // the Kinesis Video stream
  std::string source = "test";  // as `kedge video put --source`
  std::string encoder = "auto";
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate_kbps = 2000;
  int fragment_seconds = 2;
  std::string region;    // empty: AWS_REGION / profile
  std::string endpoint;  // empty: the AWS endpoint for the region
  std::string ca_file;
  bool create_stream = false;
  int retention_hours = 24;
  std::string store_dir;  // empty: <state_dir>/video/<name>
  uint64_t store_max_bytes = 256ull << 20;
  Millis store_max_age{std::chrono::hours(24)};
  Millis drain_timeout{std::chrono::seconds(5)};

  // The settings, without where they were written: a reload compares these.
  bool SameSettings(const CameraConfig& o) const;
  // store_dir, or <state_dir>/video/<name>.
  std::string StoreDir(const std::string& state_dir) const;
};

// Reads the top-level `cameras:` list, if present, into *out. Returns whether it was present.
bool ReadCameras(YamlMapReader& top, ConfigErrors& errors, std::vector<CameraConfig>* out);
// Whole-config checks: unique names and store directories, the source and numbers as
// `kedge video put` would check them, a build without video.
void ValidateCameras(const std::vector<CameraConfig>& cameras, const std::string& state_dir,
                     ConfigErrors* errors);

}  // namespace kedge::agent
