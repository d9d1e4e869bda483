#include "agent/agent.h"

#include <random>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unistd.h>

#include "agent/aws_credentials.h"
#include "agent/processors/processor.h"
#include "agent/sinks/file_sink.h"
#include "agent/sinks/firehose_sink.h"
#include "agent/sinks/kinesis_sink.h"
#include "agent/sources/file/file_system.h"
#include "agent/sources/file/file_tail_source.h"
#include "agent/sources/file/file_wakeups.h"
#include "agent/sources/stdin/stdin_source.h"
#include "agent/spool_sink.h"
#include "kpl/firehose_client.h"
#include "kpl/kinesis_client.h"
#include "kpl/spool/sqlite_spool.h"
#include "platform/aws/endpoints.h"
#include "platform/logging.h"
#include "platform/net/http_client.h"
#ifdef KEDGE_WITH_MQTT
#include "agent/sources/mqtt/paho_mqtt_source.h"
#endif
#include "agent/sources/journald/journald_source.h"
#include "agent/sources/metrics/system_metrics_source.h"

namespace kedge::agent {

using std::chrono::milliseconds;

struct Agent::Impl {
  struct SourceSlot {
    std::unique_ptr<SpoolSink> spool_sink;
    std::unique_ptr<ProcessingSink> processing;
    std::unique_ptr<Source> source;
    SteadyTime retry_resume{};
  };

  AgentConfig config;
  Env& env;
  Clock& clock;
  MetricsRegistry& metrics;
  AgentOptions options;
  std::atomic<bool> stop{false};

  PosixFileSystem fs;
  std::unique_ptr<kpl::SqliteSpool> spool;
  std::unique_ptr<aws::CredentialsProvider> credentials;
  std::unique_ptr<net::HttpClient> http;
  std::vector<std::unique_ptr<kpl::KinesisClient>> kinesis_clients;
  std::vector<std::unique_ptr<kpl::FirehoseClient>> firehose_clients;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::vector<SourceSlot> sources;
  std::unique_ptr<FileWakeups> file_wakeups;  // inotify for file sources; built after http

  Impl(const AgentConfig& c, Env& e, Clock& k, MetricsRegistry& m, AgentOptions o)
      : config(c), env(e), clock(k), metrics(m), options(o) {}

  Status OpenSpool();
  Status BuildSink(const SinkConfig& sink);
  Status BuildSource(const SourceConfig& source, uint64_t seed);
  StatusOr<std::unique_ptr<Source>> MakeSource(const SourceConfig& source, RecordSink& sink);
  bool PollSources();
  milliseconds Wait(bool more) const;
  void ExportSpoolStats();
  void SampleHistory(const kpl::SpoolStats& st, int64_t oldest_age_ms);
  std::vector<FileTailSource*> file_tails;  // owned by `sources`, for file_wakeups
  void TrimHeapWhenQuiet(const kpl::SpoolStats& st);
  uint64_t last_appended = 0, last_records = 0;
  SteadyTime quiet_since{};
  bool heap_trimmed = false;
  SteadyTime next_stats{};
  SteadyTime next_history{};
};

void Agent::Impl::SampleHistory(const kpl::SpoolStats& st, int64_t oldest_age_ms) {
  SteadyTime now = clock.Now();
  if (options.history == nullptr || now < next_history) return;
  next_history = now + std::chrono::seconds(5);
  StatusSample sample;
  sample.unix_ms = ToUnixMillis(clock.WallNow());
  for (const auto& m : metrics.Snapshot()) {
    if (m.name == "kedge_source_records_spooled_total") sample.records_read += m.value;
    if (m.name == "kedge_sink_records_sent_total") sample.records_sent += m.value;
  }
  sample.records_dropped = st.dropped;
  sample.spool_bytes = st.bytes;
  sample.spool_records = st.records;
  sample.oldest_unsent_age_ms = oldest_age_ms;
  options.history->Add(sample);
}

// Spool depth and age for /metrics and the status page, once a second.
void Agent::Impl::ExportSpoolStats() {
  SteadyTime now = clock.Now();
  if (now < next_stats) return;
  next_stats = now + std::chrono::seconds(1);
  kpl::SpoolStats st = spool->stats();
  auto gauge = [&](const char* name, const char* help, double value, const Labels& labels = {}) {
    metrics.GetGauge(name, help, labels).Set(value);
  };
  gauge("kedge_spool_records", "Records in the spool, not yet acknowledged", st.records);
  gauge("kedge_spool_bytes", "Bytes the spool holds, counted against spool.max_bytes", st.bytes);
  gauge("kedge_spool_max_bytes", "spool.max_bytes", st.max_bytes);
  gauge("kedge_spool_dropped_records", "Records dropped by when_full: drop_oldest", st.dropped);
  gauge("kedge_spool_dead_letters", "Records in the dead-letter table", st.dead_letters);
  int64_t wall_ms = ToUnixMillis(clock.WallNow());
  int64_t oldest_age_ms = 0;
  for (const kpl::SpoolSinkStats& sink : st.sinks) {
    Labels labels{{"sink", sink.sink}};
    gauge("kedge_spool_sink_records", "Records waiting for this sink", sink.records, labels);
    int64_t age_ms = sink.oldest_created_ms ? wall_ms - *sink.oldest_created_ms : 0;
    oldest_age_ms = std::max(oldest_age_ms, age_ms);
    gauge("kedge_spool_oldest_record_age_seconds",
          "Age of the oldest record this sink has not delivered (like IteratorAge)",
          age_ms / 1000.0, labels);
  }
  SampleHistory(st, oldest_age_ms);
  TrimHeapWhenQuiet(st);
}

// After a burst (a backlog shipped, a restart's catch-up) glibc keeps the freed heap; give it
// back once the spool has been quiet for a while, so the idle footprint stays small.
void Agent::Impl::TrimHeapWhenQuiet(const kpl::SpoolStats& st) {
  SteadyTime now = clock.Now();
  if (st.appended_sequence != last_appended || st.records != last_records) {
    last_appended = st.appended_sequence;
    last_records = st.records;
    quiet_since = now;
    heap_trimmed = false;
  } else if (!heap_trimmed && now - quiet_since >= std::chrono::seconds(5)) {
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
    heap_trimmed = true;
  }
}

Status Agent::Impl::OpenSpool() {
  kpl::SqliteSpoolOptions o;
  o.path = config.SpoolPath();
  o.max_bytes = config.spool.max_bytes;
  o.when_full = config.spool.when_full == WhenFull::kBlock ? kpl::WhenFull::kBlock
                                                            : kpl::WhenFull::kDropOldest;
  o.synchronous = config.spool.synchronous == SpoolSync::kFull ? kpl::SpoolSync::kFull
                                                               : kpl::SpoolSync::kNormal;
  o.commit_records = config.spool.commit_records;
  o.commit_interval = config.spool.commit_interval;
  o.max_attempts = config.spool.max_attempts;
  size_t slash = o.path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    KEDGE_RETURN_IF_ERROR(env.CreateDirs(o.path.substr(0, slash)).WithContext("spool"));
  }
  KEDGE_ASSIGN_OR_RETURN(spool, kpl::SqliteSpool::Open(o, clock, env));
  return Status::Ok();
}

Status Agent::Impl::BuildSink(const SinkConfig& sink) {
  if (sink.type == SinkType::kFile) {
    sinks.push_back(std::make_unique<FileSink>(sink, *spool, clock, metrics));
    return Status::Ok();
  }
  const char* service = sink.type == SinkType::kKinesis ? "kinesis" : "firehose";
  std::string region;
  auto resolved = aws::ResolveRegion(sink.region, env);
  if (resolved.ok()) {
    region = *resolved;
  } else if (!sink.endpoint.empty()) {
    region = "us-east-1";  // a local endpoint needs no real region
  } else {
    return resolved.status().WithContext("sink " + sink.name);
  }
  auto endpoint = aws::ResolveEndpoint(service, region, sink.endpoint, env);
  if (!endpoint.ok()) return endpoint.status().WithContext("sink " + sink.name);
  if (sink.type == SinkType::kKinesis) {
    kpl::WireProtocol protocol =
        sink.protocol == WireFormat::kCbor ? kpl::WireProtocol::kCbor : kpl::WireProtocol::kJson;
    kinesis_clients.push_back(std::make_unique<kpl::KinesisClient>(
        *http, *credentials, clock, kpl::KinesisClientOptions{*endpoint, region, protocol}));
    KEDGE_ASSIGN_OR_RETURN(auto s, KinesisSink::Create(sink, *kinesis_clients.back(), *spool,
                                                        clock, metrics));
    sinks.push_back(std::move(s));
  } else {
    firehose_clients.push_back(std::make_unique<kpl::FirehoseClient>(
        *http, *credentials, clock, kpl::FirehoseClientOptions{*endpoint, region}));
    KEDGE_ASSIGN_OR_RETURN(auto s, FirehoseSink::Create(sink, *firehose_clients.back(), *spool,
                                                         clock, metrics));
    sinks.push_back(std::move(s));
  }
  KEDGE_LOG(kInfo) << "sink " << sink.name << ": " << service << " stream " << sink.stream
                   << " at " << *endpoint;
  return Status::Ok();
}

StatusOr<std::unique_ptr<Source>> Agent::Impl::MakeSource(const SourceConfig& source,
                                                          RecordSink& sink) {
  std::string device_id = config.device_id;
  switch (source.type) {
    case SourceType::kFile: {
      auto file = std::make_unique<FileTailSource>(source, fs, clock, sink, metrics);
      file->FitBatchesTo(config.spool.max_bytes);
      file_tails.push_back(file.get());
      return std::unique_ptr<Source>(std::move(file));
    }
    case SourceType::kStdin:
      return std::unique_ptr<Source>(new StdinSource(source, STDIN_FILENO, clock, sink, metrics));
    case SourceType::kMetrics: {
      SystemMetricsOptions o;
      o.device_id = device_id;
      return std::unique_ptr<Source>(
          new SystemMetricsSource(source, o, env, clock, sink, metrics));
    }
    case SourceType::kJournald: {
      KEDGE_ASSIGN_OR_RETURN(auto reader, OpenSystemJournal(source.journald.directory));
      return std::unique_ptr<Source>(
          new JournaldSource(source, std::move(reader), sink, metrics));
    }
    case SourceType::kMqtt: {
#ifdef KEDGE_WITH_MQTT
      MqttSourceOptions o;
      o.device_id = device_id;
      o.dead_letter_path = config.state_dir + "/mqtt-" + source.name + "-rejected.jsonl";
      net::HttpClient* http_client = http.get();
      o.wakeup = [http_client] { http_client->Wakeup(); };
      return std::unique_ptr<Source>(new PahoMqttSource(source, o, clock, sink, metrics));
#else
      return UnimplementedError("source " + source.name +
                                ": this kedge was built without MQTT (KEDGE_WITH_MQTT=OFF)");
#endif
    }
  }
  return InternalError("unknown source type");
}

Status Agent::Impl::BuildSource(const SourceConfig& source, uint64_t seed) {
  SourceSlot slot;
  KEDGE_ASSIGN_OR_RETURN(auto saved, spool->GetCheckpoint(source.name));
  KEDGE_ASSIGN_OR_RETURN(slot.spool_sink, SpoolSink::Create(source, saved.value_or(""), *spool,
                                                             metrics, seed));
  RecordSink* head = slot.spool_sink.get();
  if (!source.processors.empty()) {
    ProcessorContext context{clock, config.device_id, ""};
    KEDGE_ASSIGN_OR_RETURN(auto chain, ProcessorChain::Build(source.processors, context));
    slot.processing = std::make_unique<ProcessingSink>(std::move(chain), *slot.spool_sink,
                                                       metrics, source.name);
    head = slot.processing.get();
  }
  KEDGE_ASSIGN_OR_RETURN(slot.source, MakeSource(source, *head));
  KEDGE_RETURN_IF_ERROR(slot.source->Start(slot.spool_sink->Saved())
                            .WithContext("source " + source.name));
  sources.push_back(std::move(slot));
  return Status::Ok();
}

// Polls every source once; true when one stopped at a work limit and wants to go again.
bool Agent::Impl::PollSources() {
  bool more = false;
  SteadyTime now = clock.Now();
  for (SourceSlot& s : sources) {
    if (s.source->paused()) {
      if (now < s.retry_resume) continue;
      s.source->Resume();  // try again: the next Poll pauses it again if still full
    }
    PollResult r = s.source->Poll();
    more = more || r.more;
    if (s.spool_sink->full()) {
      s.source->Pause();
      s.retry_resume = now + milliseconds(500);
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
          << "the spool is full: sources wait until sinks free room";
    }
  }
  return more;
}

milliseconds Agent::Impl::Wait(bool more) const {
  if (more) return milliseconds(0);
  SteadyTime now = clock.Now();
  milliseconds wait = std::min(options.idle_poll, spool->TimeUntilCommit());
  for (const auto& sink : sinks) {
    if (auto wake = sink->NextWakeup()) {
      wait = std::min(wait, std::chrono::duration_cast<milliseconds>(*wake - now));
    }
  }
  return std::max(wait, milliseconds(0));
}

StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config, Env& env, Clock& clock,
                                               MetricsRegistry& metrics, AgentOptions options) {
  auto impl = std::make_unique<Impl>(config, env, clock, metrics, options);
  if (impl->config.device_id.empty()) impl->config.device_id = DefaultDeviceId();
  KEDGE_RETURN_IF_ERROR(impl->OpenSpool());
  impl->credentials =
      NewAgentCredentials(impl->config.aws, impl->config.device_id, env, clock);
  impl->http = net::NewCurlHttpClient(net::HttpClientOptions{});
  net::HttpClient* http = impl->http.get();
  impl->file_wakeups = std::make_unique<FileWakeups>(clock, options.inotify,
                                                     [http] { http->Wakeup(); });
  for (const SinkConfig& sink : config.sinks) KEDGE_RETURN_IF_ERROR(impl->BuildSink(sink));
  std::random_device seed;
  for (const SourceConfig& source : config.sources) {
    KEDGE_RETURN_IF_ERROR(impl->BuildSource(source, seed()));
  }
  for (FileTailSource* file : impl->file_tails) impl->file_wakeups->Add(*file);
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

void Agent::RequestStop() {
  impl_->stop = true;
  impl_->http->Wakeup();
}

Status Agent::Run() {
  Impl& a = *impl_;
  KEDGE_LOG(kInfo) << "kedge running: " << a.sources.size() << " sources, " << a.sinks.size()
                   << " sinks, spool " << a.config.SpoolPath();
  while (!a.stop) {
    a.file_wakeups->BeforePoll();
    bool more = a.PollSources();
    Status committed = a.spool->MaybeCommit();
    if (!committed.ok()) {
      KEDGE_LOG_EVERY(kError, std::chrono::seconds(30)) << committed.ToString();
    }
    for (auto& sink : a.sinks) sink->Pump();
    a.ExportSpoolStats();
    if (a.options.heartbeat) a.options.heartbeat();
    a.http->Poll(a.Wait(more));
  }
  // Stop reading, make what was read durable, then give the sinks the grace period.
  KEDGE_LOG(kInfo) << "kedge stopping: draining for up to " << a.options.shutdown_grace.count()
                   << " ms";
  if (a.options.stopping) a.options.stopping();
  a.file_wakeups.reset();
  a.sources.clear();
  Status committed = a.spool->Commit();
  SteadyTime deadline = a.clock.Now() + a.options.shutdown_grace;
  while (a.clock.Now() < deadline) {
    bool drained = true;
    for (auto& sink : a.sinks) {
      sink->Pump();  // what was read before the stop but not yet leased goes out too
      drained = sink->Drain() && drained;
    }
    if (drained && a.spool->Commit().ok() && a.spool->stats().records == 0) break;
    if (a.options.heartbeat) a.options.heartbeat();  // shutdown is still progressing
    a.http->Poll(milliseconds(50));
  }
  a.sinks.clear();  // fails what is still in flight back into the spool
  KEDGE_RETURN_IF_ERROR(a.spool->Commit());
  return committed;
}

uint64_t Agent::records_in_spool() const { return impl_->spool->stats().records; }

}  // namespace kedge::agent
