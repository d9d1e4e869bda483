// The MQTT source against real brokers: the shared mosquitto of scripts/peers
// (KEDGE_TEST_MQTT_BROKER) and, for TLS and broker-down cases, a mosquitto of the test's own.
#include "agent/sources/mqtt/paho_mqtt_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/agent/sources/mqtt/mqtt_test_util.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

using testing::CollectingSink;
using testing::MosquittoProcess;
using testing::MosquittoTls;
using testing::PollUntil;
using testing::TestPublisher;

SourceConfig MqttConfig(const std::string& broker, const std::string& prefix) {
  SourceConfig c;
  c.name = "sensors";
  c.type = SourceType::kMqtt;
  c.mqtt.broker = broker;
  c.mqtt.topics = {prefix + "/#"};
  c.mqtt.qos = 1;
  c.mqtt.client_id = "kedge-test-" + prefix.substr(prefix.find('/') + 1);
  c.partition_key_mode = PartitionKeyMode::kField;
  c.partition_key = "device_id";
  return c;
}

MqttSourceOptions FastOptions() {
  MqttSourceOptions o;
  o.device_id = "test";
  o.min_reconnect_delay = Millis(20);
  o.max_reconnect_delay = Millis(200);
  return o;
}

// n messages {"device_id":"dev-<i % 10>","seq":<first + i>} on <prefix>/dev-<i % 10>.
std::vector<std::pair<std::string, std::string>> Readings(const std::string& prefix, int first,
                                                          int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = first; i < first + n; ++i) {
    std::string dev = "dev-" + std::to_string(i % 10);
    out.emplace_back(prefix + "/" + dev,
                     "{\"device_id\":\"" + dev + "\",\"seq\":" + std::to_string(i) + "}");
  }
  return out;
}

// seq -> how often it arrived; also checks each record's key is its payload's device_id.
std::map<int, int> SeqCounts(const std::vector<SourceRecord>& records) {
  std::map<int, int> seen;
  for (const SourceRecord& r : records) {
    nlohmann::json j = nlohmann::json::parse(r.data, nullptr, false);
    if (!j.is_object() || !j.contains("seq")) continue;
    EXPECT_EQ(r.partition_key, j["device_id"].get<std::string>());
    EXPECT_EQ(r.origin.substr(r.origin.rfind('/') + 1), r.partition_key);
    ++seen[j["seq"].get<int>()];
  }
  return seen;
}

class PahoMqttSourceTest : public ::testing::Test {
 protected:
  std::string Broker() { return testing::RequireEnv("KEDGE_TEST_MQTT_BROKER"); }
  MetricsRegistry metrics_;
  CollectingSink sink_;
  std::string prefix_ = testing::UniqueTopicPrefix();
};

TEST_F(PahoMqttSourceTest, FiveThousandQos1MessagesPartitionedByDeviceIdArriveOnceEach) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  PahoMqttSource source(MqttConfig(broker, prefix_), FastOptions(), Clock::Real(), sink_,
                        metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));

  TestPublisher pub(broker);
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 5000), 1));
  // A last message on the same connection: once it is in, everything before it is.
  ASSERT_TRUE(pub.PublishAll({{prefix_ + "/end", "{\"device_id\":\"end\"}"}}, 1));
  ASSERT_TRUE(PollUntil(source, [&] {
    return !sink_.records.empty() && sink_.records.back().partition_key == "end";
  }));

  std::map<int, int> seen = SeqCounts(sink_.records);
  EXPECT_EQ(sink_.records.size(), 5001u);
  ASSERT_EQ(seen.size(), 5000u);
  for (const auto& [seq, count] : seen) EXPECT_EQ(count, 1) << "seq " << seq;
  EXPECT_EQ(seen.begin()->first, 0);
  EXPECT_EQ(seen.rbegin()->first, 4999);
  EXPECT_EQ(source.dead_letters().total(), 0u);
}

TEST_F(PahoMqttSourceTest, MessagesPublishedWhileStoppedArriveAfterRestartWithTheSameClientId) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  SourceConfig config = MqttConfig(broker, prefix_);
  TestPublisher pub(broker);
  {
    PahoMqttSource first(config, FastOptions(), Clock::Real(), sink_, metrics_);
    ASSERT_TRUE(first.Start({}).ok());
    ASSERT_TRUE(PollUntil(first, [&] { return first.subscribed(); }));
    ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 100), 1));
    ASSERT_TRUE(PollUntil(first, [&] { return sink_.records.size() >= 100; }));
    first.Shutdown();
  }
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 100, 500), 1));  // nobody connected

  PahoMqttSource second(config, FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(second.Start({}).ok());
  ASSERT_TRUE(PollUntil(second, [&] { return SeqCounts(sink_.records).size() >= 600; }));
  std::map<int, int> seen = SeqCounts(sink_.records);
  ASSERT_EQ(seen.size(), 600u);
  EXPECT_EQ(seen.rbegin()->first, 599);
  // Published while nobody was connected: queued by the broker, delivered once.
  for (int seq = 100; seq < 600; ++seq) EXPECT_EQ(seen[seq], 1) << "seq " << seq;
  // Taken by the first session: once, unless the broker had not seen Paho's acknowledgement when
  // the connection closed (a loaded machine); then it sends the message again marked DUP, which
  // QoS 1 allows. Every repeat must be such a re-send.
  uint64_t repeats = 0;
  for (int seq = 0; seq < 100; ++seq) {
    EXPECT_GE(seen[seq], 1) << "seq " << seq;
    EXPECT_LE(seen[seq], 2) << "seq " << seq;
    repeats += seen[seq] - 1;
  }
  EXPECT_LE(repeats, second.redelivered());
  EXPECT_EQ(metrics_.GetCounter("kedge_mqtt_redelivered_total", "", {{"source", "sensors"}})
                .value(),
            second.redelivered());
}

TEST_F(PahoMqttSourceTest, MalformedAndOversizePayloadsAreCountedAndSetAsideWithoutBlockingOthers) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  std::string dir = testing::MakeTempDir("kedge-mqtt");
  MqttSourceOptions options = FastOptions();
  options.dead_letter_path = dir + "/dead.jsonl";
  SourceConfig config = MqttConfig(broker, prefix_);
  config.max_line_bytes = 1000;
  PahoMqttSource source(config, options, Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));

  std::vector<std::pair<std::string, std::string>> messages = Readings(prefix_, 0, 5);
  messages.emplace_back(prefix_ + "/bad", "not json at all");
  messages.emplace_back(prefix_ + "/bad", "{\"other\":1}");
  messages.emplace_back(prefix_ + "/bad", std::string("\xff\x00\x01", 3));
  messages.emplace_back(prefix_ + "/bad", "{\"device_id\":{\"nested\":true}}");
  messages.emplace_back(prefix_ + "/bad",
                        "{\"device_id\":\"big\",\"pad\":\"" + std::string(2000, 'x') + "\"}");
  for (auto& m : Readings(prefix_, 5, 5)) messages.push_back(m);
  TestPublisher pub(broker);
  ASSERT_TRUE(pub.PublishAll(messages, 1));
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 10; }));
  ASSERT_TRUE(PollUntil(source, [&] { return source.dead_letters().total() >= 5; }));

  EXPECT_EQ(SeqCounts(sink_.records).size(), 10u);
  EXPECT_EQ(source.dead_letters().total(), 5u);
  EXPECT_EQ(metrics_.GetCounter("kedge_mqtt_dead_letters_total", "", {{"source", "sensors"}})
                .value(),
            5u);
  ASSERT_EQ(source.dead_letters().recent().size(), 5u);
  EXPECT_EQ(source.dead_letters().recent()[0].payload, "not json at all");
  std::ifstream in(options.dead_letter_path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["topic"], prefix_ + "/bad");
  EXPECT_EQ(lines[0]["payload"], "not json at all");
  EXPECT_EQ(lines[1]["payload"]["other"], 1);
  EXPECT_EQ(lines[2]["payload_base64"], "/wAB");
  EXPECT_EQ(lines[4]["payload"]["device_id"], "big");  // too large for a record
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_F(PahoMqttSourceTest, FullQueueHoldsTheBrokerBackAndLosesNothing) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  MqttSourceOptions options = FastOptions();
  options.queue_capacity = 8;
  options.max_records_per_poll = 3;
  PahoMqttSource source(MqttConfig(broker, prefix_), options, Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  source.Pause();

  // Paho runs all clients of a process on shared threads: while the source's callback waits
  // for room, this publisher's acknowledgements wait too, so it publishes from its own thread.
  TestPublisher pub(broker);
  std::thread publisher([&] { EXPECT_TRUE(pub.PublishAll(Readings(prefix_, 0, 200), 1)); });
  bool held = PollUntil(source, [&] { return source.back_pressure_waits() > 0; });
  EXPECT_TRUE(held);
  EXPECT_EQ(sink_.records.size(), 0u);
  EXPECT_LE(source.queued(), 8u);

  source.Resume();
  EXPECT_TRUE(PollUntil(source, [&] { return SeqCounts(sink_.records).size() >= 200; }));
  publisher.join();
  std::map<int, int> seen = SeqCounts(sink_.records);
  EXPECT_EQ(seen.size(), 200u);
  for (const auto& [seq, count] : seen) EXPECT_EQ(count, 1) << "seq " << seq;
}

TEST_F(PahoMqttSourceTest, RefusedBatchIsOfferedAgainAndShutdownHandsOverWhatWasRead) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  PahoMqttSource source(MqttConfig(broker, prefix_), FastOptions(), Clock::Real(), sink_,
                        metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  TestPublisher pub(broker);
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 20), 1));
  sink_.refuse = 2;
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 1; }));
  EXPECT_EQ(sink_.refused, 2);

  source.Pause();  // the rest waits in the queue ...
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 20, 30), 1));
  ASSERT_TRUE(PollUntil(source, [&] {
    return sink_.records.size() + source.queued() >= 50;
  }));
  source.Shutdown();  // ... and is handed over at shutdown
  std::map<int, int> seen = SeqCounts(sink_.records);
  EXPECT_EQ(seen.size(), 50u);
  for (const auto& [seq, count] : seen) EXPECT_EQ(count, 1) << "seq " << seq;
}

TEST_F(PahoMqttSourceTest, EnvelopeCarriesTopicTimestampAndPayloadAndArrivalWakesTheAgent) {
  std::string broker = Broker();
  ASSERT_FALSE(broker.empty());
  SourceConfig config = MqttConfig(broker, prefix_);
  config.mqtt.envelope = true;
  config.partition_key_mode = PartitionKeyMode::kTopic;
  std::atomic<int> wakeups{0};
  MqttSourceOptions options = FastOptions();
  options.wakeup = [&wakeups] { ++wakeups; };
  PahoMqttSource source(config, options, Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  TestPublisher pub(broker);
  ASSERT_TRUE(pub.PublishAll({{prefix_ + "/a", "{\"t\":21.5}"}, {prefix_ + "/b", "plain"}}, 1));
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 2; }));
  nlohmann::json a = nlohmann::json::parse(sink_.records[0].data);
  EXPECT_EQ(a["topic"], prefix_ + "/a");
  EXPECT_EQ(a["payload"]["t"], 21.5);
  EXPECT_GT(a["ts"].get<int64_t>(), 1700000000000);
  EXPECT_EQ(sink_.records[0].partition_key, prefix_ + "/a");
  EXPECT_EQ(nlohmann::json::parse(sink_.records[1].data)["payload"], "plain");
  EXPECT_GE(wakeups.load(), 1);  // the first message landed in an empty queue
}

TEST_F(PahoMqttSourceTest, StartsWhileTheBrokerIsDownAndConnectsWhenItComesUp) {
  ASSERT_TRUE(MosquittoProcess::Available());
  int port = testing::FreeLoopbackPort();
  std::string url = "tcp://127.0.0.1:" + std::to_string(port);
  PahoMqttSource source(MqttConfig(url, prefix_), FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  Counter& failures =
      metrics_.GetCounter("kedge_mqtt_connect_failures_total", "", {{"source", "sensors"}});
  ASSERT_TRUE(PollUntil(source, [&] { return failures.value() >= 2; }));  // retried
  EXPECT_FALSE(source.connected());

  auto broker = MosquittoProcess::Start(port);
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  TestPublisher pub(url);
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 10), 1));
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 10; }));
  EXPECT_EQ(SeqCounts(sink_.records).size(), 10u);
}

TEST_F(PahoMqttSourceTest, ReconnectsAfterTheBrokerRestartsAndResubscribes) {
  ASSERT_TRUE(MosquittoProcess::Available());
  int port = testing::FreeLoopbackPort();
  std::string url = "tcp://127.0.0.1:" + std::to_string(port);
  auto broker = MosquittoProcess::Start(port);
  ASSERT_NE(broker, nullptr);
  PahoMqttSource source(MqttConfig(url, prefix_), FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  broker.reset();  // persistence is off: the restarted broker has forgotten the session
  ASSERT_TRUE(PollUntil(source, [&] { return !source.connected(); }));
  broker = MosquittoProcess::Start(port);
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  TestPublisher pub(url);
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 10), 1));
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 10; }));
  EXPECT_GE(metrics_.GetCounter("kedge_mqtt_connects_total", "", {{"source", "sensors"}}).value(),
            2u);
}

class PahoMqttSourceTlsTest : public PahoMqttSourceTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MosquittoProcess::Available());
    const testing::TestPki& pki = testing::TestPki::Shared();
    ASSERT_TRUE(pki.ok());
    server_tls_ = {pki.ca_file(), pki.server().cert_file, pki.server().key_file, true};
    client_tls_ = {pki.ca_file(), pki.client().cert_file, pki.client().key_file, true};
    broker_ = MosquittoProcess::Start(testing::FreeLoopbackPort(), &server_tls_);
    ASSERT_NE(broker_, nullptr);
  }
  SourceConfig TlsConfig() {
    SourceConfig c = MqttConfig(broker_->url(), prefix_);
    c.mqtt.ca_file = client_tls_.ca_file;
    c.mqtt.cert_file = client_tls_.cert_file;
    c.mqtt.key_file = client_tls_.key_file;
    return c;
  }
  MosquittoTls server_tls_, client_tls_;
  std::unique_ptr<MosquittoProcess> broker_;
};

TEST_F(PahoMqttSourceTlsTest, ReceivesOverTlsWithCaAndClientCertificate) {
  PahoMqttSource source(TlsConfig(), FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  ASSERT_TRUE(PollUntil(source, [&] { return source.subscribed(); }));
  TestPublisher pub(broker_->url(), &client_tls_);
  ASSERT_TRUE(pub.PublishAll(Readings(prefix_, 0, 100), 1));
  ASSERT_TRUE(PollUntil(source, [&] { return sink_.records.size() >= 100; }));
  EXPECT_EQ(SeqCounts(sink_.records).size(), 100u);
}

TEST_F(PahoMqttSourceTlsTest, WithoutClientCertificateTheBrokerRefusesAndItKeepsRetrying) {
  SourceConfig config = TlsConfig();
  config.mqtt.cert_file.clear();
  config.mqtt.key_file.clear();
  PahoMqttSource source(config, FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  Counter& failures =
      metrics_.GetCounter("kedge_mqtt_connect_failures_total", "", {{"source", "sensors"}});
  ASSERT_TRUE(PollUntil(source, [&] { return failures.value() >= 2; }));
  EXPECT_FALSE(source.subscribed());
}

TEST_F(PahoMqttSourceTlsTest, UntrustedServerCertificateIsRefused) {
  SourceConfig config = TlsConfig();
  config.mqtt.ca_file = testing::TestPki::Shared().other_ca_file();
  PahoMqttSource source(config, FastOptions(), Clock::Real(), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  Counter& failures =
      metrics_.GetCounter("kedge_mqtt_connect_failures_total", "", {{"source", "sensors"}});
  ASSERT_TRUE(PollUntil(source, [&] { return failures.value() >= 2; }));
  EXPECT_FALSE(source.connected());
}

TEST(PahoMqttSourceBackoffTest, RetriesAfterTheBackoffWhichDoublesUpToItsCap) {
  int port = testing::FreeLoopbackPort();  // nothing listens there
  SourceConfig c = MqttConfig("tcp://127.0.0.1:" + std::to_string(port), "kedge-test/backoff");
  MetricsRegistry metrics;
  CollectingSink sink;
  FakeClock clock;
  MqttSourceOptions o = FastOptions();
  o.min_reconnect_delay = Millis(100);
  o.max_reconnect_delay = Millis(400);
  PahoMqttSource source(c, o, clock, sink, metrics);
  Counter& attempts =
      metrics.GetCounter("kedge_mqtt_connect_attempts_total", "", {{"source", "sensors"}});
  Counter& failures =
      metrics.GetCounter("kedge_mqtt_connect_failures_total", "", {{"source", "sensors"}});
  ASSERT_TRUE(source.Start({}).ok());  // the first attempt, at once
  EXPECT_EQ(attempts.value(), 1u);
  // Each wait: the attempt fails (on Paho's thread), nothing happens just before the delay is
  // over, and the next attempt starts when it is.
  const int delays_ms[] = {100, 200, 400, 400};
  for (int delay : delays_ms) {
    uint64_t before = attempts.value();
    ASSERT_TRUE(PollUntil(source, [&] { return failures.value() >= before; }));
    clock.Advance(Millis(delay - 1));
    source.Poll();
    EXPECT_EQ(attempts.value(), before) << "after " << delay - 1 << " ms";
    clock.Advance(Millis(1));
    source.Poll();
    EXPECT_EQ(attempts.value(), before + 1) << "after " << delay << " ms";
  }
  EXPECT_FALSE(source.connected());
}

TEST(PahoMqttSourceConfigTest, BadBrokerUrlIsAClearStartError) {
  SourceConfig c = MqttConfig("http://127.0.0.1:1", "kedge-test/x");
  MetricsRegistry metrics;
  CollectingSink sink;
  PahoMqttSource source(c, MqttSourceOptions(), Clock::Real(), sink, metrics);
  Status s = source.Start({});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("http://127.0.0.1:1"), std::string::npos) << s.ToString();
}

TEST(PahoMqttSourceConfigTest, DefaultClientIdNamesDeviceAndSource) {
  SourceConfig c = MqttConfig("tcp://127.0.0.1:1", "kedge-test/x");
  c.mqtt.client_id.clear();
  MetricsRegistry metrics;
  CollectingSink sink;
  MqttSourceOptions o;
  o.device_id = "pi-7";
  PahoMqttSource source(c, o, Clock::Real(), sink, metrics);
  EXPECT_EQ(source.client_id(), "kedge-pi-7-sensors");
}

}  // namespace
}  // namespace kedge::agent
