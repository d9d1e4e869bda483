#include "platform/windows/service_installer.h"

// Portable: compiled on every platform so that it is tested on Linux too.

namespace kedge::windows {
namespace {

constexpr uint32_t kUninstallStopTimeoutMs = 60000;

const char kUsage[] =
    "usage: kedge service install [--name NAME] [--config FILE]\n"
    "       kedge service uninstall [--name NAME]\n"
    "       kedge service run [--name NAME] [--config FILE]   (started by the SCM)\n";

struct ServiceArgs {
  std::string verb;
  std::string name = "kedge";
  std::string config;
};

// Parses the arguments after "service"; returns an error message or "".
std::string ParseArgs(const std::vector<std::string>& args, ServiceArgs* parsed) {
  if (args.empty()) return "missing command: install or uninstall";
  parsed->verb = args[0];
  if (parsed->verb != "install" && parsed->verb != "uninstall") {
    return "unknown command '" + parsed->verb + "': use install or uninstall";
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag != "--name" && !(flag == "--config" && parsed->verb == "install")) {
      return "unknown option '" + flag + "' for service " + parsed->verb;
    }
    if (i + 1 >= args.size() || args[i + 1].empty()) return flag + " needs a value";
    (flag == "--name" ? parsed->name : parsed->config) = args[++i];
  }
  return "";
}

}  // namespace

std::string QuoteWindowsArg(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"") == std::string::npos) return arg;
  std::string quoted = "\"";
  size_t backslashes = 0;
  for (char c : arg) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    // Backslashes before a quote are doubled, and the quote itself escaped.
    quoted.append(c == '"' ? backslashes * 2 + 1 : backslashes, '\\');
    backslashes = 0;
    quoted += c;
  }
  // Trailing backslashes are doubled so that they do not escape the closing quote.
  quoted.append(backslashes * 2, '\\');
  quoted += '"';
  return quoted;
}

ServiceInstallConfig DefaultInstallConfig(const std::string& exe_path, const Paths& paths,
                                          const std::string& name) {
  ServiceInstallConfig config;
  config.name = name;
  config.description =
      "Ships logs, telemetry and camera video from this machine to Amazon Kinesis. "
      "Configuration: " + paths.config_file;
  // The SCM starts `kedge service run`, which runs `kedge run` under the SCM host. The name
  // tells it which service it is (for the Event Log source) when it is not the default.
  config.command_line = QuoteWindowsArg(exe_path) + " service run";
  if (name != ServiceInstallConfig().name) {
    config.command_line += " --name " + QuoteWindowsArg(name);
  }
  config.command_line += " --config " + QuoteWindowsArg(paths.config_file);
  // Restart after 5 s twice, then after a minute; the count resets after a day without failure.
  config.failure_actions = {{FailureAction::Type::kRestart, 5000},
                            {FailureAction::Type::kRestart, 5000},
                            {FailureAction::Type::kRestart, 60000}};
  config.event_message_file = exe_path;
  return config;
}

int RunServiceCommand(const std::vector<std::string>& args, ServiceManager& manager,
                      const std::string& exe_path, const Paths& paths, std::ostream& out,
                      std::ostream& err) {
  ServiceArgs parsed;
  std::string usage_error = ParseArgs(args, &parsed);
  if (!usage_error.empty()) {
    err << "kedge service: " << usage_error << "\n" << kUsage;
    return 2;
  }
  const char* admin_hint = " (run it from an elevated prompt: Run as administrator)";
  if (parsed.verb == "install") {
    Paths install_paths = paths;
    if (!parsed.config.empty()) install_paths.config_file = parsed.config;
    ServiceInstallConfig config = DefaultInstallConfig(exe_path, install_paths, parsed.name);
    Status created = manager.Create(config);
    if (!created.ok()) {
      err << "kedge service install: " << created.ToString()
          << (created.code() == StatusCode::kPermissionDenied ? admin_hint : "") << "\n";
      return 1;
    }
    Status source = manager.AddEventSource(config.name, config.event_message_file);
    if (!source.ok()) {
      err << "warning: Event Log source not registered: " << source.ToString() << "\n";
    }
    out << "installed service '" << config.name << "': " << config.command_line << "\n"
        << "edit " << install_paths.config_file << ", then: sc.exe start " << config.name
        << "\n";
    return 0;
  }
  Status deleted = manager.Delete(parsed.name, kUninstallStopTimeoutMs);
  if (!deleted.ok()) {
    err << "kedge service uninstall: " << deleted.ToString()
        << (deleted.code() == StatusCode::kPermissionDenied ? admin_hint : "") << "\n";
    return 1;
  }
  Status source = manager.RemoveEventSource(parsed.name);
  if (!source.ok() && source.code() != StatusCode::kNotFound) {
    err << "warning: Event Log source not removed: " << source.ToString() << "\n";
  }
  out << "uninstalled service '" << parsed.name << "'; " << paths.config_dir
      << " is kept\n";
  return 0;
}

}  // namespace kedge::windows
