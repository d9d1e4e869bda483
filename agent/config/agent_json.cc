#include "agent/config/agent_json.h"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace kedge::agent {
namespace {

using nlohmann::json;

// Finds where a parse failed: nlohmann reports it to a SAX handler without throwing.
struct ParseErrorFinder {
  size_t position = 0;
  std::string message;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  template <typename Binary>
  bool binary(Binary&) {
    return true;
  }
  bool start_object(size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(size_t) { return true; }
  bool end_array() { return true; }
  template <typename Exception>
  bool parse_error(size_t pos, const std::string&, const Exception& ex) {
    position = pos;
    message = ex.what();
    size_t colon = message.find(": ");
    if (colon != std::string::npos) message = message.substr(colon + 2);
    return false;
  }
};

int LineAt(const std::string& text, size_t position) {
  int line = 1;
  for (size_t i = 0; i < position && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

// The line of the n-th (0-based) occurrence of "key" in the text. A key that is not there as
// written (left out, or spelled with escapes) gets the line of "flows", else line 1, so that
// every message still points somewhere near.
class KeyLines {
 public:
  explicit KeyLines(const std::string& text) : text_(text) {
    size_t flows = text_.find("\"flows\"");
    fallback_ = flows == std::string::npos ? 1 : LineAt(text_, flows);
  }
  int Find(const std::string& key, int occurrence) const {
    std::string quoted = "\"" + key + "\"";
    size_t pos = 0;
    for (int n = 0;; ++n) {
      pos = text_.find(quoted, pos);
      if (pos == std::string::npos) return fallback_;
      if (n == occurrence) return LineAt(text_, pos);
      pos += quoted.size();
    }
  }
  // Each lookup of a key advances to its next occurrence, matching the order keys are visited.
  int Next(const std::string& key) { return Find(key, seen_[key]++); }

 private:
  const std::string& text_;
  int fallback_ = 1;
  std::map<std::string, int> seen_;
};

struct Context {
  const std::string& text;
  ConfigErrors& errors;
  KeyLines lines;
  std::string region;  // from kinesis.region or an AWS endpoint
  std::string kinesis_endpoint;
  std::string firehose_endpoint;
  std::string firehose_region;
};

const std::set<std::string> kIgnoredGlobals = {"checkpointFile",
                                               "checkpointTimeToLiveDays",
                                               "maxSendingThreads",
                                               "maxSendingThreadsPerCore",
                                               "sendingThreadsMaxQueueSize",
                                               "sendingThreadsKeepAliveMillis",
                                               "maxConnections",
                                               "connectionTimeoutMillis",
                                               "socketTimeoutMillis",
                                               "connectionTTLMillis",
                                               "useTcpKeepAlive",
                                               "useHttpGzip",
                                               "cloudwatch.emitMetrics",
                                               "cloudwatch.namespace",
                                               "cloudwatch.endpoint",
                                               "cloudwatch.metricsBufferTimeMillis",
                                               "cloudwatch.metricsQueueSize",
                                               "cloudwatch.tagInstance",
                                               "log.emitMetrics",
                                               "log.emitInternalMetrics",
                                               "log.statusReportingPeriodSeconds",
                                               "shutdownTimeoutMillis",
                                               "sts.endpoint",
                                               "userAgentOverride"};
const std::set<std::string> kCredentialKeys = {"awsAccessKeyId",
                                               "awsSecretAccessKey",
                                               "awsSessionToken",
                                               "assumeRoleARN",
                                               "assumeRoleExternalId",
                                               "userDefinedCredentialsProvider.classname",
                                               "userDefinedCredentialsProvider.location"};
const std::set<std::string> kIgnoredFlowKeys = {"maxBufferAgeMillis",
                                                "maxBufferSizeBytes",
                                                "maxBufferSizeRecords",
                                                "publishQueueCapacity",
                                                "waitOnFullPublishQueueMillis",
                                                "waitOnEmptyPublishQueueMillis",
                                                "waitOnFullRetryQueueMillis",
                                                "retryInitialBackoffMillis",
                                                "retryMaxBackoffMillis",
                                                "minTimeBetweenFilePollsMillis",
                                                "maxTimeBetweenFileTrackerRefreshMillis",
                                                "truncatedRecordTerminator",
                                                "fileFooterPattern",
                                                "aggregatedRecordSizeBytes",
                                                "fileEncoding"};

// "https://kinesis.eu-west-1.amazonaws.com" -> "eu-west-1"; "" when not an AWS endpoint.
std::string RegionOfAwsEndpoint(const std::string& url) {
  static const std::regex kAws(
      R"(^(https://)?(kinesis|firehose)(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/?$)");
  std::smatch m;
  if (std::regex_match(url, m, kAws)) return m[4];
  return "";
}

std::string AsText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool GetString(Context& c, const json& obj, const char* key, const std::string& path, int line,
               std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_string()) {
    c.errors.Error(line, path, std::string("expected a string, got ") + it->type_name());
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

void ReadGlobals(Context& c, const json& root, AgentConfig* config) {
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    int line = c.lines.Next(key);
    if (key == "flows") continue;
    if (key == "kinesis.endpoint" || key == "firehose.endpoint" || key == "kinesis.region" ||
        key == "firehose.region") {
      if (!it->is_string()) {
        c.errors.Error(line, key, std::string("expected a string, got ") + it->type_name());
        continue;
      }
      std::string value = it->get<std::string>();
      if (key == "kinesis.endpoint") c.kinesis_endpoint = value;
      if (key == "firehose.endpoint") c.firehose_endpoint = value;
      if (key == "kinesis.region") c.region = value;
      if (key == "firehose.region") c.firehose_region = value;
    } else if (kCredentialKeys.count(key)) {
      c.errors.Warning(line, key,
                       "ignored: kedge takes credentials from the AWS credential "
                       "chain (environment, ~/.aws/credentials, IoT certificate)");
    } else if (kIgnoredGlobals.count(key)) {
      c.errors.Warning(line, key, "ignored: kedge has no use for this setting");
    } else {
      c.errors.Error(line, key, "unknown Kinesis Agent setting");
    }
  }
  (void)config;
}

bool ReadDataProcessing(Context& c, const json& opt, const std::string& path, int line,
                        ProcessorConfig* p) {
  std::string name;
  if (!GetString(c, opt, "optionName", path + ".optionName", line, &name)) {
    c.errors.Error(line, path + ".optionName",
                   "missing; use SINGLELINE, CSVTOJSON, LOGTOJSON or ADDMETADATA");
    return false;
  }
  if (name == "SINGLELINE") {
    p->type = ProcessorType::kSingleLine;
    if (auto it = opt.find("parseOptions"); it != opt.end() && it->is_array()) {
      for (const json& o : *it) {
        if (o == "NO_TRIM")
          p->trim = false;
        else
          c.errors.Warning(line, path + ".parseOptions",
                           "only NO_TRIM is supported; " + AsText(o) + " is ignored");
      }
    }
  } else if (name == "CSVTOJSON") {
    p->type = ProcessorType::kCsvToJson;
    auto fields = opt.find("customFieldNames");
    if (fields == opt.end() || !fields->is_array() || fields->empty()) {
      c.errors.Error(line, path + ".customFieldNames",
                     "required for CSVTOJSON: a list of column names");
      return false;
    }
    for (const json& f : *fields) p->fields.push_back(AsText(f));
    std::string delimiter;
    if (GetString(c, opt, "delimiter", path + ".delimiter", line, &delimiter)) {
      if (delimiter == "\\t") delimiter = "\t";
      if (delimiter.size() != 1) {
        c.errors.Error(line, path + ".delimiter", "kedge supports a one-character delimiter");
        return false;
      }
      p->delimiter = delimiter[0];
    }
  } else if (name == "LOGTOJSON") {
    p->type = ProcessorType::kLogToJson;
    std::string format;
    GetString(c, opt, "logFormat", path + ".logFormat", line, &format);
    static const std::map<std::string, LogFormat> kFormats = {
        {"COMMONAPACHELOG", LogFormat::kApacheCommon},
        {"COMBINEDAPACHELOG", LogFormat::kApacheCombined},
        {"SYSLOG", LogFormat::kSyslogRfc3164},
        {"RFC3339SYSLOG", LogFormat::kSyslogRfc3164}};
    auto f = kFormats.find(format);
    if (f == kFormats.end()) {
      c.errors.Error(line, path + ".logFormat",
                     "'" + format +
                         "' is not supported; use "
                         "COMMONAPACHELOG, COMBINEDAPACHELOG, SYSLOG or RFC3339SYSLOG");
      return false;
    }
    p->log_format = f->second;
    GetString(c, opt, "matchPattern", path + ".matchPattern", line, &p->match_pattern);
    if (auto it = opt.find("customFieldNames"); it != opt.end() && it->is_array()) {
      for (const json& n : *it) p->fields.push_back(AsText(n));
    }
  } else if (name == "ADDMETADATA") {
    p->type = ProcessorType::kAddMetadata;
    p->add_device_id = false;
    if (auto it = opt.find("timestamp"); it != opt.end()) p->add_timestamp = AsText(*it) == "true";
    if (auto it = opt.find("metadata"); it != opt.end() && it->is_object()) {
      for (auto m = it->begin(); m != it->end(); ++m) p->metadata[m.key()] = AsText(m.value());
    }
  } else {
    c.errors.Error(line, path + ".optionName",
                   "'" + name +
                       "' is not supported by kedge; "
                       "use SINGLELINE, CSVTOJSON, LOGTOJSON or ADDMETADATA");
    return false;
  }
  return true;
}

// `line`: where the flow names the stream, which is where the sink is defined for messages.
std::string AddSink(Context& c, bool firehose, const std::string& stream, int line,
                    AgentConfig* config) {
  std::string name = std::string(firehose ? "firehose-" : "kinesis-") + stream;
  if (config->FindSink(name) != nullptr) return name;
  SinkConfig sink;
  sink.name = name;
  sink.line = line;
  sink.type = firehose ? SinkType::kFirehose : SinkType::kKinesis;
  sink.stream = stream;
  const std::string& endpoint = firehose ? c.firehose_endpoint : c.kinesis_endpoint;
  std::string region = RegionOfAwsEndpoint(endpoint);
  if (region.empty() && !endpoint.empty()) sink.endpoint = endpoint;
  sink.region = !region.empty()
                    ? region
                    : (firehose && !c.firehose_region.empty() ? c.firehose_region : c.region);
  config->sinks.push_back(std::move(sink));
  return name;
}

void ReadFlow(Context& c, const json& flow, size_t index, AgentConfig* config) {
  std::string path = "flows[" + std::to_string(index) + "]";
  int flow_line = c.lines.Find("filePattern", static_cast<int>(index));
  if (!flow.is_object()) {
    c.errors.Error(flow_line, path, "expected an object with filePattern and a stream");
    return;
  }
  SourceConfig src;
  src.name = "flow-" + std::to_string(index + 1);
  src.type = SourceType::kFile;
  src.line = flow_line;
  src.start_position = StartPosition::kEnd;  // the Kinesis Agent's default
  std::string kinesis, firehose;
  for (auto it = flow.begin(); it != flow.end(); ++it) {
    const std::string& key = it.key();
    std::string key_path = path + "." + key;
    int line = c.lines.Next(key);
    src.key_lines[key] = line;
    std::string text;
    if (key == "filePattern") {
      if (GetString(c, flow, "filePattern", key_path, line, &src.path))
        src.key_lines["path"] = line;
    } else if (key == "kinesisStream") {
      GetString(c, flow, "kinesisStream", key_path, line, &kinesis);
    } else if (key == "deliveryStream") {
      GetString(c, flow, "deliveryStream", key_path, line, &firehose);
    } else if (key == "initialPosition") {
      GetString(c, flow, "initialPosition", key_path, line, &text);
      if (text == "START_OF_FILE")
        src.start_position = StartPosition::kBeginning;
      else if (text == "END_OF_FILE")
        src.start_position = StartPosition::kEnd;
      else
        c.errors.Error(line, key_path,
                       "'" + text + "' is not allowed; use START_OF_FILE or END_OF_FILE");
    } else if (key == "partitionKeyOption") {
      GetString(c, flow, "partitionKeyOption", key_path, line, &text);
      if (text == "RANDOM")
        src.partition_key_mode = PartitionKeyMode::kRandom;
      else if (text == "DETERMINISTIC")
        src.partition_key_mode = PartitionKeyMode::kDeterministic;
      else
        c.errors.Error(line, key_path,
                       "'" + text + "' is not allowed; use RANDOM or DETERMINISTIC");
    } else if (key == "multiLineStartPattern") {
      if (GetString(c, flow, "multiLineStartPattern", key_path, line, &text)) {
        try {
          std::regex check(text, std::regex::ECMAScript);
          src.multiline_start_pattern = text;
        } catch (const std::regex_error& e) {
          c.errors.Error(line, key_path,
                         "'" + text + "' is not a valid regular expression (" + e.what() + ")");
        }
      }
    } else if (key == "skipHeaderLines") {
      if (it->is_number_unsigned())
        src.skip_header_lines = it->get<uint32_t>();
      else
        c.errors.Error(line, key_path, "expected a whole number of lines");
    } else if (key == "dataProcessingOptions") {
      if (!it->is_array()) {
        c.errors.Error(line, key_path, "expected a list of options");
        continue;
      }
      for (size_t i = 0; i < it->size(); ++i) {
        ProcessorConfig p;
        int opt_line = c.lines.Next("optionName");
        if (ReadDataProcessing(c, (*it)[i], key_path + "[" + std::to_string(i) + "]", opt_line,
                               &p)) {
          src.processors.push_back(std::move(p));
        }
      }
    } else if (kIgnoredFlowKeys.count(key)) {
      c.errors.Warning(line, key_path, "ignored: kedge batches and retries on its own");
    } else {
      c.errors.Error(line, key_path, "unknown Kinesis Agent flow setting");
    }
  }
  if (src.path.empty())
    c.errors.Error(flow_line, path + ".filePattern", "missing; every flow needs one");
  if (kinesis.empty() == firehose.empty()) {
    c.errors.Error(flow_line, path, "set exactly one of kinesisStream or deliveryStream");
  } else {
    src.key_lines["sink"] = src.key_lines[firehose.empty() ? "kinesisStream" : "deliveryStream"];
    src.sink = AddSink(c, !firehose.empty(), firehose.empty() ? kinesis : firehose,
                       src.KeyLine("sink"), config);
  }
  config->sources.push_back(std::move(src));
}

}  // namespace

bool ConvertAgentJson(const std::string& text, AgentConfig* config, ConfigErrors* errors) {
  config->source_file = errors->file();
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    ParseErrorFinder finder;
    json::sax_parse(text, &finder);
    errors->Error(LineAt(text, finder.position), "", "not valid JSON: " + finder.message);
    return false;
  }
  if (!root.is_object()) {
    errors->Error(1, "", "expected a JSON object with \"flows\"");
    return false;
  }
  Context c{text, *errors, KeyLines(text), "", "", "", ""};
  ReadGlobals(c, root, config);
  auto flows = root.find("flows");
  if (flows == root.end() || !flows->is_array() || flows->empty()) {
    errors->Error(c.lines.Find("flows", 0), "flows", "missing or empty; list at least one flow");
    return false;
  }
  for (size_t i = 0; i < flows->size(); ++i) ReadFlow(c, (*flows)[i], i, config);
  return errors->ok();
}

}  // namespace kedge::agent
