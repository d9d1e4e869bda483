// fuzz_yaml_config: kedge's YAML configuration reader and validator never crash on any text,
// and every error they report names its line (a user must be able to find it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/config/yaml_config.h"
#include "tests/fuzz/agent/config_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  kedge::agent::AgentConfig config;
  kedge::agent::ConfigErrors errors("fuzz.yaml");
  kedge::agent::ParseYamlConfig(text, &config, &errors);
  kedge::fuzz::ValidateAndCheckLines(config, &errors);
  return 0;
}
