// Secrets never leave in the clear: `kedge put`, `kedge run` and `kedge-ingest` run with known
// secret values (AWS secret key, session token, MQTT password, a private key's contents)
// through normal and failing paths, with debug logging; stderr, the logs, /status, /metrics and
// the status page must not contain any of them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "platform/aws/sigv4.h"
#include "platform/net/http_client.h"
#include "tests/faults/fault_proxy.h"
#include "tests/faults/fault_test_util.h"
#include "tests/faults/kinesis_reader.h"
#include "tests/integration/kinesis_test_proxy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"

namespace kedge {
namespace {

using testing::Fault;
using testing::FaultKind;
using testing::FaultProxy;

constexpr char kSessionToken[] = "FQoGZXIvYXdzSESSIONtokenSECRET7781";
constexpr char kWrongSecret[] = "wrong-secret-SECRET-4412";
constexpr char kMqttPassword[] = "mqtt-pw-SECRET-5581";

// Fails the test for every secret found in `text`, naming where it was seen.
void ExpectNoSecret(const std::string& text, const std::string& where) {
  for (const char* secret : {testing::kTestSecretKey, kSessionToken, kWrongSecret, kMqttPassword}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " appears in " << where;
  }
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = testing::RequireEnv("KEDGE_TEST_KINESIS_ENDPOINT");
    ASSERT_FALSE(upstream_.empty());
    dir_ = testing::MakeTempDir("kedge-secrets");
    proxy_ = std::make_unique<FaultProxy>(upstream_);
    ASSERT_TRUE(proxy_->Start().ok());
    reader_ = std::make_unique<testing::KinesisReader>(upstream_);
    stream_ = testing::UniqueStreamName("secrets");
    ASSERT_TRUE(reader_->CreateStream(stream_, 1));
  }

  std::map<std::string, std::string> Env(const std::string& secret) const {
    return {{"AWS_ACCESS_KEY_ID", testing::kTestAccessKeyId},
            {"AWS_SECRET_ACCESS_KEY", secret},
            {"AWS_SESSION_TOKEN", kSessionToken},
            {"AWS_PROFILE", "\x01unset"},
            {"AWS_REGION", "us-east-1"},
            {"KEDGE_LOG_LEVEL", "debug"},
            {"HOME", dir_}};
  }

  std::string upstream_, dir_, stream_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<testing::KinesisReader> reader_;
};

TEST_F(SecretsTest, KedgePutShowsNoSecretWhenItWorksThroughFaultsOrIsRefused) {
  proxy_->SetPlan({Fault{FaultKind::kThrottle}, Fault{}, Fault{}, Fault{FaultKind::kStatus500},
                   Fault{}, Fault{}});
  std::string input;
  for (int i = 0; i < 2000; ++i) input += "line " + std::to_string(i) + "\n";
  auto ok = testing::RunProcess({testing::BinaryPath("agent/kedge"), "put", "--stream", stream_,
                                 "--endpoint", proxy_->Url(), "--no-aggregation",
                                 "--rate-limit", "0", "-"},
                                Env(testing::kTestSecretKey), input);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_GE(proxy_->injected_total(), 2);
  ExpectNoSecret(ok.out + ok.err, "kedge put's output (through faults)");

  auto refused = testing::RunProcess({testing::BinaryPath("agent/kedge"), "put", "--stream",
                                      stream_, "--endpoint", proxy_->Url(), "-"},
                                     Env(kWrongSecret), input);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_THAT(refused.err, ::testing::HasSubstr("InvalidSignatureException")) << refused.err;
  ExpectNoSecret(refused.out + refused.err, "kedge put's output (refused signature)");
}

// `kedge run` with an MQTT source that logs in with a password (mosquitto with a password
// file), a Kinesis sink through faults, and the status server on.
TEST_F(SecretsTest, KedgeRunShowsNoSecretInLogsStatusOrMetrics) {
  if (::access("/usr/sbin/mosquitto", X_OK) != 0) GTEST_SKIP() << "mosquitto is not installed";
  int mqtt_port = testing::FreeLoopbackPort();
  auto made = testing::RunProcess({"/usr/bin/mosquitto_passwd", "-b", "-c", dir_ + "/passwd",
                                   "kedge", kMqttPassword});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::ofstream(dir_ + "/mosquitto.conf")
      << "user root\npersistence false\nlistener " << mqtt_port << " 127.0.0.1\n"
      << "allow_anonymous false\npassword_file " << dir_ << "/passwd\n";
  testing::BackgroundProcess broker({"/usr/sbin/mosquitto", "-c", dir_ + "/mosquitto.conf"}, {},
                                    dir_ + "/mosquitto.log");
  ASSERT_TRUE(testing::WaitForPort(mqtt_port));
  proxy_->SetPlan({Fault{FaultKind::kStatus503}, Fault{FaultKind::kPartialFailure, {}, 2},
                   Fault{}});
  int http_port = testing::FreeLoopbackPort();
  auto write_config = [&](const std::string& password) {
    std::ofstream(dir_ + "/kedge.yaml")
        << "state_dir: " << dir_ << "/state\nhttp:\n  listen: 127.0.0.1:" << http_port << "\n"
        << "sinks:\n  - name: k\n    type: kinesis\n    stream: " << stream_
        << "\n    endpoint: " << proxy_->Url() << "\n    protocol: json\n"
        << "sources:\n  - name: broker\n    type: mqtt\n    broker: tcp://127.0.0.1:" << mqtt_port
        << "\n    topics: [\"s/#\"]\n    username: kedge\n    password: " << password
        << "\n    sink: k\n";
  };
  write_config(kMqttPassword);
  testing::BackgroundProcess agent(
      {testing::BinaryPath("agent/kedge"), "run", "--config", dir_ + "/kedge.yaml"},
      Env(testing::kTestSecretKey), dir_ + "/agent.log");
  ASSERT_TRUE(testing::WaitForPort(http_port)) << testing::ReadFileText(dir_ + "/agent.log");
  auto publish = [&](const std::string& m) {
    testing::RunProcess({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
                         std::to_string(mqtt_port), "-u", "kedge", "-P", kMqttPassword, "-q",
                         "1", "-t", "s/x", "-m", m});
  };
  bool arrived = testing::PollFor(
      [&] {
        publish("secret-test-message");
        std::vector<std::string> got = reader_->ReadAll(stream_);
        return std::find(got.begin(), got.end(), "secret-test-message") != got.end();
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(arrived) << testing::ReadFileText(dir_ + "/agent.log");
  for (const char* path : {"/status", "/metrics", "/"}) {
    std::string body = testing::HttpGetBody(http_port, path);
    EXPECT_FALSE(body.empty()) << path;
    ExpectNoSecret(body, path);
  }
  // A wrong password: the broker refuses, the agent logs it (and keeps running).
  write_config(kWrongSecret);
  agent.Signal(SIGHUP);
  bool refused_logged = testing::PollFor(
      [&] {
        std::string log = testing::ReadFileText(dir_ + "/agent.log");
        return log.find("not authorized") != std::string::npos ||
               log.find("refused") != std::string::npos ||
               log.find("bad user name or password") != std::string::npos;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(refused_logged) << testing::ReadFileText(dir_ + "/agent.log");
  ExpectNoSecret(testing::HttpGetBody(http_port, "/status"), "/status after the refusal");
  EXPECT_EQ(agent.Stop(SIGTERM), 0);
  ExpectNoSecret(testing::ReadFileText(dir_ + "/agent.log"), "kedge run's log");
  auto check = testing::RunProcess(
      {testing::BinaryPath("agent/kedge"), "check-config", "--config", dir_ + "/kedge.yaml"});
  ExpectNoSecret(check.out + check.err, "kedge check-config");
}

// kedge-ingest with credentials: its log shows no secret, whether requests are signed right,
// with the wrong secret, or carry a session token.
TEST_F(SecretsTest, KedgeIngestShowsNoSecretWhenRequestsAreSignedRightOrWrong) {
  int port = testing::FreeLoopbackPort();
  testing::BackgroundProcess ingest(
      {testing::BinaryPath("ingest/kedge-ingest"), "--listen",
       "127.0.0.1:" + std::to_string(port), "--data-dir", dir_ + "/ingest", "--access-key",
       testing::kTestAccessKeyId, "--secret-key", testing::kTestSecretKey},
      {{"KEDGE_LOG_LEVEL", "debug"}}, dir_ + "/ingest.log");
  ASSERT_TRUE(testing::WaitForPort(port)) << testing::ReadFileText(dir_ + "/ingest.log");
  auto http = net::NewCurlHttpClient({});
  std::set<int> statuses;
  for (const char* secret : {testing::kTestSecretKey, kWrongSecret}) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    request.body = nlohmann::json{{"StreamName", "s"}, {"ShardCount", 1}}.dump();
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "Kinesis_20131202.CreateStream"}};
    aws::SigningParams params;
    params.service = "kinesis";
    params.region = "us-east-1";
    params.time = Clock::Real().WallNow();
    ASSERT_TRUE(aws::SignRequest(&request,
                                 aws::Credentials{testing::kTestAccessKeyId, secret,
                                                  kSessionToken, std::nullopt},
                                 params)
                    .ok());
    auto response = http->Send(std::move(request));
    ASSERT_TRUE(response.ok()) << response.status().message();
    statuses.insert(response->status);
    ExpectNoSecret(response->body, "kedge-ingest's answer");
  }
  EXPECT_EQ(statuses, (std::set<int>{200, 403}));
  ingest.Stop(SIGTERM);
  ExpectNoSecret(testing::ReadFileText(dir_ + "/ingest.log"), "kedge-ingest's log");
}

}  // namespace
}  // namespace kedge
