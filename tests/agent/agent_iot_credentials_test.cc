// `aws.iot_credentials` end to end: the agent fetches temporary credentials from an AWS IoT
// credentials endpoint over mutual TLS (the device certificate) and signs its PutRecords with
// them, session token included; a Kinesis endpoint checks every signature as the service does.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/agent.h"
#include "agent/config/config_validate.h"
#include "agent/sources/file/file_system.h"
#include "platform/aws/sigv4_verifier.h"
#include "platform/aws/time_format.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

namespace fs = std::filesystem;
using aws::FormatIso8601;
using json = nlohmann::json;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;
using testing::TestHttpServerOptions;
using testing::TestPki;

class AgentIotCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok());
    dir_ = testing::MakeTempDir("kedge-agent-iot");
    iot_ = std::make_unique<TestHttpServer>(
        [this](const TestHttpRequest& r) { return AnswerIot(r); },
        TestHttpServerOptions::Tls(pki_.server(), pki_.ca_file()));
    ASSERT_TRUE(iot_->Start().ok());
    kinesis_ = std::make_unique<TestHttpServer>(
        [this](const TestHttpRequest& r) { return AnswerKinesis(r); });
    ASSERT_TRUE(kinesis_->Start().ok());
  }
  void TearDown() override {
    if (thread_.joinable()) {
      agent_->RequestStop();
      thread_.join();
    }
    kinesis_->Stop();
    iot_->Stop();
    fs::remove_all(dir_);
  }

  // The IoT credentials endpoint: credentials that expire in an hour.
  TestHttpResponse AnswerIot(const TestHttpRequest&) {
    TestHttpResponse response;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = json{{"credentials",
                          {{"accessKeyId", "ASIAIOTDEVICE"},
                           {"secretAccessKey", "iot-secret"},
                           {"sessionToken", "iot-session-token"},
                           {"expiration", FormatIso8601(clock_.WallNow() + std::chrono::hours(1))}}}}
                        .dump();
    return response;
  }

  // Kinesis with one shard; requests whose signature does not verify are refused and counted.
  TestHttpResponse AnswerKinesis(const TestHttpRequest& r) {
    aws::IncomingRequest in{r.method, r.path, {}, {}, r.body};
    for (const auto& [name, value] : r.headers) in.headers.emplace_back(name, value);
    aws::ApiError error;
    std::optional<aws::VerifiedIdentity> who = verifier_.Verify(in, &error);
    TestHttpResponse out;
    if (!who || r.Header("x-amz-security-token") != "iot-session-token") {
      ++refused_;
      out.status = 403;
      out.body = json{{"__type", "UnrecognizedClientException"}, {"message", error.message}}.dump();
      return out;
    }
    json body = json::parse(r.body, nullptr, false);
    std::string target(r.Header("x-amz-target"));
    if (target == "Kinesis_20131202.ListShards") {
      out.body = json{{"Shards",
                       {{{"ShardId", "shardId-000000000000"},
                         {"HashKeyRange",
                          {{"StartingHashKey", "0"},
                           {"EndingHashKey", "340282366920938463463374607431768211455"}}},
                         {"SequenceNumberRange", {{"StartingSequenceNumber", "1"}}}}}}}
                     .dump();
    } else if (target == "Kinesis_20131202.PutRecords" && body.contains("Records")) {
      json records = json::array();
      for (size_t i = 0; i < body["Records"].size(); ++i) {
        records.push_back({{"SequenceNumber", std::to_string(++sequence_)},
                           {"ShardId", "shardId-000000000000"}});
      }
      out.body = json{{"FailedRecordCount", 0}, {"Records", records}}.dump();
      ++signed_puts_;
    } else {
      out.status = 400;
      out.body = json{{"__type", "InvalidArgumentException"}, {"message", target}}.dump();
    }
    out.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    return out;
  }

  std::string WriteConfig() {
    std::ofstream(dir_ + "/app.log") << "first line\nsecond line\n";
    std::string path = dir_ + "/kedge.yaml";
    std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                        << "device_id: pi-17\n"
                        << "aws:\n"
                        << "  iot_credentials:\n"
                        << "    endpoint: " << iot_->Url("") << "\n"
                        << "    role_alias: kedge-role\n"
                        << "    cert_file: " << pki_.client().cert_file << "\n"
                        << "    key_file: " << pki_.client().key_file << "\n"
                        << "    ca_file: " << pki_.ca_file() << "\n"
                        << "sinks:\n"
                        << "  - name: logs\n"
                        << "    type: kinesis\n"
                        << "    stream: edge-logs\n"
                        << "    region: us-east-1\n"
                        << "    protocol: json\n"
                        << "    endpoint: " << kinesis_->Url("") << "\n"
                        << "sources:\n"
                        << "  - name: app\n"
                        << "    type: file\n"
                        << "    path: " << dir_ << "/app.log\n"
                        << "    sink: logs\n";
    return path;
  }

  const TestPki& pki_ = TestPki::Shared();
  Clock& clock_ = Clock::Real();
  aws::SigV4Verifier verifier_{[](std::string_view key) -> std::optional<std::string> {
                                 if (key == "ASIAIOTDEVICE") return std::string("iot-secret");
                                 return std::nullopt;
                               },
                               Clock::Real()};
  std::string dir_;
  std::unique_ptr<TestHttpServer> iot_;
  std::unique_ptr<TestHttpServer> kinesis_;
  std::atomic<int> refused_{0};
  std::atomic<int> signed_puts_{0};
  std::atomic<int> sequence_{0};
  MetricsRegistry metrics_;
  std::unique_ptr<Agent> agent_;
  std::thread thread_;
};

TEST_F(AgentIotCredentialsTest, SignsPutRecordsWithCredentialsFromTheIotProviderOverMutualTls) {
  ConfigErrors errors(WriteConfig());
  StatusOr<AgentConfig> config =
      LoadConfigFile(errors.file(), Env::Default(), FileSystem::Default(), &errors);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  // No AWS keys in the environment of this test can be what signs: the endpoint knows only the
  // IoT provider's key.
  auto agent = Agent::Create(*config, Env::Default(), clock_, metrics_, AgentOptions{});
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  agent_ = std::move(*agent);
  thread_ = std::thread([this] { (void)agent_->Run(); });

  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (signed_puts_ == 0 && refused_ == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(refused_, 0);
  EXPECT_GE(signed_puts_, 1);
  std::vector<TestHttpRequest> iot_requests = iot_->requests();
  ASSERT_GE(iot_requests.size(), 1u);
  EXPECT_EQ(iot_requests[0].path, "/role-aliases/kedge-role/credentials");
  EXPECT_EQ(iot_requests[0].Header("x-amzn-iot-thingname"), "pi-17");  // the device_id
  EXPECT_EQ(iot_->tls_handshake_failures(), 0);
}

TEST(AwsConfigTest, IotCredentialsWithoutTheirRequiredKeysAreRefusedWithLines) {
  std::string dir = testing::MakeTempDir("kedge-aws-config");
  std::string path = dir + "/kedge.yaml";
  std::ofstream(path) << "aws:\n"
                         "  iot_credentials:\n"
                         "    endpoint: abc.credentials.iot.us-east-1.amazonaws.com\n"
                         "    cert_file: " << dir << "/missing.pem\n"
                         "    colour: blue\n"
                         "sinks:\n"
                         "  - {name: out, type: file, path: " << dir << "/out.jsonl}\n"
                         "sources:\n"
                         "  - {name: in, type: stdin, sink: out}\n";
  ConfigErrors errors(path);
  StatusOr<AgentConfig> config =
      LoadConfigFile(path, Env::Default(), FileSystem::Default(), &errors);
  ASSERT_FALSE(config.ok());
  std::string message = config.status().message();
  EXPECT_NE(message.find(path + ":5: aws.iot_credentials.colour"), std::string::npos) << message;
  EXPECT_NE(message.find("aws.iot_credentials.role_alias: is required"), std::string::npos)
      << message;
  EXPECT_NE(message.find("aws.iot_credentials.key_file: is required"), std::string::npos)
      << message;
  EXPECT_NE(message.find(path + ":4: aws.iot_credentials.cert_file: cannot be read"),
            std::string::npos)
      << message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kedge::agent
