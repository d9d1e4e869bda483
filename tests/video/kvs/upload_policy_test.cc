#include "video/kvs/upload_policy.h"

#include <gtest/gtest.h>

namespace kedge::video::kvs {
namespace {

TEST(UploadPolicyTest, TransientErrorsAreResent) {
  for (int id : {4000, 4003, 5000, 5001, 9999}) {
    EXPECT_EQ(ClassifyAckError(id), AckErrorAction::kResend) << id;
  }
}

TEST(UploadPolicyTest, RefusedFragmentsAreSkipped) {
  for (int id : {4001, 4002, 4004, 4005, 4006, 4007, 4009, 4010, 4011, 4012}) {
    EXPECT_EQ(ClassifyAckError(id), AckErrorAction::kSkipFragment) << id;
  }
}

TEST(UploadPolicyTest, StreamAndKmsProblemsKeepTheData) {
  for (int id : {4008, 4500, 4503, 4507}) {
    EXPECT_EQ(ClassifyAckError(id), AckErrorAction::kStreamProblem) << id;
  }
}

TEST(UploadPolicyTest, NamesErrorIdsAsTheServiceDoes) {
  EXPECT_EQ(AckErrorName(4006), "INVALID_MKV_DATA");
  EXPECT_EQ(AckErrorName(5001), "ARCHIVAL_ERROR");
  EXPECT_EQ(AckErrorName(1), "UNKNOWN_ERROR");
}

TEST(UploadPolicyTest, BackoffGrowsWithJitterUpToTheCap) {
  Backoff backoff(Millis(100), Millis(1000), 7);
  Millis ceilings[] = {Millis(100), Millis(200), Millis(400), Millis(800), Millis(1000),
                       Millis(1000)};
  for (Millis ceiling : ceilings) {
    Millis wait = backoff.Next();
    EXPECT_GE(wait, ceiling / 2);
    EXPECT_LE(wait, ceiling);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next(), Millis(100));
}

TEST(UploadPolicyTest, BackoffIsDeterministicForASeed) {
  Backoff a(Millis(100), Millis(100000), 42), b(Millis(100), Millis(100000), 42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace kedge::video::kvs
