#pragma once
// The kedge-ingest that `kedge demo` runs: finding the binary, the child process, and the
// unsigned JSON calls the demo makes to it (kedge-ingest runs there without credentials).
//
// Threading: one controlling thread. Errors: NotFound when the binary is nowhere, Unavailable
// when it does not start or a call fails (with the call and the answer).

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

#include "platform/env.h"
#include "platform/status.h"

namespace kedge::agent {

// kedge-ingest next to this kedge, in the build tree beside it (build/agent/kedge and
// build/ingest/kedge-ingest), or on PATH.
StatusOr<std::string> FindIngest(Env& env);

// A kedge-ingest child process on 127.0.0.1 (a free port) in its own process group, so Ctrl-C
// reaches the demo, which stops it last, after the agent has delivered. It dies with the demo
// (PR_SET_PDEATHSIG).
class IngestProcess {
 public:
  IngestProcess() = default;
  IngestProcess(const IngestProcess&) = delete;
  IngestProcess& operator=(const IngestProcess&) = delete;
  ~IngestProcess() { Stop(); }

  // Starts it on `data_dir`, its stderr to `log`, and waits (up to 15 s) for its addresses.
  Status Start(const std::string& binary, const std::string& data_dir, const std::string& log);
  // SIGTERM, then waits for it. Idempotent.
  void Stop();
  const std::string& url() const { return url_; }
  const std::string& console_url() const { return console_url_; }

 private:
  Status ReadAddresses(const std::string& log);

  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string url_;
  std::string console_url_;
};

// POSTs `body` to `url` (with X-Amz-Target when `target` is set), or GETs it when !post; the
// JSON answer ({} when it is not JSON).
StatusOr<nlohmann::json> CallIngest(const std::string& url, const std::string& target,
                                    const nlohmann::json& body, bool post = true);

}  // namespace kedge::agent
