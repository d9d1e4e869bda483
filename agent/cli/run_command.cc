#include "agent/cli/run_command.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "agent/agent.h"
#include "agent/cameras/camera_set.h"
#include "agent/config/config_validate.h"
#include "agent/metrics/status_report.h"
#include "agent/metrics/status_server.h"
#include "agent/sources/file/file_system.h"
#ifndef _WIN32
#include <unistd.h>

#include "platform/linux/systemd_notify.h"
#endif
#include "platform/logging.h"
#include "platform/service_host.h"

namespace kedge::agent {
namespace {

constexpr char kUsage[] =
    "usage: kedge run --config FILE [--log-level debug|info|warn|error]\n"
    "\n"
    "Runs the agent: reads the configured sources into the spool and ships the spool to the\n"
    "sinks, until SIGINT or SIGTERM; SIGHUP re-reads the configuration (a bad one is refused and\n"
    "the running one kept). The configuration is checked first, as `kedge check-config`\n"
    "does; a bad one is refused with every problem listed and nothing started.\n";

// The running agent, for stops that come from signal handlers and from the service host's
// thread. Those callers count themselves in g_agent_users while they use it, and RunOnce
// waits for the count to drop to zero after clearing g_agent and before destroying the agent
// (lock-free, so signal handlers may take part; sequentially consistent atomics make a caller
// either see nullptr or be waited for).
std::atomic<Agent*> g_agent{nullptr};
std::atomic<int> g_agent_users{0};
std::atomic<bool> g_reload{false};
// Set by a stop that may come before the agent exists (a Windows service stopped while
// starting): the loop checks it once the agent is running.
std::atomic<bool> g_stop{false};

void StopRunningAgent() {
  g_agent_users.fetch_add(1);
  if (Agent* agent = g_agent.load()) agent->RequestStop();  // sets a flag and wakes the loop
  g_agent_users.fetch_sub(1);
}

void OnSignal(int) {
  g_stop = true;
  StopRunningAgent();
}

void OnReload(int) {
  g_reload = true;
  StopRunningAgent();
}

// Takes the agent out of reach of StopRunningAgent before it is destroyed.
void ForgetRunningAgent() {
  g_agent = nullptr;
  while (g_agent_users.load() != 0) std::this_thread::yield();
}

// Runs the agent once with `config` until a stop or reload signal. Returns the exit code.
// `cameras` outlive a reload: only those whose settings changed are restarted.
int RunOnce(const AgentConfig& config, Env& env, ServiceHost& host, bool* ready_sent,
            CameraSet& cameras) {
  AgentOptions options;
  std::chrono::microseconds ping_every = host.WatchdogInterval();
  SteadyTime next_ping{};
  options.heartbeat = [&host, ping_every, &next_ping, &cameras] {
    cameras.Tick();
    if (ping_every.count() == 0) return;
    SteadyTime now = Clock::Real().Now();
    if (now < next_ping) return;
    host.NotifyWatchdog();
    next_ping = now + ping_every;
  };
  options.stopping = [&host] {
    if (!g_reload) host.NotifyStopping();
  };
  MetricsRegistry metrics;
  StatusHistory history;
  options.history = &history;
  auto agent = Agent::Create(config, env, Clock::Real(), metrics, options);
  if (!agent.ok()) {
    std::fprintf(stderr, "kedge run: %s\n",
                 Logger::Get().Redact(agent.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<StatusServer> status;
  WallTime started = Clock::Real().WallNow();
  if (config.http.enabled) {
    const AgentConfig* cfg = &config;
    status = std::make_unique<StatusServer>(
        metrics,
        [cfg, &metrics, &history, started] {
          StatusInputs in;
          in.version = KEDGE_VERSION;
          in.config = cfg;
          in.metrics = &metrics;
          in.history = &history;
          in.started = started;
          in.now = Clock::Real().WallNow();
          return BuildStatusJson(in);
        },
        [] { return Health{}; });
    Status listening = status->Start(config.http.listen);
    if (!listening.ok()) {
      std::fprintf(stderr, "kedge run: http.listen %s: %s\n", config.http.listen.c_str(),
                   listening.message().c_str());
      return 1;
    }
    KEDGE_LOG(kInfo) << "status page at http://127.0.0.1:" << status->port() << "/";
  }
  cameras.AttachMetrics(&metrics);
  cameras.Apply(config);
  g_agent = agent->get();
  if (g_stop || g_reload) (*agent)->RequestStop();  // a signal that came while it was built
  if (!*ready_sent) {
    host.NotifyReady();
    *ready_sent = true;
  }
  Status ran = (*agent)->Run();
  ForgetRunningAgent();
  cameras.AttachMetrics(nullptr);
  if (status) status->Stop();
  if (!ran.ok()) {
    std::fprintf(stderr, "kedge run: %s\n", ran.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void RequestRunStop() { OnSignal(0); }

int RunCommand(const std::vector<std::string>& args) { return RunCommandWithHost(args, nullptr); }

int RunCommandWithHost(const std::vector<std::string>& args, ServiceHost* service_host) {
  // A stop is kept from whenever it came until this run ends, never into the next run.
  struct ClearStopOnReturn {
    ~ClearStopOnReturn() { g_stop = false; }
  } clear_stop;
  std::string path;
  std::string level_text;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "--config" || a == "-c") && i + 1 < args.size()) {
      path = args[++i];
    } else if (a == "--log-level" && i + 1 < args.size()) {
      level_text = args[++i];
    } else {
      std::fprintf(stderr, "kedge run: unexpected argument '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "kedge run: --config FILE is required\n\n%s", kUsage);
    return 2;
  }
  Env& env = Env::Default();
  PosixFileSystem fs;
  LogLevel level = LogLevel::kInfo;
  if (!level_text.empty() && !ParseLogLevel(level_text, &level)) {
    std::fprintf(stderr, "kedge run: --log-level must be debug, info, warn or error\n");
    return 2;
  }
  std::optional<AgentConfig> config;
  {
    ConfigErrors errors(path);
    StatusOr<AgentConfig> loaded = LoadConfigFile(path, env, fs, &errors);
    std::cerr << errors.WarningsToString();
    if (!loaded.ok()) {
      std::cerr << errors.ToString() << "\n"
                << "kedge run: " << path << " has errors; nothing was started\n";
      return 1;
    }
    config = std::move(*loaded);
  }
  // The caller's host (the Windows service); else systemd (Type=notify, WatchdogSec) when
  // NOTIFY_SOCKET is set, nothing otherwise.
  std::unique_ptr<ServiceHost> own_host;
  ServiceHost* host = service_host;
  if (host == nullptr) {
#ifdef _WIN32
    own_host = std::make_unique<NullServiceHost>();
#else
    own_host = CreateLinuxServiceHost(env, static_cast<long>(::getpid()));
#endif
    host = own_host.get();
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
#ifdef SIGHUP
  std::signal(SIGHUP, OnReload);
#endif
  bool ready_sent = false;
  CameraSet cameras(env, Clock::Real());
  while (true) {
    Logger::Get().SetLevel(level_text.empty() ? config->log_level : level);
    int code = RunOnce(*config, env, *host, &ready_sent, cameras);
    if (code != 0 || !g_reload || g_stop) {
      cameras.StopAll();  // each drains; what is not acknowledged stays in its store
      return code;
    }
    // SIGHUP: the agent drained and committed; read the file again. A bad file keeps the
    // configuration that was running, so a typo never stops the agent. A SIGHUP that comes
    // while the next agent is being built is kept: RunOnce stops that agent at once.
    g_reload = false;
    ConfigErrors errors(path);
    StatusOr<AgentConfig> loaded = LoadConfigFile(path, env, fs, &errors);
    if (loaded.ok()) {
      config = std::move(*loaded);
      KEDGE_LOG(kInfo) << "reloaded " << path;
    } else {
      KEDGE_LOG(kError) << "reload refused, " << path << " has errors; running as before:\n"
                        << errors.ToString();
    }
  }
}

}  // namespace kedge::agent
