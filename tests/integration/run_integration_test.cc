// `kedge run` end to end: a file source tailed into the spool and shipped to Kinesis
// (kinesalite behind a SigV4-verifying proxy), across a clean restart and a kill -9, with
// lines written while the agent is down. Nothing may be lost; a clean restart repeats nothing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/run_fixture.h"

namespace kedge {
namespace {

using ::testing::HasSubstr;

TEST_F(RunIntegrationTest, TailsAFileAcrossACleanRestartWithoutLossOrRepeats) {
  std::string config = WriteConfig();
  AppendLines(0, 3000);
  auto agent = StartAgent(config);
  ASSERT_TRUE(agent->started());
  EXPECT_EQ(WaitFor(3000).size(), 3000u);
  EXPECT_EQ(agent->Stop(SIGINT), 0);

  AppendLines(3000, 4000);  // written while the agent is down
  agent = StartAgent(config);
  std::vector<std::string> got = WaitFor(4000);
  EXPECT_EQ(agent->Stop(SIGTERM), 0);
  EXPECT_EQ(got.size(), 4000u);  // a clean restart resumes at the checkpoint: no repeats
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), Expected(4000));
  EXPECT_EQ(proxy_->rejected(), 0);
}

TEST_F(RunIntegrationTest, SighupReloadsWithoutLosingOrRepeatingAndRefusesABadFile) {
  std::string config = WriteConfig();
  AppendLines(0, 1000);
  auto agent = StartAgent(config);
  ASSERT_TRUE(agent->started());
  EXPECT_EQ(WaitFor(1000).size(), 1000u);
  agent->Signal(SIGHUP);  // a good file: drain, re-read, go on
  AppendLines(1000, 2000);
  EXPECT_EQ(WaitFor(2000).size(), 2000u);
  std::ofstream(config, std::ios::app) << "bogus_key: 1\n";
  agent->Signal(SIGHUP);  // a bad file: refused, the running configuration stays
  AppendLines(2000, 3000);
  std::vector<std::string> got = WaitFor(3000);
  EXPECT_TRUE(agent->Running());
  EXPECT_EQ(agent->Stop(SIGINT), 0);
  EXPECT_EQ(got.size(), 3000u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), Expected(3000));
}

TEST_F(RunIntegrationTest, KillNineLosesNothing) {
  std::string config = WriteConfig();
  AppendLines(0, 20000);
  auto agent = StartAgent(config);
  ASSERT_TRUE(agent->started());
  WaitFor(1);  // killed while it is shipping
  agent->Stop(SIGKILL);
  AppendLines(20000, 21000);
  agent = StartAgent(config);
  std::vector<std::string> got = WaitFor(21000);
  EXPECT_EQ(agent->Stop(SIGINT), 0);
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique, Expected(21000));
  EXPECT_LE(got.size(), 21000u + 20000u);  // at-least-once: repeats bounded by what was read
}

// Issue 5's case: QoS 1 messages published to mosquitto arrive in Kinesis once each,
// partitioned by their device_id, including those published while the agent is stopped (the
// broker keeps them for the persistent session).
TEST_F(RunIntegrationTest, MqttQos1MessagesArriveOnceEachAcrossARestart) {
  std::string broker = testing::RequireEnv("KEDGE_TEST_MQTT_BROKER");
  ASSERT_FALSE(broker.empty());
  size_t colon = broker.rfind(':');
  std::string port = broker.substr(colon + 1);
  std::string topic = "sensors/" + stream_;
  std::string path = dir_ + "/mqtt.yaml";
  std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                      << "http:\n  enabled: false\n"
                      << "sinks:\n  - name: telemetry\n    type: kinesis\n    stream: " << stream_
                      << "\n    endpoint: " << proxy_->Url() << "\n    protocol: json\n"
                      << "sources:\n  - name: sensors\n    type: mqtt\n    broker: " << broker
                      << "\n    topics: [\"" << topic << "/#\"]\n    qos: 1\n"
                      << "    partition_key_field: device_id\n    sink: telemetry\n";
  auto publish = [&](const std::vector<std::string>& lines) {
    std::string input;
    for (const auto& l : lines) input += l + "\n";
    auto r = testing::RunProcess({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q",
                                  "1", "-t", topic + "/readings", "-l"},
                                 {}, input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  auto readings = [](int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) {
      out.push_back("{\"device_id\":\"dev-" + std::to_string(i % 40) + "\",\"seq\":" +
                    std::to_string(i) + ",\"temp\":21.5}");
    }
    return out;
  };
  auto agent = StartAgent(path);
  ASSERT_TRUE(agent->started());
  // The subscription is live once a probe comes through (bounded: 60 s).
  bool live = false;
  for (int i = 0; i < 300 && !live; ++i) {
    publish({"{\"device_id\":\"probe\",\"seq\":-1}"});
    for (const auto& d : Arrived()) live = live || d.find("probe") != std::string::npos;
  }
  ASSERT_TRUE(live) << "the agent never received a message";
  publish(readings(0, 2500));
  auto real = [&] {
    std::vector<std::string> out;
    for (auto& d : Arrived()) {
      if (d.find("probe") == std::string::npos) out.push_back(d);
    }
    return out;
  };
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (real().size() < 2500 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(agent->Stop(SIGINT), 0);

  publish(readings(2500, 5000));  // the agent is down: the broker keeps them
  agent = StartAgent(path);
  give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<std::string> got;
  while ((got = real()).size() < 5000 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(agent->Stop(SIGINT), 0);
  std::vector<std::string> want = readings(0, 5000);
  EXPECT_EQ(std::multiset<std::string>(got.begin(), got.end()),
            std::multiset<std::string>(want.begin(), want.end()));
  // Partitioned by device_id: check each user record's key.
  size_t checked = 0;
  for (const auto& u : reader_->ReadRecords(stream_)) {
    size_t at = u.data.find("\"device_id\":\"");
    ASSERT_NE(at, std::string::npos);
    std::string id = u.data.substr(at + 13, u.data.find('"', at + 13) - at - 13);
    EXPECT_EQ(u.partition_key, id);
    ++checked;
  }
  EXPECT_GE(checked, 5000u);
}

TEST_F(RunIntegrationTest, BadConfigIsRefusedWithFileLineAndKey) {
  std::string path = dir_ + "/bad.yaml";
  std::ofstream(path) << "sinks:\n  - name: logs\n    type: kinesis\n    strem: typo\n"
                      << "sources:\n  - name: app\n    type: file\n    path: /tmp/x\n"
                      << "    sink: nowhere\n";
  auto result = testing::RunProcess({testing::BinaryPath("agent/kedge"), "run", "--config", path});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr(path + ":4:"));
  EXPECT_THAT(result.err, HasSubstr("strem"));
  EXPECT_THAT(result.err, HasSubstr("nowhere"));
  EXPECT_THAT(result.err, HasSubstr("nothing was started"));
}

}  // namespace
}  // namespace kedge
