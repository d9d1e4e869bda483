#include "agent/sinks/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "platform/logging.h"
#include "platform/posix/posix_error.h"

namespace kedge::agent {

FileSink::FileSink(const SinkConfig& config, kpl::Spool& spool, Clock& clock,
                   MetricsRegistry& metrics)
    : name_(config.name), path_(config.path), spool_(spool), ledger_(name_, spool, clock, metrics) {}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::Pump() {
  if (ledger_.paused()) return;
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      Status why = PosixError("sink " + name_ + ": " + path_, errno);
      ledger_.Outcome(-1, kpl::PutOutcome{why, "", "", 0, 0});  // pauses with a backoff
      return;
    }
  }
  auto leased = spool_.Lease(name_, 1000, 4 * 1048576);
  if (!leased.ok() || leased->empty()) return;
  std::string out;
  for (const auto& r : *leased) {
    out += r.data;
    out += '\n';
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == out.size() && ::fdatasync(fd_) == 0;
  Status why = ok ? Status::Ok() : PosixError("sink " + name_ + ": write " + path_, errno);
  for (const auto& r : *leased) ledger_.Outcome(r.id, kpl::PutOutcome{why, "", "", 0, 1});
  ledger_.Settle();
}

std::optional<SteadyTime> FileSink::NextWakeup() const {
  if (ledger_.paused()) return ledger_.paused_until();
  return std::nullopt;
}

}  // namespace kedge::agent
