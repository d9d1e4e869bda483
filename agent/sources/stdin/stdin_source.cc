#include "agent/sources/stdin/stdin_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "platform/logging.h"

namespace kedge::agent {

StdinSource::StdinSource(const SourceConfig& config, int fd, Clock& clock, RecordSink& sink,
                         MetricsRegistry& metrics)
    : config_(config),
      fd_(fd),
      clock_(clock),
      sink_(sink),
      counters_(metrics, config.name),
      assembler_({config.max_line_bytes, config.multiline_start_pattern, 0}) {}

Status StdinSource::Start(const std::vector<Checkpoint>&) {
  last_growth_ = clock_.Now();
  return Status::Ok();
}

size_t StdinSource::ReadAvailable(std::vector<LineAssembler::Record>* lines, bool* more) {
  char buf[64 * 1024];
  size_t total = 0;
  while (!eof_ && total < kMaxBytesPerPoll) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // nothing to read now
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      if (n < 0) KEDGE_LOG(kWarn) << config_.name << ": reading standard input failed; stopping";
      eof_ = true;
      break;
    }
    assembler_.Feed(std::string_view(buf, static_cast<size_t>(n)), lines);
    total += static_cast<size_t>(n);
  }
  if (total >= kMaxBytesPerPoll) *more = true;
  return total;
}

bool StdinSource::Offer(RecordBatch batch, const TextBatch& counts) {
  Status s = sink_.Accept(batch);
  if (!s.ok()) {
    counters_.sink_refusals.Increment();
    held_ = std::move(batch);
    held_counts_ = counts;
    return false;
  }
  counts.Count(counters_);
  held_.reset();
  return true;
}

PollResult StdinSource::Poll() {
  PollResult result;
  if (paused_) return result;
  if (held_) {
    RecordBatch again = *held_;
    TextBatch counts = held_counts_;
    if (!Offer(std::move(again), counts)) return result;
    result.records += counts.count;
  }
  std::vector<LineAssembler::Record> lines;
  size_t read = ReadAvailable(&lines, &result.more);
  SteadyTime now = clock_.Now();
  if (read > 0) last_growth_ = now;
  if (assembler_.has_pending() && (eof_ || now - last_growth_ >= config_.flush_timeout)) {
    size_t before = lines.size();
    assembler_.Flush(&lines);
    counters_.partial_flushes.Increment(lines.size() - before);
  }
  if (lines.empty()) return result;
  TextBatch text = MakeTextBatch(lines, config_.invalid_utf8, ToUnixMillis(clock_.WallNow()), "-");
  RecordBatch batch;
  batch.source = config_.name;
  batch.records = std::move(text.records);
  if (Offer(std::move(batch), text)) result.records += text.count;
  return result;
}

}  // namespace kedge::agent
