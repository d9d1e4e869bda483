#include "agent/cli/demo_command.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/agent.h"
#include "agent/cli/aws_context.h"
#include "agent/cli/demo_ingest.h"
#include "agent/config/config_validate.h"
#include "agent/sources/file/file_system.h"
#include "platform/aws/credential_providers.h"
#include "platform/logging.h"
#if KEDGE_WITH_VIDEO
#include "video/kvs/video_stream.h"
#endif

namespace kedge::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: kedge demo [--duration SECONDS] [--data-dir DIR] [--no-video]\n"
    "\n"
    "Runs kedge end to end on this machine, no AWS account needed: starts kedge-ingest (the\n"
    "local Kinesis endpoint) on 127.0.0.1, then the agent with a generated application log and\n"
    "system metrics, and the test camera. Open the console URL it prints to watch the records\n"
    "and the video arrive. Stops at Ctrl-C or after --duration, shows what arrived where, and\n"
    "exits 0 only when it all did.\n"
    "  --data-dir DIR  where everything is kept (default $XDG_STATE_HOME/kedge/demo, else\n"
    "                  ~/.local/state/kedge/demo); the demo's own files in it start afresh\n"
    "  --no-video      leave the camera out\n";

constexpr char kLogStream[] = "demo-logs";
constexpr char kMetricsStream[] = "demo-metrics";
constexpr char kVideoStream[] = "demo-camera";
constexpr int kLinesPerSecond = 20;

struct DemoArgs {
  int duration_s = 0;  // 0: until a signal
  std::string data_dir;
  bool video = true;
};

StatusOr<DemoArgs> ParseArgs(const std::vector<std::string>& args) {
  DemoArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--duration" && has_value) {
      const std::string& text = args[++i];
      char* end = nullptr;
      long value = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || value < 1 || value > 365L * 24 * 3600) {
        return InvalidArgumentError("--duration '" + text + "': expected whole seconds, at least 1");
      }
      out.duration_s = static_cast<int>(value);
    } else if (a == "--data-dir" && has_value) {
      out.data_dir = args[++i];
    } else if (a == "--no-video") {
      out.video = false;
    } else if (a == "--duration" || a == "--data-dir") {
      return InvalidArgumentError(a + " needs a value");
    } else {
      return InvalidArgumentError("unexpected argument '" + a + "'");
    }
  }
  return out;
}

// The agent signs its requests to the local kedge-ingest with a throwaway key (kedge-ingest
// started without credentials accepts any), whatever AWS settings the user's shell has.
class DemoEnv final : public Env {
 public:
  explicit DemoEnv(Env& base) : base_(base) {}
  std::optional<std::string> GetVar(const std::string& name) const override {
    if (name == "AWS_ACCESS_KEY_ID") return std::string("AKIDKEDGEDEMO");
    if (name == "AWS_SECRET_ACCESS_KEY") return std::string("kedge-demo-secret");
    if (name == "AWS_REGION" || name == "AWS_DEFAULT_REGION") return std::string("us-east-1");
    if (name.rfind("AWS_", 0) == 0) return std::nullopt;
    return base_.GetVar(name);
  }
  StatusOr<std::string> ReadFile(const std::string& p) const override { return base_.ReadFile(p); }
  Status WriteFileAtomic(const std::string& p, const std::string& c) override {
    return base_.WriteFileAtomic(p, c);
  }
  bool FileExists(const std::string& p) const override { return base_.FileExists(p); }
  Status CreateDirs(const std::string& p) override { return base_.CreateDirs(p); }
  StatusOr<std::vector<std::string>> ListDir(const std::string& p) const override {
    return base_.ListDir(p);
  }
  Status RemoveFile(const std::string& p) override { return base_.RemoveFile(p); }
  StatusOr<uint64_t> FileSize(const std::string& p) const override { return base_.FileSize(p); }
  std::optional<std::string> HomeDir() const override { return base_.HomeDir(); }

 private:
  Env& base_;
};

std::string DefaultDataDir(Env& env) {
  std::optional<std::string> state = env.GetVar("XDG_STATE_HOME");
  std::optional<std::string> home = env.HomeDir();
  std::string base = state && !state->empty() ? *state
                     : home && !home->empty() ? *home + "/.local/state"
                                              : fs::temp_directory_path().string();
  return base + "/kedge/demo";
}

Status CreateStreams(const std::string& url) {
  KEDGE_RETURN_IF_ERROR(CallIngest(url + "/", "Kinesis_20131202.CreateStream",
                             {{"StreamName", kLogStream}, {"ShardCount", 2}}).status());
  KEDGE_RETURN_IF_ERROR(CallIngest(url + "/", "Firehose_20150804.CreateDeliveryStream",
                             {{"DeliveryStreamName", kMetricsStream}}).status());
  return CallIngest(url + "/createStream", "", {{"StreamName", kVideoStream}, {"DataRetentionInHours", 24}})
      .status();
}

std::string ConfigYaml(const std::string& dir, const std::string& endpoint) {
  return "# Written by `kedge demo`: the agent it runs, against its kedge-ingest.\n"
         "state_dir: " + dir + "/state\n"
         "log_level: warn\n"
         "http:\n  enabled: false\n"
         "sinks:\n"
         "  - name: logs\n    type: kinesis\n    stream: " + std::string(kLogStream) +
         "\n    endpoint: " + endpoint + "\n    aggregation: false\n"
         "  - name: metrics\n    type: firehose\n    stream: " + std::string(kMetricsStream) +
         "\n    endpoint: " + endpoint + "\n    append_newline: true\n"
         "sources:\n"
         "  - name: app\n    type: file\n    path: " + dir + "/app.log\n    sink: logs\n"
         "    partition_key_field: device\n"
         "  - name: system\n    type: metrics\n    interval: 1s\n    sink: metrics\n";
}

// Appends a JSON application log line every 1/kLinesPerSecond s until stopped.
class LogWriter {
 public:
  explicit LogWriter(std::string path) : path_(std::move(path)) {}
  ~LogWriter() { Stop(); }
  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  uint64_t lines() const { return lines_.load(); }

 private:
  void Loop() {
    std::ofstream out(path_, std::ios::app);
    const char* levels[] = {"info", "info", "info", "warn", "debug", "error"};
    std::unique_lock<std::mutex> lock(mu_);
    SteadyTime next = Clock::Real().Now();
    // Pacing, not synchronisation: the wait ends early when Stop() is called.
    while (!wake_.wait_until(lock, next, [this] { return stop_; })) {
      uint64_t i = lines_.load();
      char line[256];
      std::snprintf(line, sizeof(line),
                    "{\"ts\":%lld,\"device\":\"pi-%02d\",\"level\":\"%s\",\"temp_c\":%.1f,"
                    "\"msg\":\"reading %llu\"}\n",
                    static_cast<long long>(ToUnixMillis(Clock::Real().WallNow())),
                    static_cast<int>(i % 12), levels[(i * 7) % 6], 35.0 + (i * 37 % 300) / 10.0,
                    static_cast<unsigned long long>(i));
      out << line << std::flush;
      lines_.fetch_add(1);
      next += std::chrono::milliseconds(1000 / kLinesPerSecond);
    }
  }

  const std::string path_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::atomic<uint64_t> lines_{0};
  std::thread thread_;
};

// What the agent did so far, from its metrics.
struct AgentCounts {
  uint64_t lines_read = 0;
  uint64_t records_sent = 0;   // to the data stream
  uint64_t samples = 0;        // system metrics samples taken
  uint64_t samples_sent = 0;   // to Firehose
};

AgentCounts CountsOf(const MetricsRegistry& metrics) {
  AgentCounts c;
  for (const auto& m : metrics.Snapshot()) {
    auto label = [&m](const char* key) {
      for (const auto& [k, v] : m.labels) {
        if (k == key) return v;
      }
      return std::string();
    };
    auto value = static_cast<uint64_t>(m.value);
    if (m.name == "kedge_source_records_total" && label("source") == "app") c.lines_read = value;
    if (m.name == "kedge_metrics_samples_total") c.samples += value;
    if (m.name == "kedge_sink_records_sent_total" && label("sink") == "logs") c.records_sent = value;
    if (m.name == "kedge_sink_records_sent_total" && label("sink") == "metrics") c.samples_sent = value;
  }
  return c;
}

// The test camera, when this kedge has video and GStreamer has what it needs.
class DemoCamera {
 public:
#if KEDGE_WITH_VIDEO
  // Starts capturing and uploading; on failure says why (the demo goes on without video).
  Status Start(const std::string& endpoint, const std::string& dir, Env& env) {
    namespace kvs = video::kvs;
    kvs::VideoStreamOptions options;
    options.camera.name = "demo";
    KEDGE_ASSIGN_OR_RETURN(options.camera.source, video::ParseSourceSpec("test"));
    options.camera.width = 320;
    options.camera.height = 240;
    options.camera.fps = 15;
    options.camera.bitrate_kbps = 300;
    options.camera.fragment_duration_ms = 1000;
    options.store.dir = dir + "/video-store";
    options.upload.stream_name = kVideoStream;
    options.upload.region = "us-east-1";
    options.upload.control_endpoint = endpoint;
    options.drain_timeout = std::chrono::seconds(10);
    KEDGE_ASSIGN_OR_RETURN(stream_, kvs::VideoStream::Create(options, credentials_, Clock::Real(), env));
    Status started = stream_->Start();
    if (!started.ok()) stream_.reset();
    return started;
  }
  void Stop() {
    if (stream_) stopped_ = stream_->Stop();
  }
  bool running() const { return stream_ != nullptr; }
  uint64_t persisted() const { return stream_ ? stream_->stats().upload.fragments_persisted : 0; }
  uint64_t captured() const { return stream_ ? stream_->stats().fragments_stored : 0; }

 private:
  aws::StaticCredentialsProvider credentials_{{"AKIDKEDGEDEMO", "kedge-demo-secret", "", {}}};
  std::unique_ptr<video::kvs::VideoStream> stream_;
  Status stopped_;
#else
  Status Start(const std::string&, const std::string&, Env&) {
    return UnimplementedError("this kedge was built without video (KEDGE_WITH_VIDEO=OFF)");
  }
  void Stop() {}
  bool running() const { return false; }
  uint64_t persisted() const { return 0; }
  uint64_t captured() const { return 0; }
#endif
};

// Lines in the Firehose delivery files of `stream` (one record per line).
uint64_t DeliveredLines(const std::string& ingest_dir, const std::string& stream) {
  uint64_t lines = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(ingest_dir + "/firehose/" + stream, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path());
    std::string line;
    while (std::getline(in, line)) ++lines;
  }
  return lines;
}

// Waits up to `timeout` for SIGINT/SIGTERM (blocked in every thread); true when one came.
bool WaitForStopSignal(std::chrono::milliseconds timeout) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec tick{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1000000L};
  return ::sigtimedwait(&set, nullptr, &tick) > 0;
}

std::string Progress(int elapsed_s, const LogWriter& log, const AgentCounts& c,
                     const DemoCamera& camera) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "%4d s  log lines %llu written, %llu shipped  metrics samples %llu, %llu shipped%s",
                elapsed_s, static_cast<unsigned long long>(log.lines()),
                static_cast<unsigned long long>(c.records_sent),
                static_cast<unsigned long long>(c.samples),
                static_cast<unsigned long long>(c.samples_sent),
                camera.running() ? ("  video fragments " + std::to_string(camera.persisted()) +
                                    " persisted").c_str()
                                 : "");
  return line;
}

// Writes DIR/kedge.yaml, loads it as `kedge run` would, and creates the agent.
StatusOr<std::unique_ptr<Agent>> CreateAgent(const std::string& dir, const std::string& url,
                                             Env& env, MetricsRegistry& metrics) {
  KEDGE_RETURN_IF_ERROR(env.WriteFileAtomic(dir + "/kedge.yaml", ConfigYaml(dir, url)));
  PosixFileSystem files;
  ConfigErrors errors(dir + "/kedge.yaml");
  StatusOr<AgentConfig> config = LoadConfigFile(dir + "/kedge.yaml", env, files, &errors);
  if (!config.ok()) {
    return InternalError("the generated configuration was refused:\n" + errors.ToString());
  }
  return Agent::Create(*config, env, Clock::Real(), metrics);
}

// Shows the counters until a stop signal or the end of `duration_s` (0: no end): one refreshing
// line on a terminal, a line every 5 s otherwise.
void ShowProgress(int duration_s, bool tty, const LogWriter& log, const MetricsRegistry& metrics,
                  const DemoCamera& camera) {
  SteadyTime begin = Clock::Real().Now();
  int last_plain = 0;
  while (true) {
    bool signalled = WaitForStopSignal(std::chrono::milliseconds(500));
    int elapsed = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(Clock::Real().Now() - begin).count());
    std::string line = Progress(elapsed, log, CountsOf(metrics), camera);
    if (tty) {
      std::printf("\r\033[K%s", line.c_str());
    } else if (elapsed - last_plain >= 5) {
      std::printf("%s\n", line.c_str());
      last_plain = elapsed;
    }
    std::fflush(stdout);
    if (signalled || (duration_s > 0 && elapsed >= duration_s)) return;
  }
}

// Gives the running agent up to 10 s to read and ship the whole log (bounded polling of its
// counters), so the summary is about everything written rather than a moment's snapshot.
void WaitUntilShipped(const LogWriter& log, const MetricsRegistry& metrics) {
  SteadyTime deadline = Clock::Real().Now() + std::chrono::seconds(10);
  while (Clock::Real().Now() < deadline) {
    AgentCounts c = CountsOf(metrics);
    if (c.lines_read >= log.lines() && c.records_sent >= c.lines_read) return;
    WaitForStopSignal(std::chrono::milliseconds(100));
  }
}

// Starts from a clean slate: only the demo's own files under `dir` are removed.
Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  for (const char* name : {"ingest", "state", "video-store", "app.log", "kedge.yaml", "ingest.log"}) {
    fs::remove_all(fs::path(dir) / name, ec);
    if (ec) return PermissionDeniedError(dir + "/" + name + ": " + ec.message());
  }
  fs::create_directories(dir, ec);
  if (ec) return PermissionDeniedError("--data-dir " + dir + ": " + ec.message());
  std::ofstream(dir + "/app.log").flush();  // the file source starts at its beginning
  return Status::Ok();
}

struct Arrived {
  int64_t log_records = -1;  // in the data stream; -1 when it could not be read
  int64_t fragments = -1;    // in the video stream
  uint64_t metric_lines = 0;
};

Arrived ReadBack(const std::string& url, const std::string& dir) {
  Arrived arrived;
  StatusOr<json> streams = CallIngest(url + "/console/api/streams", "", json(), /*post=*/false);
  if (streams.ok()) {
    for (const json& s : (*streams)["data"]) {
      if (s["name"] == kLogStream) arrived.log_records = s["records"].get<int64_t>();
    }
    for (const json& s : (*streams)["video"]) {
      if (s["name"] == kVideoStream) arrived.fragments = s["fragments"].get<int64_t>();
    }
  } else {
    std::fprintf(stderr, "kedge demo: reading back: %s\n", streams.status().message().c_str());
  }
  arrived.metric_lines = DeliveredLines(dir + "/ingest", kMetricsStream);
  return arrived;
}

// Prints what arrived where; true when everything the agent shipped is in kedge-ingest.
bool Summarize(const Arrived& a, const AgentCounts& c, const LogWriter& log, const DemoCamera& camera,
               const std::string& dir) {
  std::printf("\nWhat arrived (read back from kedge-ingest, data in %s/ingest):\n", dir.c_str());
  std::printf("  Kinesis data stream %s: %lld records (the log had %llu lines, the agent read %llu "
              "and shipped %llu)\n",
              kLogStream, static_cast<long long>(a.log_records),
              static_cast<unsigned long long>(log.lines()),
              static_cast<unsigned long long>(c.lines_read),
              static_cast<unsigned long long>(c.records_sent));
  std::printf("  Firehose %s: %llu records in %s/ingest/firehose/%s (%llu samples taken)\n",
              kMetricsStream, static_cast<unsigned long long>(a.metric_lines), dir.c_str(),
              kMetricsStream, static_cast<unsigned long long>(c.samples));
  bool ok = c.records_sent > 0 && a.log_records >= static_cast<int64_t>(c.records_sent) &&
            a.metric_lines > 0 && a.metric_lines >= c.samples_sent;
  if (camera.running()) {
    std::printf("  Kinesis video stream %s: %lld fragments stored (%llu captured, %llu "
                "acknowledged)\n",
                kVideoStream, static_cast<long long>(a.fragments),
                static_cast<unsigned long long>(camera.captured()),
                static_cast<unsigned long long>(camera.persisted()));
    ok = ok && a.fragments > 0 && a.fragments >= static_cast<int64_t>(camera.persisted());
  } else {
    std::printf("  Kinesis video stream %s: no camera ran\n", kVideoStream);
  }
  std::printf(ok ? "Everything the agent shipped arrived.\n"
                 : "kedge demo: not everything arrived; see %s/ingest.log\n",
              dir.c_str());
  return ok;
}

}  // namespace

int DemoCommand(const std::vector<std::string>& argv) {
  for (const std::string& a : argv) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  StatusOr<DemoArgs> args = ParseArgs(argv);
  if (!args.ok()) {
    std::fprintf(stderr, "kedge demo: %s\n\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  Env& env = Env::Default();
  std::string dir = args->data_dir.empty() ? DefaultDataDir(env) : args->data_dir;
  dir = fs::absolute(dir).lexically_normal().string();
  StatusOr<std::string> binary = FindIngest(env);
  if (!binary.ok()) return ReportFailure("demo", binary.status());
  Status prepared = PrepareDataDir(dir);
  if (!prepared.ok()) return ReportFailure("demo", prepared);

  // The stop signals are taken by WaitForStopSignal; block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  IngestProcess ingest;
  Status started = ingest.Start(*binary, dir + "/ingest", dir + "/ingest.log");
  if (!started.ok()) return ReportFailure("demo", started);
  Status created = CreateStreams(ingest.url());
  if (!created.ok()) return ReportFailure("demo", created);
  std::printf("kedge-ingest %s on %s (data in %s)\n", binary->c_str(), ingest.url().c_str(), dir.c_str());

  DemoEnv demo_env(env);
  MetricsRegistry metrics;
  StatusOr<std::unique_ptr<Agent>> agent = CreateAgent(dir, ingest.url(), demo_env, metrics);
  if (!agent.ok()) return ReportFailure("demo", agent.status());

  DemoCamera camera;
  if (args->video) {
    Status video = camera.Start(ingest.url(), dir, env);
    if (!video.ok()) {
      std::printf("video: %s; going on without video\n", video.message().c_str());
    }
  }
  LogWriter log(dir + "/app.log");
  log.Start();
  Status ran;
  std::thread pipeline([&] { ran = (*agent)->Run(); });

  std::printf("Agent: %s/app.log (%d lines/s) -> %s; system metrics every 1 s -> Firehose %s%s\n",
              dir.c_str(), kLinesPerSecond, kLogStream, kMetricsStream,
              camera.running() ? "; test camera -> demo-camera" : "");
  std::printf("Console: %s\n", ingest.console_url().c_str());
  std::printf(args->duration_s ? "Running for %d s (Ctrl-C stops sooner).\n"
                               : "Running until Ctrl-C.\n",
              args->duration_s);
  std::fflush(stdout);
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  ShowProgress(args->duration_s, tty, log, metrics, camera);
  std::printf("%sStopping: the agent delivers what it has read%s.\n", tty ? "\n" : "",
              camera.running() ? ", the camera uploads its last fragments" : "");
  std::fflush(stdout);
  log.Stop();
  camera.Stop();
  WaitUntilShipped(log, metrics);
  (*agent)->RequestStop();
  pipeline.join();
  AgentCounts counts = CountsOf(metrics);
  Arrived arrived = ReadBack(ingest.url(), dir);
  ingest.Stop();
  if (!ran.ok()) std::fprintf(stderr, "kedge demo: agent: %s\n", ran.message().c_str());
  return Summarize(arrived, counts, log, camera, dir) && ran.ok() ? 0 : 1;
}

}  // namespace kedge::agent
