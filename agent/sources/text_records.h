#pragma once
// What the line-reading sources (file, stdin) share: their counters, and the step that turns
// assembled lines into SourceRecords under the `invalid_utf8` policy (utf8.h has the decision).

#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/line_assembler.h"
#include "agent/sources/source.h"

namespace kedge::agent {

// kedge_source_* counters with label source=<name>. References into the registry.
struct TextSourceCounters {
  TextSourceCounters(MetricsRegistry& metrics, const std::string& source);
  Counter& records;
  Counter& bytes;
  Counter& truncated;
  Counter& invalid_utf8;
  Counter& partial_flushes;
  Counter& sink_refusals;
};

struct TextBatch {
  std::vector<SourceRecord> records;
  uint64_t count = 0;  // records.size() when made (records may be moved out before Count)
  uint64_t bytes = 0;
  uint64_t truncated = 0;
  uint64_t invalid_utf8 = 0;
  // Adds the counts to `counters` (call once the sink accepted the batch).
  void Count(TextSourceCounters& counters) const;
};

// Moves the lines into records stamped `now_ms` and `origin`, repairing or dropping invalid
// UTF-8 as `policy` says.
TextBatch MakeTextBatch(std::vector<LineAssembler::Record>& lines, InvalidUtf8 policy,
                        int64_t now_ms, const std::string& origin);

}  // namespace kedge::agent
