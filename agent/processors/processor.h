#pragma once
// Processors: the Kinesis Agent's dataProcessingOptions for kedge records — single_line,
// csv_to_json, log_to_json (Apache common/combined, syslog RFC 3164 and RFC 5424) and
// add_metadata — chained per source. Multi-line joining happens earlier, in the source
// (LineAssembler), because it needs the file's offsets. A record a processor cannot handle
// (a line that does not match its log format) is dropped and counted, as the Kinesis Agent
// does. Processors run on the input thread; a chain is used by one thread at a time.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/source.h"
#include "platform/clock.h"

namespace kedge::agent {

struct ProcessorContext {
  Clock& clock;
  std::string device_id;
  std::string hostname;
};

class Processor {
 public:
  virtual ~Processor() = default;
  // Rewrites record->data; false when the record cannot be processed (it is then dropped).
  virtual bool Process(SourceRecord* record) = 0;
};

// Builds one processor; InvalidArgument for a config the loader should have refused.
StatusOr<std::unique_ptr<Processor>> MakeProcessor(const ProcessorConfig& config,
                                                   const ProcessorContext& context);

class ProcessorChain {
 public:
  static StatusOr<std::unique_ptr<ProcessorChain>> Build(
      const std::vector<ProcessorConfig>& configs, const ProcessorContext& context);
  // Runs every step in order; false as soon as one refuses the record.
  bool Process(SourceRecord* record);
  bool empty() const { return steps_.empty(); }

 private:
  std::vector<std::unique_ptr<Processor>> steps_;
};

// A RecordSink that runs a chain over each record and passes the batch on. Dropped records are
// counted in kedge_processor_dropped_total{source=...}; checkpoints pass through untouched, so
// a dropped record still moves the source's position.
class ProcessingSink final : public RecordSink {
 public:
  ProcessingSink(std::unique_ptr<ProcessorChain> chain, RecordSink& next, MetricsRegistry& metrics,
                 const std::string& source_name);
  Status Accept(RecordBatch batch) override;

 private:
  std::unique_ptr<ProcessorChain> chain_;
  RecordSink& next_;
  Counter& dropped_;
};

// "2026-01-01T00:00:00.123Z"
std::string FormatIso8601Millis(WallTime time);

}  // namespace kedge::agent
