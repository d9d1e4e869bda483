#include "agent/cli/check_config_command.h"

#include <iostream>

#include "agent/config/config_schema.h"
#include "agent/config/config_validate.h"

namespace kedge::agent {
namespace {

constexpr char kUsage[] =
    "usage: kedge check-config --config FILE\n"
    "       kedge check-config --print-reference\n"
    "\n"
    "Checks a kedge YAML configuration, or a Kinesis Agent agent.json, without starting the\n"
    "agent. Every problem is printed as FILE:LINE: key: what is wrong; the exit code is 0 when\n"
    "the file is good, 1 when it is not, 2 on a usage error.\n"
    "\n"
    "  --config FILE        the file to check\n"
    "  --print-reference    print the reference of every key (Markdown, as in docs/config.md)\n";

}  // namespace

int RunCheckConfig(const std::vector<std::string>& args, const Env& env, const FileSystem& fs,
                   std::ostream& out, std::ostream& err) {
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--print-reference") {
      out << RenderConfigReference();
      return 0;
    } else if ((a == "--config" || a == "-c") && i + 1 < args.size()) {
      path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      path = a.substr(9);
    } else {
      err << "kedge check-config: unexpected argument '" << a << "'\n\n" << kUsage;
      return 2;
    }
  }
  if (path.empty()) {
    err << "kedge check-config: --config FILE is required\n\n" << kUsage;
    return 2;
  }
  ConfigErrors errors(path);
  StatusOr<AgentConfig> config = LoadConfigFile(path, env, fs, &errors);
  err << errors.WarningsToString();
  if (!config.ok()) {
    err << errors.ToString() << "\n";
    err << path << ": " << errors.errors().size()
        << (errors.errors().size() == 1 ? " error" : " errors") << "; nothing was started\n";
    return 1;
  }
  out << path << ": OK (" << config->sources.size()
      << (config->sources.size() == 1 ? " source, " : " sources, ") << config->sinks.size()
      << (config->sinks.size() == 1 ? " sink" : " sinks") << ", spool " << config->SpoolPath()
      << ")\n";
  return 0;
}

int CheckConfigCommand(const std::vector<std::string>& args) {
  return RunCheckConfig(args, Env::Default(), FileSystem::Default(), std::cout, std::cerr);
}

}  // namespace kedge::agent
