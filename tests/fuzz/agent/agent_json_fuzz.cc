// fuzz_agent_json: the Kinesis Agent agent.json reader and the validator never crash on any
// text, and every error they report names its line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/config/agent_json.h"
#include "tests/fuzz/agent/config_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  kedge::agent::AgentConfig config;
  kedge::agent::ConfigErrors errors("agent.json");
  kedge::agent::ConvertAgentJson(text, &config, &errors);
  kedge::fuzz::ValidateAndCheckLines(config, &errors);
  return 0;
}
