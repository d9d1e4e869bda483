#pragma once
// csv_to_json: one CSV line to a JSON object keyed by the configured field names. Fields may
// be quoted ("a, b" and "" for a quote, RFC 4180); values stay strings; a missing column is
// null and extra columns are ignored, as the Kinesis Agent's CSVTOJSON does.

#include <string>
#include <vector>

#include "agent/processors/processor.h"

namespace kedge::agent {

class CsvToJsonProcessor final : public Processor {
 public:
  CsvToJsonProcessor(std::vector<std::string> fields, char delimiter)
      : fields_(std::move(fields)), delimiter_(delimiter) {}
  bool Process(SourceRecord* record) override;

 private:
  std::vector<std::string> fields_;
  char delimiter_;
};

// Splits one CSV line; false when a quoted field is not closed.
bool SplitCsvLine(std::string_view line, char delimiter, std::vector<std::string>* columns);

}  // namespace kedge::agent
