#include "agent/cli/service_command.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "agent/cli/run_command.h"
#include "platform/logging.h"
#include "platform/rotating_log_file.h"

#ifdef _WIN32
#include <io.h>
#include <windows.h>

#include <iostream>

#include "platform/windows/win32_service.h"
#include "platform/windows/win32_util.h"
#endif

namespace kedge::agent {

const char kServiceIsForWindows[] =
    "kedge service: this command installs and runs kedge as a Windows service.\n"
    "On Linux kedge runs as the systemd unit kedge.service (installed by the package):\n"
    "  sudo systemctl enable --now kedge      journalctl -u kedge -f\n"
    "See /usr/share/doc/kedge/install.md.\n";

namespace {

const char* ReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kShutdown:
      return "the system is shutting down";
    case StopReason::kPreshutdown:
      return "the system is about to shut down";
    case StopReason::kStop:
      break;
  }
  return "the service is stopping";
}

}  // namespace

StatusOr<ServiceRunArgs> ParseServiceRunArgs(const std::vector<std::string>& args,
                                             const Paths& paths) {
  ServiceRunArgs parsed;
  std::string config = paths.config_file;
  std::string level;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    std::string* value = flag == "--name"        ? &parsed.name
                         : flag == "--config"    ? &config
                         : flag == "--log-level" ? &level
                                                 : nullptr;
    if (value == nullptr) return InvalidArgumentError("unknown argument '" + flag + "'");
    if (i + 1 >= args.size() || args[i + 1].empty()) {
      return InvalidArgumentError(flag + " needs a value");
    }
    *value = args[++i];
  }
  parsed.run_args = {"--config", config};
  if (!level.empty()) parsed.run_args.insert(parsed.run_args.end(), {"--log-level", level});
  return parsed;
}

RunLoopService::RunLoopService(std::vector<std::string> run_args)
    : run_args_(std::move(run_args)) {}

Status RunLoopService::Run(ServiceHost& host) {
  int code = RunCommandWithHost(run_args_, &host);
  if (code == 0) return Status::Ok();
  return AbortedError("kedge run ended with exit status " + std::to_string(code) +
                      " (the reason is in the log)");
}

void RunLoopService::RequestStop(StopReason reason) {
  last_reason_ = reason;
  KEDGE_LOG(kInfo) << "stopping: " << ReasonName(reason);
  RequestRunStop();
}

#ifndef _WIN32

int ServiceCommand(const std::vector<std::string>& args) {
  bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  std::fputs(kServiceIsForWindows, help ? stdout : stderr);
  return help ? 0 : 2;
}

#else  // _WIN32

namespace {

constexpr char kRunUsage[] =
    "usage: kedge service run [--name NAME] [--config FILE] [--log-level LEVEL]\n"
    "Started by the Windows Service Control Manager (sc.exe start kedge), not by hand;\n"
    "in a console use: kedge run --config FILE\n";

// The service's log file, logs\kedge.log, is rotated past 10 MiB keeping five old ones.
constexpr uint64_t kLogFileBytes = 10ull << 20;
constexpr int kLogFilesKept = 5;

// Points stderr at `file` (appending). A process without a console starts with stderr not open
// (fileno -2), and freopen refuses such a stream: descriptor 2 is made first, then the stream
// reopened.
bool PointStderrAt(const std::wstring& file) {
  FILE* f = _wfopen(file.c_str(), L"a");
  if (f == nullptr) return false;
  _dup2(_fileno(f), 2);
  bool reopened = _wfreopen(file.c_str(), L"a", stderr) != nullptr;
  fclose(f);
  if (reopened) setvbuf(stderr, nullptr, _IONBF, 0);
  return reopened;
}

// A service has no console: from the moment the SCM runs it, the log goes to logs\kedge.log
// (rotated), and so does anything else written to stderr (what `kedge run` prints about a bad
// config). Around a rotation stderr points at NUL, since Windows cannot rename an open file.
class LogToFileService : public Service {
 public:
  LogToFileService(Service& inner, const Paths& paths) : inner_(inner), paths_(paths) {}
  Status Run(ServiceHost& host) override {
    // The installer made both; otherwise (kedge service install by hand) they are made here.
    CreateDirectoryW(windows::Utf8ToWide(paths_.config_dir).c_str(), nullptr);
    CreateDirectoryW(windows::Utf8ToWide(paths_.log_dir).c_str(), nullptr);
    std::string file = paths_.log_dir + "\\kedge.log";
    std::wstring wide = windows::Utf8ToWide(file);
    RotatingLogFile log(file, kLogFileBytes, kLogFilesKept);
    log.SetRotationHooks([] { PointStderrAt(L"NUL"); }, [wide] { PointStderrAt(wide); });
    Status opened = log.Open();
    PointStderrAt(wide);
    if (opened.ok()) {
      Logger::Get().SetSink([&log](LogLevel, std::string_view line) { log.Write(line); });
    }
    Status result = inner_.Run(host);
    Logger::Get().ResetSink();  // back to stderr, before `log` goes
    return result;
  }
  void RequestStop(StopReason reason) override { inner_.RequestStop(reason); }

 private:
  Service& inner_;
  const Paths paths_;
};

int RunUnderScm(const std::vector<std::string>& args, const Paths& paths) {
  StatusOr<ServiceRunArgs> parsed = ParseServiceRunArgs(args, paths);
  if (!parsed.ok()) {
    std::fprintf(stderr, "kedge service run: %s\n%s", parsed.status().message().c_str(), kRunUsage);
    return 2;
  }
  RunLoopService agent(parsed->run_args);
  LogToFileService service(agent, paths);
  if (std::optional<int> code = windows::RunAsWindowsService(parsed->name, service)) return *code;
  std::fputs(
      "kedge service run: not started by the Service Control Manager.\n"
      "Start the service with: sc.exe start kedge (or kedge service install first),\n"
      "or run in this console with: kedge run --config FILE\n",
      stderr);
  return 2;
}

}  // namespace

int ServiceCommand(const std::vector<std::string>& args) {
  Paths paths = DefaultPaths(Env::Default());
  if (!args.empty() && args[0] == "run") {
    return RunUnderScm(std::vector<std::string>(args.begin() + 1, args.end()), paths);
  }
  std::unique_ptr<windows::ServiceManager> manager = windows::CreateWin32ServiceManager();
  return windows::RunServiceCommand(args, *manager, windows::CurrentExePath(), paths, std::cout,
                                    std::cerr);
}

#endif  // _WIN32

}  // namespace kedge::agent
