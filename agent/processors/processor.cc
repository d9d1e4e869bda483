#include "agent/processors/processor.h"

#include <ctime>

#include "agent/processors/add_metadata.h"
#include "agent/processors/csv_to_json.h"
#include "agent/processors/log_to_json.h"
#include "agent/processors/single_line.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<Processor>> MakeProcessor(const ProcessorConfig& config,
                                                   const ProcessorContext& context) {
  switch (config.type) {
    case ProcessorType::kSingleLine:
      return std::unique_ptr<Processor>(new SingleLineProcessor(config.trim));
    case ProcessorType::kCsvToJson:
      if (config.fields.empty()) return InvalidArgumentError("csv_to_json needs fields");
      return std::unique_ptr<Processor>(new CsvToJsonProcessor(config.fields, config.delimiter));
    case ProcessorType::kLogToJson:
      return LogToJsonProcessor::Make(config);
    case ProcessorType::kAddMetadata:
      return std::unique_ptr<Processor>(new AddMetadataProcessor(config, context));
  }
  return InvalidArgumentError("unknown processor type");
}

StatusOr<std::unique_ptr<ProcessorChain>> ProcessorChain::Build(
    const std::vector<ProcessorConfig>& configs, const ProcessorContext& context) {
  auto chain = std::make_unique<ProcessorChain>();
  for (const ProcessorConfig& c : configs) {
    KEDGE_ASSIGN_OR_RETURN(std::unique_ptr<Processor> p, MakeProcessor(c, context));
    chain->steps_.push_back(std::move(p));
  }
  return chain;
}

bool ProcessorChain::Process(SourceRecord* record) {
  for (const auto& step : steps_) {
    if (!step->Process(record)) return false;
  }
  return true;
}

ProcessingSink::ProcessingSink(std::unique_ptr<ProcessorChain> chain, RecordSink& next,
                               MetricsRegistry& metrics, const std::string& source_name)
    : chain_(std::move(chain)),
      next_(next),
      dropped_(metrics.GetCounter("kedge_processor_dropped_total",
                                  "Records a processor could not handle (dropped)",
                                  {{"source", source_name}})) {}

Status ProcessingSink::Accept(RecordBatch batch) {
  if (!chain_->empty()) {
    std::vector<SourceRecord> kept;
    kept.reserve(batch.records.size());
    for (SourceRecord& r : batch.records) {
      if (chain_->Process(&r)) kept.push_back(std::move(r));
    }
    dropped_.Increment(batch.records.size() - kept.size());
    batch.records = std::move(kept);
  }
  return next_.Accept(std::move(batch));
}

std::string FormatIso8601Millis(WallTime time) {
  int64_t ms = ToUnixMillis(time);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace kedge::agent
