#pragma once
// SpoolSink: the RecordSink at the end of each source's chain. It gives every record its
// partition key and its sink, and appends the batch to the spool together with the source's
// checkpoints in one transaction, so a restart resumes right after what is on disk.
// A full spool (when_full: block) refuses the batch: the source rewinds and is paused until
// sinks free room. Records whose key cannot be derived (partition_key: field on a line that is
// not JSON or lacks the field) are counted and left out; their position still moves on.
// Single-threaded: the pipeline thread.

#include <string>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/processors/partition_key.h"
#include "agent/sources/checkpoint_map.h"
#include "agent/sources/source.h"
#include "kpl/spool/spool.h"

namespace kedge::agent {

class SpoolSink final : public RecordSink {
 public:
  // `saved` is the source's checkpoint value from the spool ("" when none).
  static StatusOr<std::unique_ptr<SpoolSink>> Create(const SourceConfig& source,
                                                     const std::string& saved, kpl::Spool& spool,
                                                     MetricsRegistry& metrics, uint64_t seed);
  Status Accept(RecordBatch batch) override;
  // The checkpoints to hand to Source::Start.
  std::vector<Checkpoint> Saved() const { return checkpoints_.ToVector(); }
  // True when the last Accept was refused for lack of room.
  bool full() const { return full_; }

 private:
  SpoolSink(const SourceConfig& source, CheckpointMap saved, kpl::Spool& spool,
            MetricsRegistry& metrics, uint64_t seed);

  std::string source_;
  std::string sink_;
  kpl::Spool& spool_;
  PartitionKeyer keyer_;
  CheckpointMap checkpoints_;
  bool full_ = false;
  Counter& spooled_;
  Counter& unkeyed_;
};

}  // namespace kedge::agent
