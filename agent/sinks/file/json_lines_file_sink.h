#pragma once
// JsonLinesFileSink: the `file` sink, for debugging and air-gapped sites. Appends each record
// as one JSON line:
//   {"id":17,"ts":"2026-01-01T00:00:00.123Z","sink":"logs","partition_key":"k","data":"..."}
// "data" is the record itself when it is a JSON object or array (kept on one line), else the
// record as a string when it is valid UTF-8; otherwise "data_base64" holds it. Write
// returns only when the lines are written (and fdatasync'ed when `sync`), so the sender may then
// ack them in the spool. Opened in append mode, created 0600 (records may be sensitive). Used
// by one thread (the sender's).

#include <memory>
#include <string>
#include <vector>

#include "kpl/spool/spool.h"
#include "platform/status.h"

namespace kedge::agent {

class JsonLinesFileSink {
 public:
  static StatusOr<std::unique_ptr<JsonLinesFileSink>> Open(const std::string& path, bool sync);
  ~JsonLinesFileSink();
  JsonLinesFileSink(const JsonLinesFileSink&) = delete;
  JsonLinesFileSink& operator=(const JsonLinesFileSink&) = delete;

  // All records appended, or an error naming the file (disk full: ResourceExhausted). On an
  // error, some lines may have been written; the sender nacks and they are written again.
  Status Write(const std::vector<kpl::SpooledRecord>& records);

  // One record's line, without the newline.
  static std::string FormatLine(const kpl::SpooledRecord& record);

 private:
  JsonLinesFileSink(int fd, std::string path, bool sync)
      : fd_(fd), path_(std::move(path)), sync_(sync) {}
  int fd_;
  std::string path_;
  bool sync_;
};

}  // namespace kedge::agent
