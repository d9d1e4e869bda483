#pragma once
// StdinSource: the `stdin` source — lines from a file descriptor (standard input, or a pipe in
// tests), with the same line handling as the file tail (max_line_bytes, invalid_utf8, a last
// line without newline flushed at end of input or after flush_timeout). Standard input cannot
// be re-read, so there are no checkpoints: a batch the sink refuses is kept in memory and
// offered again on the next Poll, and reading stops until it is taken. Poll never blocks (it
// polls the descriptor with a zero timeout). Input thread only; the descriptor is borrowed.

#include <memory>
#include <optional>
#include <string>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/line_assembler.h"
#include "agent/sources/source.h"
#include "agent/sources/text_records.h"
#include "platform/clock.h"

namespace kedge::agent {

class StdinSource final : public Source {
 public:
  static constexpr size_t kMaxBytesPerPoll = 1024 * 1024;

  StdinSource(const SourceConfig& config, int fd, Clock& clock, RecordSink& sink,
              MetricsRegistry& metrics);

  const std::string& Name() const override { return config_.name; }
  Status Start(const std::vector<Checkpoint>& saved) override;
  PollResult Poll() override;

  // End of input reached and everything handed to the sink.
  bool finished() const { return eof_ && !held_ && !assembler_.has_pending(); }

 private:
  // Reads what is available now; false at end of input or on an error.
  size_t ReadAvailable(std::vector<LineAssembler::Record>* lines, bool* more);
  bool Offer(RecordBatch batch, const TextBatch& counts);

  SourceConfig config_;
  int fd_;
  Clock& clock_;
  RecordSink& sink_;
  TextSourceCounters counters_;
  LineAssembler assembler_;
  bool eof_ = false;
  SteadyTime last_growth_{};
  std::optional<RecordBatch> held_;  // refused by the sink; offered again first
  TextBatch held_counts_;
};

}  // namespace kedge::agent
