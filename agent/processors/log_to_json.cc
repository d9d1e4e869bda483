#include "agent/processors/log_to_json.h"

#include "agent/processors/json_object_writer.h"

namespace kedge::agent {
namespace {

struct Format {
  const char* pattern;
  std::vector<std::string> names;  // the last one is the tail when tail_is_message
  bool tail_is_message;
  bool dash_is_null;
};

const char kQuoted[] = R"re("((?:[^"\\]|\\.)*)")re";

Format FormatFor(LogFormat format) {
  static const std::string kCommon =
      std::string(R"(^(\S+) (\S+) (\S+) \[([^\]]+)\] )") + kQuoted + R"( (\d{3}) (\d+|-))";
  switch (format) {
    case LogFormat::kApacheCommon:
      return {kCommon.c_str(),
              {"host", "ident", "authuser", "datetime", "request", "response", "bytes"}, false,
              false};
    case LogFormat::kApacheCombined: {
      static const std::string kCombined = kCommon + " " + kQuoted + " " + kQuoted;
      return {kCombined.c_str(),
              {"host", "ident", "authuser", "datetime", "request", "response", "bytes",
               "referrer", "agent"},
              false, false};
    }
    case LogFormat::kSyslogRfc3164:
      return {R"(^(?:<\d{1,3}>)?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[^ ]+) )"
              R"((\S+) ([^:\[\s]+)(?:\[([^\]]*)\])?: ?)",
              {"timestamp", "hostname", "program", "processid", "message"}, true, false};
    case LogFormat::kSyslogRfc5424:
      return {R"(^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) )"
              R"((-|(?:\[(?:[^\]\\]|\\.)*\])+) ?)",
              {"priority", "version", "timestamp", "hostname", "appname", "procid", "msgid",
               "structureddata", "message"},
              true, true};
  }
  return {"", {}, false, false};
}

}  // namespace

StatusOr<std::unique_ptr<Processor>> LogToJsonProcessor::Make(const ProcessorConfig& config) {
  std::unique_ptr<LogToJsonProcessor> p(new LogToJsonProcessor());
  std::string pattern;
  if (!config.match_pattern.empty()) {
    if (config.fields.empty()) return InvalidArgumentError("match_pattern needs fields");
    pattern = config.match_pattern;
    p->names_ = config.fields;
  } else {
    Format f = FormatFor(config.log_format);
    pattern = f.pattern;
    p->names_ = f.names;
    p->tail_is_message_ = f.tail_is_message;
    p->dash_is_null_ = f.dash_is_null;
    for (size_t i = 0; i < config.fields.size() && i < p->names_.size(); ++i) {
      p->names_[i] = config.fields[i];
    }
  }
  try {
    p->pattern_ = std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return InvalidArgumentError("log_to_json: bad pattern '" + pattern + "': " + e.what());
  }
  return std::unique_ptr<Processor>(std::move(p));
}

bool LogToJsonProcessor::Process(SourceRecord* record) {
  const std::string& line = record->data;
  size_t window = std::min(line.size(), kRegexWindow);
  std::match_results<std::string::const_iterator> m;
  auto end = line.begin() + static_cast<std::ptrdiff_t>(window);
  bool matched = tail_is_message_ ? std::regex_search(line.begin(), end, m, pattern_,
                                                      std::regex_constants::match_continuous)
                                  : std::regex_search(line.begin(), end, m, pattern_);
  if (!matched) return false;
  JsonObjectWriter out;
  size_t groups = m.size() - 1;
  size_t named = tail_is_message_ ? names_.size() - 1 : names_.size();
  for (size_t i = 0; i < named; ++i) {
    if (i >= groups || !m[i + 1].matched || (dash_is_null_ && m[i + 1].str() == "-")) {
      out.Null(names_[i]);
    } else {
      out.String(names_[i], m[i + 1].str());
    }
  }
  if (tail_is_message_) {
    std::string message = line.substr(static_cast<size_t>(m.position(0) + m.length(0)));
    if (message.rfind("\xEF\xBB\xBF", 0) == 0) message.erase(0, 3);  // RFC 5424 BOM
    out.String(names_.back(), message);
  }
  record->data = out.Finish();
  return true;
}

}  // namespace kedge::agent
