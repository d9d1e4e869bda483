// kedge-ingest: a local Kinesis Data Streams / Firehose / Kinesis Video Streams endpoint.
//
// Under systemd (kedge-ingest.service, Type=notify) it reports READY=1 once its port is bound,
// WATCHDOG=1 every half of WatchdogSec= while the main thread waits for a stop signal, and
// STOPPING=1 when SIGTERM or SIGINT arrives; elsewhere the service host drops the
// notifications.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "ingest/cli_options.h"
#include "ingest/ingest_server.h"
#include "platform/linux/systemd_notify.h"
#include "platform/logging.h"
#include "platform/service_host.h"

namespace {

// Waits for one of `signals`, pinging the host's watchdog while waiting. Returns the signal.
int WaitForStopSignal(const sigset_t& signals, kedge::ServiceHost& host) {
  const std::chrono::microseconds ping_every = host.WatchdogInterval();
  for (;;) {
    int signal_number = 0;
    if (ping_every.count() == 0) {
      if (sigwait(&signals, &signal_number) == 0) return signal_number;
      continue;
    }
    timespec timeout;
    timeout.tv_sec = static_cast<time_t>(ping_every.count() / 1000000);
    timeout.tv_nsec = static_cast<long>(ping_every.count() % 1000000) * 1000;
    signal_number = sigtimedwait(&signals, nullptr, &timeout);
    if (signal_number > 0) return signal_number;
    if (errno == EAGAIN) host.NotifyWatchdog();  // EINTR: wait again
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kedge;
  std::vector<std::string> args(argv + 1, argv + argc);
  StatusOr<ingest::IngestOptions> options = ingest::ParseCommandLine(args, Env::Default());
  if (!options.ok()) {
    if (options.status().code() == StatusCode::kCancelled) {
      std::fputs(ingest::kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "kedge-ingest: %s\n%s", options.status().message().c_str(),
                 ingest::kUsage);
    return 2;
  }
  for (const aws::Credentials& c : options->credentials) {
    Logger::Get().AddSecret(c.secret_access_key);
  }
  // Block the stop signals before any thread starts, so only the main thread receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // systemd (Type=notify, WatchdogSec=) when NOTIFY_SOCKET is set; nothing otherwise.
  std::unique_ptr<ServiceHost> host =
      CreateLinuxServiceHost(Env::Default(), static_cast<long>(::getpid()));

  auto server = ingest::IngestServer::Start(*options, Clock::Real(), Env::Default());
  if (!server.ok()) {
    std::fprintf(stderr, "kedge-ingest: %s\n", server.status().message().c_str());
    return 1;
  }
  std::printf("kedge-ingest listening on %s\n", (*server)->url().c_str());
  if (!(*server)->console_url().empty()) {
    std::printf("kedge-ingest console at %s\n", (*server)->console_url().c_str());
  }
  std::fflush(stdout);
  KEDGE_LOG(kInfo) << "kedge-ingest: data in " << options->data_dir << ", SigV4 "
                   << (options->credentials.empty() ? "off" : "required");
  host->NotifyStatus("listening on " + (*server)->url());
  host->NotifyReady();
  int signal_number = WaitForStopSignal(stop_signals, *host);
  KEDGE_LOG(kInfo) << "kedge-ingest: stopping (signal " << signal_number << ")";
  host->NotifyStopping();
  (*server)->Stop();
  return 0;
}
