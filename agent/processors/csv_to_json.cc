#include "agent/processors/csv_to_json.h"

#include "agent/processors/json_object_writer.h"

namespace kedge::agent {

bool SplitCsvLine(std::string_view line, char delimiter, std::vector<std::string>* columns) {
  columns->clear();
  std::string field;
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (c == delimiter) {
      columns->push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) return false;
  columns->push_back(std::move(field));
  return true;
}

bool CsvToJsonProcessor::Process(SourceRecord* record) {
  std::vector<std::string> columns;
  if (!SplitCsvLine(record->data, delimiter_, &columns)) return false;
  JsonObjectWriter out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i < columns.size()) out.String(fields_[i], columns[i]);
    else out.Null(fields_[i]);
  }
  record->data = out.Finish();
  return true;
}

}  // namespace kedge::agent
