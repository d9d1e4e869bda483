// How kedge.exe's main wires the Windows service host, with a stand-in for the agent that idles
// until stopped. The agent's `kedge run` does the same with its real Service.
//
//   kedge service install|uninstall [--name NAME] [--config FILE]
//   kedge run      under the SCM: runs as the service; from a console: until Ctrl+C

#include <windows.h>

#include <condition_variable>
#include <iostream>
#include <mutex>

#include "platform/logging.h"
#include "platform/paths.h"
#include "platform/windows/win32_service.h"
#include "platform/windows/win32_util.h"

namespace {

class IdleService : public kedge::Service {
 public:
  kedge::Status Run(kedge::ServiceHost& host) override {
    host.NotifyReady();
    std::unique_lock<std::mutex> lock(mu_);
    // Wake up at the watchdog interval to report progress, as the agent's main loop does.
    auto interval = host.WatchdogInterval();
    while (!stop_) {
      if (interval.count() > 0) {
        cv_.wait_for(lock, interval);
        lock.unlock();
        host.NotifyWatchdog();
        lock.lock();
      } else {
        cv_.wait(lock);
      }
    }
    host.NotifyStopping();
    KEDGE_LOG(kInfo) << "stopping (" << static_cast<int>(reason_) << ")";
    return kedge::Status::Ok();
  }
  void RequestStop(kedge::StopReason reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    reason_ = reason;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  kedge::StopReason reason_ = kedge::StopReason::kStop;
};

IdleService* g_console_service = nullptr;

BOOL WINAPI OnConsoleControl(DWORD) {
  g_console_service->RequestStop(kedge::StopReason::kStop);
  return TRUE;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "service") {
    auto manager = kedge::windows::CreateWin32ServiceManager();
    kedge::Paths paths = kedge::DefaultPaths(kedge::Env::Default());
    return kedge::windows::RunServiceCommand({args.begin() + 1, args.end()}, *manager,
                                             kedge::windows::CurrentExePath(), paths, std::cout,
                                             std::cerr);
  }
  if (!args.empty() && args[0] == "version") {
    std::cout << "kedge (Windows service core)\n";
    return 0;
  }
  if (args.empty() || args[0] != "run") {
    std::cerr << "usage: kedge run | kedge service install|uninstall | kedge version\n";
    return 2;
  }
  IdleService service;
  if (auto exit_code = kedge::windows::RunAsWindowsService("kedge", service)) return *exit_code;
  g_console_service = &service;
  SetConsoleCtrlHandler(OnConsoleControl, TRUE);
  kedge::NullServiceHost console;
  kedge::Status status = service.Run(console);
  return status.ok() ? 0 : 1;
}
