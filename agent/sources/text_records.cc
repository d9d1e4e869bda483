#include "agent/sources/text_records.h"

#include "agent/sources/utf8.h"

namespace kedge::agent {

TextSourceCounters::TextSourceCounters(MetricsRegistry& m, const std::string& source)
    : records(m.GetCounter("kedge_source_records_total", "Records read by a source",
                           {{"source", source}})),
      bytes(m.GetCounter("kedge_source_bytes_total", "Record bytes read by a source",
                         {{"source", source}})),
      truncated(m.GetCounter("kedge_source_truncated_records_total",
                             "Records cut at max_line_bytes", {{"source", source}})),
      invalid_utf8(m.GetCounter("kedge_source_invalid_utf8_records_total",
                                "Records with invalid UTF-8 (replaced, kept or dropped)",
                                {{"source", source}})),
      partial_flushes(m.GetCounter("kedge_source_partial_flushes_total",
                                   "Records flushed without a final newline after flush_timeout",
                                   {{"source", source}})),
      sink_refusals(m.GetCounter("kedge_source_sink_refusals_total",
                                 "Batches the sink did not accept (offered again later)",
                                 {{"source", source}})) {}

void TextBatch::Count(TextSourceCounters& counters) const {
  counters.records.Increment(count);
  counters.bytes.Increment(bytes);
  counters.truncated.Increment(truncated);
  counters.invalid_utf8.Increment(invalid_utf8);
}

TextBatch MakeTextBatch(std::vector<LineAssembler::Record>& lines, InvalidUtf8 policy,
                        int64_t now_ms, const std::string& origin) {
  TextBatch batch;
  batch.records.reserve(lines.size());
  for (LineAssembler::Record& line : lines) {
    batch.truncated += line.truncated;
    if (!IsValidUtf8(line.data)) {
      ++batch.invalid_utf8;
      if (policy == InvalidUtf8::kDrop) continue;
      if (policy == InvalidUtf8::kReplace) line.data = ReplaceInvalidUtf8(line.data);
    }
    batch.bytes += line.data.size();
    batch.records.push_back({std::move(line.data), now_ms, origin});
  }
  batch.count = batch.records.size();
  return batch;
}

}  // namespace kedge::agent
