// MQTT -> PahoMqttSource -> SQLite spool throughput, and the loss window: how long a message
// spends between Paho's acknowledgement (its arrival) and the spool commit that makes it
// durable. Starts its own mosquitto on loopback, publishes N messages with
// mosquitto_pub (another process, so the CPU figures are kedge's alone), and polls the source on
// the main thread as the agent's input thread would, appending to a real SqliteSpool and
// committing with its group commit (defaults: 2000 records or 100 ms).
//
//   build/tests/bench/mqtt/mqtt_source_bench [messages=200000] [qos=0|1|2] [payload_bytes=100]
#include <sys/resource.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <thread>

#include "agent/sources/mqtt/paho_mqtt_source.h"
#include "kpl/spool/sqlite_spool.h"
#include "platform/env.h"
#include "tests/agent/sources/mqtt/mqtt_test_util.h"
#include "tests/support/test_util.h"

namespace kedge {
namespace {

using Seconds = std::chrono::duration<double>;

// Appends each batch to the spool and remembers when its oldest record arrived, so the time to
// durability can be measured when the spool's durable sequence passes it.
class SpoolSink : public agent::RecordSink {
 public:
  SpoolSink(kpl::Spool& spool, Clock& clock) : spool_(spool), clock_(clock) {}
  Status Accept(agent::RecordBatch batch) override {
    std::vector<kpl::SpoolRecord> records;
    records.reserve(batch.records.size());
    int64_t oldest = INT64_MAX;
    for (agent::SourceRecord& r : batch.records) {
      oldest = std::min(oldest, r.timestamp_ms);  // the arrival time, right after Paho's ack
      records.push_back({"telemetry", std::move(r.partition_key), "", std::move(r.data),
                         r.timestamp_ms});
    }
    size_t n = records.size();
    KEDGE_ASSIGN_OR_RETURN(uint64_t seq, spool_.Append(std::move(records)));
    waiting_.push_back({seq, oldest});
    accepted_ += n;
    return Status::Ok();
  }
  // After each commit: the arrival-to-durable time of every batch now durable.
  void Observe() {
    uint64_t durable = spool_.durable_sequence();
    int64_t now = ToUnixMillis(clock_.WallNow());
    while (!waiting_.empty() && waiting_.front().first <= durable) {
      window_ms_.push_back(now - waiting_.front().second);
      waiting_.erase(waiting_.begin());
    }
  }
  uint64_t accepted() const { return accepted_; }
  std::vector<int64_t>& window_ms() { return window_ms_; }

 private:
  kpl::Spool& spool_;
  Clock& clock_;
  std::vector<std::pair<uint64_t, int64_t>> waiting_;
  std::vector<int64_t> window_ms_;
  uint64_t accepted_ = 0;
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Run(int messages, int qos, size_t payload_bytes) {
  int port = testing::FreeLoopbackPort();
  auto broker = testing::MosquittoProcess::Start(port);
  if (!broker) return 1;
  std::string dir = testing::MakeTempDir("kedge-mqtt-bench");
  SystemClock clock;
  PosixEnv env;
  kpl::SqliteSpoolOptions spool_options;
  spool_options.path = dir + "/spool.db";
  auto spool = kpl::SqliteSpool::Open(spool_options, clock, env);
  if (!spool.ok()) {
    std::fprintf(stderr, "spool: %s\n", spool.status().ToString().c_str());
    return 1;
  }
  SpoolSink sink(**spool, clock);
  agent::MetricsRegistry metrics;
  agent::SourceConfig config;
  config.name = "bench";
  config.mqtt.broker = broker->url();
  config.mqtt.topics = {"bench/#"};
  config.mqtt.qos = qos;
  config.mqtt.client_id = "kedge-bench";
  config.partition_key_mode = agent::PartitionKeyMode::kField;
  config.partition_key = "device_id";
  agent::MqttSourceOptions options;
  options.queue_capacity = 20000;
  agent::PahoMqttSource source(config, options, clock, sink, metrics);
  if (!source.Start({}).ok()) return 1;
  while (!source.subscribed()) {
    source.Poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  // The publisher is mosquitto_pub in its own process, so the CPU figures below are kedge's
  // alone (Paho's threads, the source, the spool). mosquitto_pub outruns any subscriber and
  // mosquitto 2.0 then drops QoS 0 messages and disconnects a QoS 1 publisher, so messages go
  // in chunks; each chunk is timed from its first record to its last, when the pipeline is busy.
  constexpr int kChunk = 20000;
  std::string pad(payload_bytes > 40 ? payload_bytes - 40 : 0, 'x');
  double busy_seconds = 0, cpu = 0;
  for (int sent = 0; sent < messages; sent += kChunk) {
    int n = std::min(kChunk, messages - sent);
    std::string lines_file = dir + "/messages.txt";
    std::FILE* f = std::fopen(lines_file.c_str(), "w");
    for (int i = sent; i < sent + n; ++i) {
      std::fprintf(f, "{\"device_id\":\"dev-%d\",\"seq\":%d,\"p\":\"%s\"}\n", i % 100, i,
                   pad.c_str());
    }
    std::fclose(f);
    std::string command = "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker->port()) +
                          " -q " + std::to_string(qos) + " -t bench/dev -l < '" + lines_file + "'";
    std::thread publisher([command] {
      if (std::system(command.c_str()) != 0) std::fprintf(stderr, "mosquitto_pub failed\n");
    });
    uint64_t target = sink.accepted() + static_cast<uint64_t>(n);
    double cpu0 = 0, cpu1 = 0;
    auto start = std::chrono::steady_clock::now(), first = start, last = start;
    bool started = false;
    while (sink.accepted() < target) {
      agent::PollResult r = source.Poll();
      auto now = std::chrono::steady_clock::now();
      if (r.records > 0) {
        if (!started) {
          started = true;
          first = now;
          cpu0 = CpuSeconds();
        }
        last = now;
      }
      (void)(*spool)->MaybeCommit();
      sink.Observe();
      if (r.records > 0) cpu1 = CpuSeconds();
      if (now - (started ? last : start) > std::chrono::seconds(5)) break;  // lost at the broker
      if (r.records == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    publisher.join();
    busy_seconds += Seconds(last - first).count();
    cpu += cpu1 - cpu0;
  }
  (void)(*spool)->Commit();
  sink.Observe();

  double secs = busy_seconds;
  auto& h = metrics.GetHistogram("kedge_mqtt_handover_seconds", "", {{"source", "bench"}}, {});
  std::vector<int64_t>& w = sink.window_ms();
  std::sort(w.begin(), w.end());
  auto pct = [&w](double p) { return w.empty() ? 0 : w[std::min(w.size() - 1, size_t(p * w.size()))]; };
  std::printf("qos %d, %d messages of ~%zu bytes: %llu in the spool in %.2f s = %.0f msg/s; "
              "kedge's CPU %.2f s (%.0f%% of one core) = %.0f msg per CPU-second\n",
              qos, messages, payload_bytes, static_cast<unsigned long long>(sink.accepted()), secs,
              static_cast<double>(sink.accepted()) / secs, cpu, 100 * cpu / secs,
              static_cast<double>(sink.accepted()) / cpu);
  std::printf("hand-over (arrival -> sink): mean %.3f ms over %llu records\n",
              h.count() ? 1000 * h.sum() / static_cast<double>(h.count()) : 0.0,
              static_cast<unsigned long long>(h.count()));
  std::printf("loss window (oldest arrival in a batch -> its spool commit): p50 %lld ms, p99 %lld ms, "
              "max %lld ms over %zu batches\n",
              static_cast<long long>(pct(0.5)), static_cast<long long>(pct(0.99)),
              static_cast<long long>(w.empty() ? 0 : w.back()), w.size());
  source.Shutdown();
  std::system(("rm -rf '" + dir + "'").c_str());
  return sink.accepted() == static_cast<uint64_t>(messages) ? 0 : 2;
}

}  // namespace
}  // namespace kedge

int main(int argc, char** argv) {
  int messages = argc > 1 ? std::atoi(argv[1]) : 200000;
  int qos = argc > 2 ? std::atoi(argv[2]) : 0;
  size_t payload = argc > 3 ? static_cast<size_t>(std::atoi(argv[3])) : 100;
  return kedge::Run(messages, qos, payload);
}
