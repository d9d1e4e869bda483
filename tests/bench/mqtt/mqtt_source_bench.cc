// MQTT -> PahoMqttSource -> SQLite spool throughput, and the loss window: how long a message
// spends between Paho's acknowledgement (its arrival) and the spool commit that makes it
// durable. Starts its own mosquitto on loopback, publishes N messages from a Paho client in
// this process (so the figures include the publisher's CPU), and polls the source on the main
// thread as the agent's input thread would.
//
//   build/tests/bench/mqtt/mqtt_source_bench [messages=200000] [qos=0|1|2] [payload_bytes=100]
#include <sys/resource.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <mqtt/async_client.h>
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

  std::thread publisher([&] {
    mqtt::async_client pub(broker->url(), "kedge-bench-pub", nullptr);
    mqtt::connect_options opts;
    opts.set_max_inflight(1000);
    pub.connect(opts)->wait();
    std::string pad(payload_bytes > 40 ? payload_bytes - 40 : 0, 'x');
    std::vector<mqtt::delivery_token_ptr> window;
    for (int i = 0; i < messages; ++i) {
      std::string payload = "{\"device_id\":\"dev-" + std::to_string(i % 100) +
                            "\",\"seq\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}";
      window.push_back(pub.publish("bench/dev-" + std::to_string(i % 100), payload.data(),
                                   payload.size(), qos, false));
      if (window.size() == 500) {
        for (auto& t : window) t->wait();
        window.clear();
      }
    }
    for (auto& t : window) t->wait();
    pub.disconnect()->wait();
  });

  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  auto first = t0;
  bool started = false;
  auto deadline = t0 + std::chrono::seconds(120);
  while (sink.accepted() < static_cast<uint64_t>(messages) &&
         std::chrono::steady_clock::now() < deadline) {
    agent::PollResult r = source.Poll();
    if (r.records > 0 && !started) {
      started = true;
      first = std::chrono::steady_clock::now();
    }
    (void)(*spool)->MaybeCommit();
    sink.Observe();
    if (r.records == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  (void)(*spool)->Commit();
  sink.Observe();
  auto t1 = std::chrono::steady_clock::now();
  double cpu = CpuSeconds() - cpu0;
  publisher.join();

  double secs = Seconds(t1 - first).count();
  auto& h = metrics.GetHistogram("kedge_mqtt_handover_seconds", "", {{"source", "bench"}}, {});
  std::vector<int64_t>& w = sink.window_ms();
  std::sort(w.begin(), w.end());
  auto pct = [&w](double p) { return w.empty() ? 0 : w[std::min(w.size() - 1, size_t(p * w.size()))]; };
  std::printf("qos %d, %d messages of ~%zu bytes: %llu in the spool in %.2f s = %.0f msg/s; "
              "process CPU %.2f s (%.0f%% of one core, publisher and broker client included)\n",
              qos, messages, payload_bytes, static_cast<unsigned long long>(sink.accepted()), secs,
              static_cast<double>(sink.accepted()) / secs, cpu, 100 * cpu / Seconds(t1 - t0).count());
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
