// The one stand-in of the mingw build of kedge.exe: agent/cli/run_command.h's loop without the
// agent behind it (the agent needs curl, SQLite and yaml-cpp, which Debian does not build for
// mingw). Everything around it is the real code: `kedge service install|uninstall|run`
// (agent/cli/service_command.cc), the SCM host, the Event Log, the log file. Under the SCM it
// reports RUNNING, then waits for RequestRunStop as the agent's loop does, pinging the host.

#include <condition_variable>
#include <mutex>

#include "agent/cli/run_command.h"
#include "platform/logging.h"

namespace kedge::agent {
namespace {

std::mutex g_mu;
std::condition_variable g_stopped;
bool g_stop = false;  // guarded by g_mu; kept until the run that it stops has ended

}  // namespace

int RunCommand(const std::vector<std::string>& args) { return RunCommandWithHost(args, nullptr); }

int RunCommandWithHost(const std::vector<std::string>& args, ServiceHost* host) {
  NullServiceHost console;
  ServiceHost& to = host != nullptr ? *host : console;
  KEDGE_LOG(kInfo) << "run loop stand-in started (" << args.size() << " arguments)";
  to.NotifyReady();
  std::unique_lock<std::mutex> lock(g_mu);
  std::chrono::microseconds every = to.WatchdogInterval();
  while (!g_stop) {
    if (every.count() == 0) {
      g_stopped.wait(lock);
      continue;
    }
    if (!g_stopped.wait_for(lock, every, [] { return g_stop; })) to.NotifyWatchdog();
  }
  g_stop = false;
  lock.unlock();
  to.NotifyStopping();
  KEDGE_LOG(kInfo) << "run loop stand-in stopped";
  return 0;
}

void RequestRunStop() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_stop = true;
  g_stopped.notify_all();
}

}  // namespace kedge::agent
