#include "agent/config/config_schema.h"

#include <sstream>

namespace kedge::agent {
namespace {

constexpr bool kRequired = true;

// `cameras:` (agent/config/camera_config.h); the same settings as `kedge video put`.
void AddCameraSections(std::vector<SectionSpec>* s) {
  s->push_back(
      {"camera",
       "cameras[]",
       "Each camera is streamed by `kedge run` to a Kinesis Video stream on its own threads "
       "(capture -> MKV fragments -> on-disk store -> PutMedia), as `kedge video put` does. "
       "SIGTERM stops it (what is not acknowledged stays in the store for the next start); "
       "SIGHUP restarts only the cameras whose settings changed. See docs/video_upload.md.",
       {
           {"name", "string", "", "unique name (threads video-<name>, metrics label camera)",
            kRequired},
           {"stream", "string", "", "the Kinesis Video stream", kRequired},
           {"source", "string", "test",
            "test, v4l2:/dev/videoN, libcamera[:NAME], nvargus[:ID], rtsp://... or file:PATH"},
           {"encoder", "enum", "auto", "auto, none, x264, openh264, v4l2 or nvv4l2"},
           {"width", "integer", "1280", "pixels"},
           {"height", "integer", "720", "pixels"},
           {"fps", "integer", "30", "frames per second"},
           {"bitrate", "integer", "2000", "encoder bitrate in kbit/s"},
           {"fragment_seconds", "integer", "2",
            "fragment (and key-frame interval) length, 1 to 10"},
           {"region", "string", "($AWS_REGION)", "AWS region"},
           {"endpoint", "url", "(the AWS endpoint)",
            "override, e.g. http://127.0.0.1:8080 for kedge-ingest"},
           {"ca_file", "path", "", "extra CA certificates (PEM) to trust"},
           {"create_stream", "bool", "false", "create the stream when it does not exist"},
           {"retention_hours", "integer", "24", "retention of a stream kedge creates"},
           {"drain_timeout", "duration", "5s",
            "on stop, how long to keep uploading what is buffered"},
           {"store", "map", "", "the on-disk fragment buffer (below)"},
       }});
  s->push_back({"camera.store",
                "cameras[].store",
                "Fragments wait here until the service acknowledged them (docs/fragment_store.md).",
                {
                    {"dir", "path", "<state_dir>/video/<name>", "one directory per camera"},
                    {"max_bytes", "size", "256MiB", "the oldest fragments are dropped beyond it"},
                    {"max_age", "duration", "24h", "older fragments are dropped; 0 keeps them"},
                }});
}

std::vector<SectionSpec> BuildSections() {
  std::vector<SectionSpec> s;
  s.push_back(
      {"top",
       "Top level",
       "The file is a YAML map with these keys.",
       {
           {"log_level", "enum", "info", "debug, info, warn, error or off; logs go to stderr"},
           {"state_dir", "path", "/var/lib/kedge",
            "where the spool and other state live; created when missing"},
           {"device_id", "string", "(the host name)",
            "identifies this device in records (add_metadata, metrics source, MQTT client id)"},
           {"spool", "map", "", "the on-disk queue between sources and sinks (below)"},
           {"http", "map", "", "the local metrics and status server (below)"},
           {"aws", "map", "", "where AWS credentials come from (below)"},
           {"sinks", "list", "", "where records go; at least one (unless there are cameras)",
            kRequired},
           {"sources", "list", "",
            "where records come from; at least one (unless there are cameras)", kRequired},
           {"cameras", "list", "", "cameras streamed to Kinesis Video Streams (below)"},
       }});
  s.push_back(
      {"spool",
       "spool",
       "A SQLite database in WAL mode; records leave it only when the sink "
       "has acknowledged them.",
       {
           {"path", "path", "<state_dir>/spool.db", "the database file"},
           {"max_bytes", "size", "1GiB", "the largest the spool may grow"},
           {"when_full", "enum", "block",
            "block (pause the sources; files wait on disk, MQTT QoS 1 waits at the broker) "
            "or drop_oldest (delete the oldest unsent records, counted)"},
           {"synchronous", "enum", "normal",
            "normal (survives a crash of kedge; a power cut may roll back the last commits, "
            "records and checkpoints together) or full (fsync each commit); see "
            "docs/spool_format.md"},
           {"commit_records", "integer", "2000",
            "group commit: at most this many records per transaction"},
           {"commit_interval", "duration", "100ms",
            "group commit: commit at the latest this long after the first pending record"},
           {"max_attempts", "integer", "0",
            "failed sends before a record is set aside as a dead letter; 0: retry forever"},
       }});
  s.push_back({"http",
               "http",
               "Serves /metrics (Prometheus), /healthz, /status (JSON) and a status "
               "page at /. Read-only; shows no secrets.",
               {
                   {"enabled", "bool", "true", "false turns the server off"},
                   {"listen", "host:port", "127.0.0.1:9464",
                    "address to bind; keep it on loopback unless a firewall protects it"},
               }});
  s.push_back({"aws",
               "aws",
               "Credentials for the kinesis and firehose sinks and the cameras. Without "
               "`iot_credentials`: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
               "AWS_SESSION_TOKEN), then the profile in ~/.aws/credentials of the user kedge runs "
               "as. With it, only the AWS IoT credentials provider. Secrets are never logged.",
               {
                   {"profile", "string", "($AWS_PROFILE or default)",
                    "profile in the shared credentials file"},
                   {"iot_credentials", "map", "",
                    "temporary credentials from AWS IoT with the device certificate (below)"},
               }});
  s.push_back({"aws.iot_credentials",
               "aws.iot_credentials",
               "The AWS IoT credentials provider, over mutual TLS: kedge presents the device "
               "certificate, AWS IoT answers with temporary credentials of the role behind the "
               "role alias; they are fetched again 5 minutes before they expire.",
               {
                   {"endpoint", "string", "",
                    "`aws iot describe-endpoint --endpoint-type iot:CredentialProvider`, or "
                    "https://host:port",
                    kRequired},
                   {"role_alias", "string", "", "the IoT role alias", kRequired},
                   {"thing_name", "string", "(device_id)", "the IoT thing of this device"},
                   {"cert_file", "path", "", "the device certificate (PEM)", kRequired},
                   {"key_file", "path", "", "its private key (PEM); keep it mode 600",
                    kRequired},
                   {"ca_file", "path", "(the system's CA store)",
                    "CA for the endpoint, e.g. AmazonRootCA1.pem"},
               }});
  s.push_back({"sink",
               "sinks[] (every type)",
               "Each sink is a map in the `sinks` list.",
               {
                   {"name", "string", "", "unique name that sources refer to", kRequired},
                   {"type", "enum", "", "kinesis, firehose or file", kRequired},
               }});
  s.push_back(
      {"sink.kinesis",
       "sinks[] type: kinesis",
       "A Kinesis data stream, through the "
       "KPL-style producer (aggregation, per-shard limits, retries).",
       {
           {"stream", "string", "", "the stream name", kRequired},
           {"region", "string", "($AWS_REGION)", "AWS region"},
           {"endpoint", "url", "(the AWS endpoint)",
            "override, e.g. https://kinesis.local:4567 ($AWS_ENDPOINT_URL_KINESIS also works)"},
           {"ca_file", "path", "", "extra CA certificates (PEM) to trust"},
           {"protocol", "enum", "cbor", "cbor or json"},
           {"aggregation", "bool", "true", "pack user records into KPL aggregated records"},
           {"max_buffered_time", "duration", "100ms", "how long a record may wait for a batch"},
           {"record_ttl", "duration", "30s",
            "how long the producer retries a record before handing it back to the spool"},
       }});
  s.push_back(
      {"sink.firehose",
       "sinks[] type: firehose",
       "A Firehose delivery stream (PutRecordBatch).",
       {
           {"stream", "string", "", "the delivery stream name", kRequired},
           {"region", "string", "($AWS_REGION)", "AWS region"},
           {"endpoint", "url", "(the AWS endpoint)",
            "override ($AWS_ENDPOINT_URL_FIREHOSE also works)"},
           {"ca_file", "path", "", "extra CA certificates (PEM) to trust"},
           {"max_buffered_time", "duration", "100ms", "how long a record may wait for a batch"},
           {"record_ttl", "duration", "30s", "how long a record is retried before going back"},
           {"append_newline", "bool", "false", "end each record with \\n (for S3 line files)"},
       }});
  s.push_back(
      {"sink.file",
       "sinks[] type: file",
       "JSON lines in a local file, for debugging and "
       "air-gapped sites.",
       {
           {"path", "path", "", "the file to append to; its directory must exist", kRequired},
           {"sync", "bool", "true",
            "fdatasync each batch before it leaves the spool; false is faster but a power cut "
            "may lose the last lines"},
       }});
  s.push_back(
      {"source",
       "sources[] (every type)",
       "Each source is a map in the `sources` list.",
       {
           {"name", "string", "", "unique name, used in metrics and checkpoints", kRequired},
           {"type", "enum", "", "file, mqtt, journald, metrics or stdin", kRequired},
           {"sink", "string", "", "the name of the sink its records go to", kRequired},
           {"processors", "list", "", "processing steps applied in order (see processors)"},
           {"partition_key", "string", "random",
            "random, deterministic (MD5 of the data), topic (mqtt only) or a fixed key"},
           {"partition_key_field", "string", "",
            "take the key from this top-level JSON field; records without it are counted "
            "and set aside (exclusive with partition_key)"},
       }});
  s.push_back(
      {"source.file",
       "sources[] type: file",
       "Tails files matching a glob; survives "
       "rotation and restarts (see docs/file_tail.md).",
       {
           {"path", "glob", "", "files to read, e.g. /var/log/app/*.log", kRequired},
           {"exclude", "list of globs", "",
            "paths to skip; .gz, .bz2, .xz, .zip are always skipped"},
           {"start_position", "enum", "beginning",
            "beginning or end: where to start in files present at the very first start"},
           {"multiline_start_pattern", "regex", "",
            "a line matching this (ECMAScript) regex starts a new record; others join it"},
           {"max_line_bytes", "size", "1000KiB", "longer records are cut here and counted"},
           {"invalid_utf8", "enum", "replace",
            "replace (bad bytes become U+FFFD), keep (pass bytes through) or drop (the record)"},
           {"flush_timeout", "duration", "5s",
            "send a last line without newline (or a pending multi-line record) after this"},
           {"poll_interval", "duration", "250ms",
            "how often the glob is re-scanned and files checked; inotify (Linux) reads new data "
            "at once"},
           {"rotate_wait", "duration", "5s",
            "keep reading a renamed or deleted file this long after its last growth"},
           {"skip_header_lines", "integer", "0", "lines to skip at the start of each file"},
       }});
  s.push_back({"source.mqtt",
               "sources[] type: mqtt",
               "Subscribes to an MQTT broker.",
               {
                   {"broker", "url", "", "tcp://host:1883 or ssl://host:8883", kRequired},
                   {"topics", "list of strings", "", "topic filters, wildcards allowed", kRequired},
                   {"qos", "integer", "1", "0, 1 or 2"},
                   {"client_id", "string", "(kedge-<device_id>-<name>)", "MQTT client id"},
                   {"clean_session", "bool", "false",
                    "false keeps QoS 1 messages at the broker while kedge is down"},
                   {"username", "string", "", "MQTT user name"},
                   {"password", "string", "", "MQTT password (never logged or shown)"},
                   {"ca_file", "path", "", "CA certificates (PEM) for ssl://"},
                   {"cert_file", "path", "", "client certificate (PEM)"},
                   {"key_file", "path", "", "client private key (PEM)"},
                   {"format", "enum", "raw",
                    "raw (the payload) or envelope (JSON with topic and timestamp)"},
                   {"keepalive", "duration", "30s", "MQTT keep-alive interval"},
               }});
  s.push_back(
      {"source.journald",
       "sources[] type: journald",
       "Reads the systemd journal.",
       {
           {"units", "list of strings", "", "only these units (all when empty)"},
           {"matches", "list of strings", "", "journal matches, FIELD=value"},
           {"directory", "path", "", "a journal directory instead of the system journal"},
           {"start_position", "enum", "end", "beginning or end, when there is no saved cursor"},
       }});
  s.push_back({"source.metrics",
               "sources[] type: metrics",
               "System metrics as JSON records.",
               {
                   {"interval", "duration", "10s", "how often to sample"},
                   {"collect", "list of strings", "(all)",
                    "any of cpu, memory, disk, network, thermal, load, uptime"},
                   {"disk_paths", "list of strings", "[\"/\"]", "file systems to report"},
               }});
  s.push_back({"source.stdin",
               "sources[] type: stdin",
               "Reads lines from standard input.",
               {
                   {"max_line_bytes", "size", "1000KiB", "longer lines are cut here and counted"},
                   {"invalid_utf8", "enum", "replace", "replace, keep or drop"},
               }});
  s.push_back(
      {"processor",
       "processors[] (every type)",
       "Each step is a map in a source's "
       "`processors` list; records that a step cannot parse are dropped and counted.",
       {
           {"type", "enum", "", "single_line, csv_to_json, log_to_json or add_metadata", kRequired},
       }});
  s.push_back({"processor.single_line",
               "processors[] type: single_line",
               "Joins the lines of a "
               "multi-line record into one line.",
               {
                   {"trim", "bool", "true", "strip leading and trailing white space of each line"},
               }});
  s.push_back({"processor.csv_to_json",
               "processors[] type: csv_to_json",
               "Turns a CSV line into a "
               "JSON object.",
               {
                   {"fields", "list of strings", "", "the column names", kRequired},
                   {"delimiter", "string", ",", "one character"},
               }});
  s.push_back(
      {"processor.log_to_json",
       "processors[] type: log_to_json",
       "Parses a log line into "
       "a JSON object.",
       {
           {"format", "enum", "",
            "apache_common, apache_combined, syslog (RFC 3164) or "
            "syslog_rfc5424",
            kRequired},
           {"fields", "list of strings", "(the format's names)", "rename the parsed fields"},
           {"match_pattern", "regex", "", "a custom regex whose capture groups are the fields"},
       }});
  s.push_back({"processor.add_metadata",
               "processors[] type: add_metadata",
               "Wraps a record as "
               "{\"ts\":…, \"device_id\":…, \"hostname\":…, \"metadata\":{…}, \"data\":…}.",
               {
                   {"timestamp", "bool", "true", "add ts (UTC ISO 8601 with milliseconds)"},
                   {"device_id", "bool", "true", "add device_id"},
                   {"hostname", "bool", "false", "add hostname"},
                   {"metadata", "map of strings", "", "static key/value pairs to add"},
               }});
  AddCameraSections(&s);
  return s;
}

std::string EscapeCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

}  // namespace

const std::vector<SectionSpec>& ConfigSections() {
  static const std::vector<SectionSpec>* sections = new std::vector<SectionSpec>(BuildSections());
  return *sections;
}

const SectionSpec* FindSection(std::string_view id) {
  for (const SectionSpec& s : ConfigSections()) {
    if (id == s.id) return &s;
  }
  return nullptr;
}

bool SectionsHaveKey(const std::vector<const SectionSpec*>& sections, std::string_view key) {
  for (const SectionSpec* s : sections) {
    for (const KeySpec& k : s->keys) {
      if (key == k.name) return true;
    }
  }
  return false;
}

std::string AllowedKeys(const std::vector<const SectionSpec*>& sections) {
  std::string out;
  for (const SectionSpec* s : sections) {
    for (const KeySpec& k : s->keys) {
      if (!out.empty()) out += ", ";
      out += k.name;
    }
  }
  return out;
}

std::string RenderConfigReference() {
  std::ostringstream out;
  for (const SectionSpec& s : ConfigSections()) {
    out << "### " << s.title << "\n\n" << s.intro << "\n\n";
    out << "| key | type | default | description |\n|---|---|---|---|\n";
    for (const KeySpec& k : s.keys) {
      std::string def = k.required ? "required" : k.default_value;
      out << "| `" << k.name << "` | " << k.type << " | "
          << (def.empty() || k.required || def[0] == '(' ? EscapeCell(def)
                                                         : "`" + EscapeCell(def) + "`")
          << " | " << EscapeCell(k.help) << " |\n";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace kedge::agent
