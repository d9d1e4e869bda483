// kedge-ingest: a local Kinesis Data Streams / Firehose / Kinesis Video Streams endpoint.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ingest/cli_options.h"
#include "ingest/ingest_server.h"
#include "platform/logging.h"

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
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

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
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  KEDGE_LOG(kInfo) << "kedge-ingest: stopping (signal " << signal_number << ")";
  (*server)->Stop();
  return 0;
}
