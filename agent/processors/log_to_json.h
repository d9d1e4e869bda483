#pragma once
// log_to_json: parses a log line into a JSON object of strings, as the Kinesis Agent's
// LOGTOJSON does. Formats and their field names (rename them with `fields`):
//   apache_common    host, ident, authuser, datetime, request, response, bytes
//   apache_combined  ... plus referrer, agent
//   syslog           timestamp, hostname, program, processid, message   (RFC 3164, also with
//                    an RFC 3339 timestamp as rsyslog writes it; a leading <PRI> is skipped)
//   syslog_rfc5424   priority, version, timestamp, hostname, appname, procid, msgid,
//                    structureddata, message   ("-" becomes null)
// or `match_pattern`, whose capture groups become `fields`. Lines that do not match are
// refused (dropped and counted by the chain). Regexes see at most the first 8 KiB of a line
// (libstdc++'s std::regex recurses per character); a syslog message is taken whole after the
// matched header, however long.

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "agent/processors/processor.h"

namespace kedge::agent {

class LogToJsonProcessor final : public Processor {
 public:
  static constexpr size_t kRegexWindow = 8192;

  static StatusOr<std::unique_ptr<Processor>> Make(const ProcessorConfig& config);
  bool Process(SourceRecord* record) override;

 private:
  LogToJsonProcessor() = default;
  std::regex pattern_;
  std::vector<std::string> names_;  // one per capture group
  bool tail_is_message_ = false;    // the text after the match is the last field
  bool dash_is_null_ = false;
};

}  // namespace kedge::agent
