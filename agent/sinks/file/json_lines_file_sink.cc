#include "agent/sinks/file/json_lines_file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "agent/processors/json_object_writer.h"
#include "agent/processors/processor.h"
#include "agent/sources/utf8.h"
#include "platform/crypto.h"
#include "platform/posix/posix_error.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<JsonLinesFileSink>> JsonLinesFileSink::Open(const std::string& path,
                                                                     bool sync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return PosixError("file sink " + path, errno);
  return std::unique_ptr<JsonLinesFileSink>(new JsonLinesFileSink(fd, path, sync));
}

JsonLinesFileSink::~JsonLinesFileSink() { ::close(fd_); }

std::string JsonLinesFileSink::FormatLine(const kpl::SpooledRecord& record) {
  JsonObjectWriter out;
  out.Raw("id", std::to_string(record.id));
  WallTime created(std::chrono::duration_cast<WallTime::duration>(Millis(record.created_ms)));
  out.String("ts", FormatIso8601Millis(created));
  out.String("sink", record.sink);
  out.String("partition_key", record.partition_key);
  if (!record.explicit_hash_key.empty()) out.String("explicit_hash_key", record.explicit_hash_key);
  nlohmann::json parsed = nlohmann::json::parse(record.data, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array())) {
    // JSON records are embedded as JSON, on one line, so the file reads like the stream.
    bool one_line = record.data.find('\n') == std::string::npos;
    out.Raw("data", one_line
                        ? record.data
                        : parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (IsValidUtf8(record.data)) {
    out.String("data", record.data);
  } else {
    out.String("data_base64", Base64Encode(record.data));
  }
  return out.Finish();
}

Status JsonLinesFileSink::Write(const std::vector<kpl::SpooledRecord>& records) {
  std::string text;
  for (const kpl::SpooledRecord& r : records) text += FormatLine(r) + "\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PosixError("file sink " + path_, errno);
    done += static_cast<size_t>(n);
  }
  if (sync_ && ::fdatasync(fd_) != 0) return PosixError("file sink " + path_, errno);
  return Status::Ok();
}

}  // namespace kedge::agent
