// `kedge put` and `kedge run` against kinesalite through the FaultProxy: every scripted fault
// (latency, resets before and after the request reached the stream, 500, 503, throttling,
// partial PutRecords failures, an endpoint whose clock is 20 minutes away) must end with every
// record in the stream, and repeats only where an answer was lost.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "kpl/aggregated_record.h"
#include "tests/faults/fault_proxy.h"
#include "tests/faults/kinesis_reader.h"
#include "tests/integration/kinesis_test_proxy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"

namespace kedge {
namespace {

using ::testing::HasSubstr;
using testing::Fault;
using testing::FaultKind;
using testing::FaultProxy;

std::vector<std::string> Lines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    out.push_back("{\"device\":\"dev-" + std::to_string(i % 29) + "\",\"seq\":" +
                  std::to_string(i) + ",\"payload\":\"reading from the edge\"}");
  }
  return out;
}

// What a fault test checks at the end: nothing lost, and every repeat accounted for by an
// answer the proxy deliberately lost (kResetAfter).
void ExpectAllOnceOrLostAnswerRepeats(const std::vector<std::string>& got,
                                      const std::vector<std::string>& want,
                                      const FaultProxy& proxy) {
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique, std::set<std::string>(want.begin(), want.end()));
  size_t may_repeat = 0;
  for (const auto& r : proxy.lost_answer_records()) {
    may_repeat += kpl::Deaggregate(r.data, r.partition_key, "").size();
  }
  EXPECT_LE(got.size() - unique.size(), may_repeat)
      << "repeats beyond the records whose answer was lost";
  std::map<std::string, int> times;
  for (const auto& g : got) ++times[g];
  for (const auto& [data, n] : times) {
    if (may_repeat == 0) {
      EXPECT_EQ(n, 1) << data;
    }
  }
}

class KinesisFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = testing::RequireEnv("KEDGE_TEST_KINESIS_ENDPOINT");
    ASSERT_FALSE(upstream_.empty());
    reader_ = std::make_unique<testing::KinesisReader>(upstream_);
    proxy_ = std::make_unique<FaultProxy>(upstream_);
    ASSERT_TRUE(proxy_->Start().ok());
    dir_ = testing::MakeTempDir("kedge-faults");
    stream_ = testing::UniqueStreamName("faults");
    ASSERT_TRUE(reader_->CreateStream(stream_, 2));
  }

  std::map<std::string, std::string> Env() const {
    return {{"AWS_ACCESS_KEY_ID", testing::kTestAccessKeyId},
            {"AWS_SECRET_ACCESS_KEY", testing::kTestSecretKey},
            {"AWS_SESSION_TOKEN", "\x01unset"},
            {"AWS_PROFILE", "\x01unset"},
            {"AWS_REGION", "us-east-1"},
            {"HOME", dir_}};
  }

  testing::ProcessResult Put(const std::vector<std::string>& lines,
                             std::vector<std::string> extra = {},
                             std::map<std::string, std::string> more_env = {}) {
    std::string input;
    for (const auto& l : lines) input += l + "\n";
    std::vector<std::string> args = {testing::BinaryPath("agent/kedge"), "put", "--stream",
                                     stream_, "--endpoint", proxy_->Url(),
                                     "--partition-key-field", "device", "--rate-limit", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("-");
    std::map<std::string, std::string> env = Env();
    env.insert(more_env.begin(), more_env.end());
    return testing::RunProcess(args, env, input);
  }

  std::string upstream_, dir_, stream_;
  std::unique_ptr<testing::KinesisReader> reader_;
  std::unique_ptr<FaultProxy> proxy_;
};

struct PutFaultCase {
  const char* name;
  Fault fault;
  bool aggregate;
};

class KedgePutFaultTest : public KinesisFaultTest,
                          public ::testing::WithParamInterface<PutFaultCase> {};

TEST_P(KedgePutFaultTest, DeliversEveryRecordThroughTheFault) {
  const PutFaultCase& c = GetParam();
  // One PutRecords in three draws the fault, so retries get through.
  proxy_->SetPlan({c.fault, Fault{}, Fault{}});
  std::vector<std::string> lines = Lines(0, 3000);
  auto result = Put(lines, c.aggregate ? std::vector<std::string>{}
                                       : std::vector<std::string>{"--no-aggregation"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("3000 records"));
  EXPECT_GE(proxy_->injected(c.fault.kind), 1) << "the fault was never drawn";
  EXPECT_EQ(proxy_->rejected(), 0);
  if (c.fault.kind == FaultKind::kPartialFailure) {
    EXPECT_GT(proxy_->records_failed(), 0);
  }
  ExpectAllOnceOrLostAnswerRepeats(reader_->ReadAll(stream_), lines, *proxy_);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, KedgePutFaultTest,
    ::testing::Values(
        PutFaultCase{"Latency", Fault{FaultKind::kDelay, std::chrono::milliseconds(400)}, true},
        PutFaultCase{"ResetBeforeForwarding", Fault{FaultKind::kResetBefore}, true},
        PutFaultCase{"ResetAfterForwarding", Fault{FaultKind::kResetAfter}, true},
        PutFaultCase{"Status500", Fault{FaultKind::kStatus500}, true},
        PutFaultCase{"Status503", Fault{FaultKind::kStatus503}, true},
        PutFaultCase{"Throttled", Fault{FaultKind::kThrottle}, true},
        PutFaultCase{"PartialFailureAggregated", Fault{FaultKind::kPartialFailure, {}, 2}, true},
        PutFaultCase{"PartialFailurePerRecord", Fault{FaultKind::kPartialFailure, {}, 3}, false},
        PutFaultCase{"ResetAfterForwardingPerRecord", Fault{FaultKind::kResetAfter}, false}),
    [](const ::testing::TestParamInfo<PutFaultCase>& info) { return info.param.name; });

// The endpoint's clock is 20 minutes ahead (or behind): AWS answers "Signature expired" (or
// RequestExpired) with its own Date, and kedge must sign with that time from then on.
TEST_F(KinesisFaultTest, KedgePutLearnsTheEndpointsClockWhenItIsTwentyMinutesAhead) {
  proxy_->SetClockSkew(std::chrono::minutes(20));
  std::vector<std::string> lines = Lines(0, 2000);
  auto result = Put(lines, {}, {{"KEDGE_LOG_LEVEL", "warn"}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GE(proxy_->skew_rejections(), 1);
  EXPECT_LE(proxy_->skew_rejections(), 4) << "the offset must be learnt at once";
  EXPECT_THAT(result.err, HasSubstr("clock"));
  ExpectAllOnceOrLostAnswerRepeats(reader_->ReadAll(stream_), lines, *proxy_);
}

TEST_F(KinesisFaultTest, KedgePutLearnsTheEndpointsClockFromRequestExpiredWhenItIsBehind) {
  proxy_->SetClockSkew(-std::chrono::minutes(20), "RequestExpired");
  std::vector<std::string> lines = Lines(0, 2000);
  // JSON: kinesalite 3.3 truncates CBOR answers at 16 KiB (PutRecords of 500 plain records).
  auto result = Put(lines);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GE(proxy_->skew_rejections(), 1);
  EXPECT_LE(proxy_->skew_rejections(), 4);
  ExpectAllOnceOrLostAnswerRepeats(reader_->ReadAll(stream_), lines, *proxy_);
}

class KedgeRunFaultTest : public KinesisFaultTest {
 protected:
  std::string WriteConfig() {
    std::string path = dir_ + "/kedge.yaml";
    std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                        << "http:\n  enabled: false\n"
                        << "sinks:\n  - name: logs\n    type: kinesis\n    stream: " << stream_
                        << "\n    endpoint: " << proxy_->Url() << "\n    protocol: json\n"
                        << "sources:\n  - name: app\n    type: file\n    path: " << dir_
                        << "/app.log\n    sink: logs\n";
    return path;
  }
  void Append(const std::vector<std::string>& lines) {
    std::ofstream f(dir_ + "/app.log", std::ios::app);
    for (const auto& l : lines) f << l << "\n";
  }
  std::unique_ptr<testing::BackgroundProcess> StartAgent() {
    return std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{testing::BinaryPath("agent/kedge"), "run", "--config",
                                 WriteConfig()},
        Env(), dir_ + "/agent.log");
  }
};

TEST_F(KedgeRunFaultTest, ShipsEveryLineThroughACycleOfEveryFault) {
  proxy_->SetPlan({Fault{FaultKind::kThrottle}, Fault{}, Fault{FaultKind::kStatus500},
                   Fault{FaultKind::kPartialFailure, {}, 2}, Fault{FaultKind::kResetAfter},
                   Fault{FaultKind::kStatus503}, Fault{FaultKind::kResetBefore},
                   Fault{FaultKind::kDelay, std::chrono::milliseconds(300)}, Fault{}});
  Append(Lines(0, 4000));
  auto agent = StartAgent();
  ASSERT_TRUE(agent->started());
  reader_->WaitForDistinct(stream_, 2000);
  Append(Lines(4000, 8000));  // more while the faults go on
  std::vector<std::string> got = reader_->WaitForDistinct(stream_, 8000);
  EXPECT_TRUE(agent->Running());
  EXPECT_EQ(agent->Stop(SIGTERM), 0);
  EXPECT_GE(proxy_->injected_total(), 8);
  ExpectAllOnceOrLostAnswerRepeats(got, Lines(0, 8000), *proxy_);
}

TEST_F(KedgeRunFaultTest, CorrectsItsClockWhenTheEndpointsClockJumpsTwentyMinutes) {
  Append(Lines(0, 1000));
  auto agent = StartAgent();
  ASSERT_TRUE(agent->started());
  reader_->WaitForDistinct(stream_, 1000);
  proxy_->SetClockSkew(std::chrono::minutes(20));
  Append(Lines(1000, 2000));
  reader_->WaitForDistinct(stream_, 2000);
  proxy_->SetClockSkew(-std::chrono::minutes(20), "RequestExpired");
  Append(Lines(2000, 3000));
  std::vector<std::string> got = reader_->WaitForDistinct(stream_, 3000);
  EXPECT_EQ(agent->Stop(SIGTERM), 0);
  EXPECT_GE(proxy_->skew_rejections(), 2);
  ExpectAllOnceOrLostAnswerRepeats(got, Lines(0, 3000), *proxy_);
  std::stringstream log;
  log << std::ifstream(dir_ + "/agent.log").rdbuf();
  EXPECT_THAT(log.str(), HasSubstr("clock")) << "the correction is logged";
}

}  // namespace
}  // namespace kedge
