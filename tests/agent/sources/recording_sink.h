#pragma once
// RecordingSink: a RecordSink for source tests that keeps every accepted record and checkpoint
// and can be told to refuse the next Accept calls. Single-threaded (the thread that polls).

#include <vector>

#include "agent/sources/source.h"

namespace kedge::testing {

class RecordingSink : public agent::RecordSink {
 public:
  Status Accept(agent::RecordBatch batch) override {
    if (refuse > 0) {
      --refuse;
      ++refused;
      return UnavailableError("refused by the test");
    }
    for (agent::SourceRecord& r : batch.records) records.push_back(std::move(r));
    for (agent::Checkpoint& c : batch.checkpoints) checkpoints.push_back(std::move(c));
    return Status::Ok();
  }

  std::vector<agent::SourceRecord> records;
  std::vector<agent::Checkpoint> checkpoints;
  int refuse = 0;   // refuse this many Accept calls
  int refused = 0;  // how many were refused
};

}  // namespace kedge::testing
