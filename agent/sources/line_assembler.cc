#include "agent/sources/line_assembler.h"

#include <cstring>

#include "agent/sources/utf8.h"

namespace kedge::agent {
namespace {

// Start patterns are matched against the head of a line only: libstdc++'s std::regex recurses
// per character and could overflow the stack on a megabyte line.
constexpr size_t kPatternWindow = 1024;

void AppendCapped(std::string* dst, std::string_view src, uint64_t cap, bool* truncated) {
  if (*truncated) return;
  if (dst->size() + src.size() <= cap) {
    dst->append(src.data(), src.size());
    return;
  }
  size_t room = cap - dst->size();
  size_t cut = Utf8SafeCut(src, room);
  dst->append(src.data(), cut);
  *truncated = true;
}

}  // namespace

LineAssembler::LineAssembler(const Options& options) : options_(options) {
  if (!options_.multiline_start_pattern.empty()) {
    try {
      start_pattern_ = std::make_unique<std::regex>(options_.multiline_start_pattern,
                                                    std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error&) {
      start_pattern_.reset();
    }
  }
  Reset(0);
}

void LineAssembler::Reset(uint64_t offset) {
  position_ = offset;
  headers_left_ = offset == 0 ? options_.skip_header_lines : 0;
  line_.clear();
  line_start_ = offset;
  line_truncated_ = false;
  has_record_ = false;
  record_.clear();
  record_truncated_ = false;
}

void LineAssembler::Feed(std::string_view bytes, std::vector<Record>* out) {
  while (!bytes.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
    size_t take = nl ? static_cast<size_t>(nl - bytes.data()) : bytes.size();
    AppendCapped(&line_, bytes.substr(0, take), options_.max_record_bytes, &line_truncated_);
    position_ += take;
    bytes.remove_prefix(take);
    if (nl) {
      position_ += 1;
      bytes.remove_prefix(1);
      EndLine(out);
    }
  }
}

void LineAssembler::EndLine(std::vector<Record>* out) {
  std::string line = std::move(line_);
  line_.clear();
  bool truncated = line_truncated_;
  line_truncated_ = false;
  uint64_t start = line_start_;
  line_start_ = position_;
  if (!truncated && !line.empty() && line.back() == '\r') line.pop_back();
  if (headers_left_ > 0) {
    --headers_left_;
    return;
  }
  OnLine(std::move(line), truncated, start, out);
}

void LineAssembler::OnLine(std::string line, bool truncated, uint64_t line_start,
                           std::vector<Record>* out) {
  if (!start_pattern_) {
    if (!line.empty()) out->push_back({std::move(line), truncated});
    return;
  }
  bool starts = false;
  if (has_record_) {
    std::string_view head(line.data(), std::min(line.size(), kPatternWindow));
    starts = std::regex_search(head.begin(), head.end(), *start_pattern_);
  }
  if (starts) EmitRecord(out);
  if (!has_record_) {
    has_record_ = true;
    record_ = std::move(line);
    record_start_ = line_start;
    record_truncated_ = truncated;
    record_full_ = false;
    return;
  }
  AppendCapped(&record_, "\n", options_.max_record_bytes, &record_full_);
  AppendCapped(&record_, line, options_.max_record_bytes, &record_full_);
  record_truncated_ = record_truncated_ || record_full_ || truncated;
}

void LineAssembler::EmitRecord(std::vector<Record>* out) {
  if (!has_record_) return;
  if (!record_.empty()) out->push_back({std::move(record_), record_truncated_});
  has_record_ = false;
  record_.clear();
  record_truncated_ = false;
}

void LineAssembler::Flush(std::vector<Record>* out) {
  if (!line_.empty() || line_truncated_) EndLine(out);
  line_start_ = position_;
  EmitRecord(out);
}

bool LineAssembler::has_pending() const {
  return has_record_ || !line_.empty() || line_truncated_;
}

uint64_t LineAssembler::safe_offset() const {
  if (has_record_) return record_start_;
  if (!line_.empty() || line_truncated_) return line_start_;
  return position_;
}

}  // namespace kedge::agent
