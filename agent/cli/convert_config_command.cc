#include "agent/cli/convert_config_command.h"

#include <iostream>

#include "agent/config/agent_json.h"
#include "agent/config/config_validate.h"
#include "agent/config/yaml_writer.h"

namespace kedge::agent {
namespace {

constexpr char kUsage[] =
    "usage: kedge convert-config --config agent.json [--output kedge.yaml]\n"
    "\n"
    "Translates a Kinesis Agent configuration into kedge YAML. Without --output the YAML goes\n"
    "to stdout. Ignored settings are listed as warnings; untranslatable ones are errors.\n";

}  // namespace

int RunConvertConfig(const std::vector<std::string>& args, Env& env, const FileSystem& fs,
                     std::ostream& out, std::ostream& err) {
  std::string input, output;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if ((a == "--config" || a == "-c") && i + 1 < args.size()) {
      input = args[++i];
    } else if ((a == "--output" || a == "-o") && i + 1 < args.size()) {
      output = args[++i];
    } else {
      err << "kedge convert-config: unexpected argument '" << a << "'\n\n" << kUsage;
      return 2;
    }
  }
  if (input.empty()) {
    err << "kedge convert-config: --config agent.json is required\n\n" << kUsage;
    return 2;
  }
  ConfigErrors errors(input);
  AgentConfig config;
  StatusOr<std::string> text = env.ReadFile(input);
  if (!text.ok()) {
    err << input << ": cannot read the configuration: " << text.status().message() << "\n";
    return 1;
  }
  ConvertAgentJson(*text, &config, &errors);
  ValidateConfig(config, fs, &errors);
  err << errors.WarningsToString();
  if (!errors.ok()) {
    err << errors.ToString() << "\n";
    return 1;
  }
  std::string yaml = "# Converted by kedge convert-config from " + input + "\n" +
                     WriteYamlConfig(config);
  if (output.empty()) {
    out << yaml;
    return 0;
  }
  Status s = env.WriteFileAtomic(output, yaml);
  if (!s.ok()) {
    err << "kedge convert-config: " << s.message() << "\n";
    return 1;
  }
  err << output << ": written (" << config.sources.size() << " sources, " << config.sinks.size()
      << " sinks)\n";
  return 0;
}

int ConvertConfigCommand(const std::vector<std::string>& args) {
  return RunConvertConfig(args, Env::Default(), FileSystem::Default(), std::cout, std::cerr);
}

}  // namespace kedge::agent
