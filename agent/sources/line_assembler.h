#pragma once
// LineAssembler: turns the bytes of one file, fed in order, into records — one per line, or one
// per multi-line record when a start pattern is set — and knows the offset up to which every
// byte is already part of an emitted record (the checkpoint). Pure and single-threaded; the
// file tail owns one per file.
//
// - Lines end at "\n"; a "\r" before it is dropped. Empty lines are skipped (single-line mode).
// - A line longer than max_record_bytes is cut there (at a UTF-8 boundary) and the rest of it,
//   up to its newline, is dropped; the record is marked truncated.
// - Multi-line: a line matching the start pattern (searched in its first 1 KiB) starts a new
//   record; other lines join the current one with "\n". Lines before the first match form a
//   record of their own. A record is also capped at max_record_bytes.
// - Bytes after the last newline wait; Flush emits them (and the pending multi-line record)
//   when the caller decides the writer is done (a timeout, or a rotated file at its end).
// - The first skip_header_lines lines after Reset(0) are dropped.

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace kedge::agent {

class LineAssembler {
 public:
  struct Options {
    uint64_t max_record_bytes = 1024000;
    std::string multiline_start_pattern;  // ECMAScript; empty: one record per line
    uint32_t skip_header_lines = 0;
  };
  struct Record {
    std::string data;
    bool truncated = false;
  };

  // The pattern must be valid (the config checked it); an invalid one disables multi-line.
  explicit LineAssembler(const Options& options);

  // Forgets everything pending and continues as if the next byte fed were at `offset`.
  void Reset(uint64_t offset);
  // Feeds the next bytes of the file; appends the records they complete to *out.
  void Feed(std::string_view bytes, std::vector<Record>* out);
  // Emits the unterminated last line and the pending multi-line record, if any.
  void Flush(std::vector<Record>* out);

  bool has_pending() const;
  // The offset of the first byte not yet part of an emitted record: where to resume.
  uint64_t safe_offset() const;
  // The offset of the next byte to be fed.
  uint64_t position() const { return position_; }

 private:
  void EndLine(std::vector<Record>* out);
  void OnLine(std::string line, bool truncated, uint64_t line_start, std::vector<Record>* out);
  void EmitRecord(std::vector<Record>* out);

  Options options_;
  std::unique_ptr<std::regex> start_pattern_;
  uint64_t position_ = 0;
  uint64_t headers_left_ = 0;

  std::string line_;          // the current line so far (capped)
  uint64_t line_start_ = 0;   // offset of its first byte
  bool line_truncated_ = false;

  bool has_record_ = false;   // multi-line: a record is being built
  std::string record_;
  uint64_t record_start_ = 0;
  bool record_truncated_ = false;  // some of it was cut
  bool record_full_ = false;       // it reached max_record_bytes: nothing more joins
};

}  // namespace kedge::agent
