#include "video/kvs/kvs_uploader.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "platform/aws/credential_providers.h"
#include "platform/aws/sigv4.h"
#include "platform/aws/time_format.h"
#include "tests/support/test_util.h"
#include "tests/video/kvs/fake_http_client.h"
#include "tests/video/kvs/kvs_testutil.h"

namespace kedge::video::kvs {
namespace {

using testing::FakeHttpClient;
using testing::JsonResponse;
using testing::TestFragment;

std::string AckLine(const std::string& type, int64_t timecode, int error_id = 0) {
  std::string line = "{\"EventType\":\"" + type + "\",\"FragmentTimecode\":" +
                     std::to_string(timecode) + ",\"FragmentNumber\":\"1\"";
  if (error_id != 0) line += ",\"ErrorId\":" + std::to_string(error_id);
  return line + "}\n";
}

int CountOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

const std::string kEbmlId("\x1A\x45\xDF\xA3", 4);

class KvsUploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FragmentStore::Options store_options;
    store_options.dir = kedge::testing::MakeTempDir("kvs-uploader");
    store_options.max_age = Millis(0);
    store_ = *FragmentStore::Open(store_options, env_, clock_);
    http_.responder = [this](const FakeHttpClient::Request& r) { return Answer(r); };
    options_.stream_name = "cam1";
    options_.region = "us-east-1";
    options_.control_endpoint = "http://control.test";
    options_.jitter_seed = 3;
  }

  std::optional<net::HttpResponse> Answer(const FakeHttpClient::Request& r) {
    if (r.path == "/describeStream") {
      if (!exists_) {
        return JsonResponse(404, "{\"message\":\"stream cam1 not found\"}",
                            "ResourceNotFoundException");
      }
      return JsonResponse(200, "{\"StreamInfo\":{\"StreamName\":\"cam1\",\"Status\":\"ACTIVE\","
                               "\"DataRetentionInHours\":" +
                                   std::to_string(retention_) + "}}");
    }
    if (r.path == "/createStream") {
      exists_ = true;
      return JsonResponse(200, "{\"StreamARN\":\"arn:aws:kinesisvideo:us-east-1:1:stream/cam1/1\"}");
    }
    if (r.path == "/getDataEndpoint") {
      return JsonResponse(200, "{\"DataEndpoint\":\"http://data.test\"}");
    }
    return std::nullopt;
  }

  void Make() {
    uploader_ = std::make_unique<KvsUploader>(
        options_, http_, credentials_, *store_, clock_,
        [this](const FragmentOutcome& o) { outcomes_.push_back(o); });
  }
  void Run() {
    for (int i = 0; i < 4; ++i) {
      http_.Poll(Millis(0));
      uploader_->Tick();
    }
  }
  void Append(const TestFragment& f) { ASSERT_TRUE(store_->Append(f.meta, f.payload).ok()); }
  FakeHttpClient::Request* PutMedia() { return http_.Find("/putMedia"); }
  // Finishes the open PutMedia with `result` and lets the backoff pass.
  void EndSession(StatusOr<net::HttpResponse> result) {
    http_.Finish(PutMedia()->id, std::move(result));
    Run();
    clock_.Advance(options_.backoff_max);
    Run();
  }

  FakeClock clock_;
  FakeEnv env_;
  aws::StaticCredentialsProvider credentials_{aws::Credentials{"AKIDEXAMPLE", "SECRET", "", {}}};
  std::unique_ptr<FragmentStore> store_;
  FakeHttpClient http_;
  KvsUploaderOptions options_;
  std::unique_ptr<KvsUploader> uploader_;
  std::vector<FragmentOutcome> outcomes_;
  bool exists_ = true;
  int retention_ = 24;
};

TEST_F(KvsUploaderTest, StreamsStoredFragmentsAndReleasesThemOnPersisted) {
  std::vector<TestFragment> fragments = testing::MakeFragments(3, clock_);
  for (const TestFragment& f : fragments) Append(f);
  Make();
  Run();
  FakeHttpClient::Request* put = PutMedia();
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->request.url, "http://data.test/putMedia");
  auto header = [&](const std::string& name) -> std::string {
    for (const auto& [n, v] : put->request.headers) {
      if (n == name) return v;
    }
    return "";
  };
  EXPECT_EQ(header("x-amzn-stream-name"), "cam1");
  EXPECT_EQ(header("x-amzn-fragment-timecode-type"), "ABSOLUTE");
  EXPECT_EQ(header("x-amzn-producer-start-timestamp"),
            FormatProducerStartTimestamp(fragments[0].meta.timecode_ms));
  EXPECT_NE(header("Authorization").find("/kinesisvideo/aws4_request"), std::string::npos);
  std::string body = http_.PullBody(put->id);
  EXPECT_EQ(body.compare(0, fragments[0].header_size, fragments[0].payload, 0,
                         fragments[0].header_size),
            0);
  EXPECT_EQ(CountOf(body, kEbmlId), 1) << "one EBML header per session";
  for (const TestFragment& f : fragments) {
    EXPECT_NE(body.find(f.payload.substr(f.header_size)), std::string::npos);
  }
  EXPECT_TRUE(put->paused) << "waits for more fragments";
  for (const TestFragment& f : fragments) {
    http_.SendBody(put->id, AckLine("BUFFERING", f.meta.timecode_ms) +
                                AckLine("RECEIVED", f.meta.timecode_ms) +
                                AckLine("PERSISTED", f.meta.timecode_ms));
  }
  EXPECT_EQ(store_->stats().fragments, 0u);
  ASSERT_EQ(outcomes_.size(), 3u);
  EXPECT_EQ(outcomes_[2].timecode_ms, fragments[2].meta.timecode_ms);
  UploadStats stats = uploader_->stats();
  EXPECT_EQ(stats.fragments_sent, 3u);
  EXPECT_EQ(stats.fragments_persisted, 3u);
  EXPECT_EQ(stats.sessions, 1u);
  EXPECT_EQ(stats.acks, 9u);
  for (AckType type : {AckType::kBuffering, AckType::kReceived, AckType::kPersisted}) {
    EXPECT_EQ(stats.acks_by_type[static_cast<size_t>(type)], 3u) << AckTypeName(type);
  }
  EXPECT_EQ(stats.acks_by_type[static_cast<size_t>(AckType::kError)], 0u);
}

TEST_F(KvsUploaderTest, ResumesAPausedUploadWhenAFragmentArrives) {
  std::vector<TestFragment> fragments = testing::MakeFragments(2, clock_);
  Append(fragments[0]);
  Make();
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  http_.PullBody(PutMedia()->id);
  ASSERT_TRUE(PutMedia()->paused);
  Append(fragments[1]);
  uploader_->Tick();
  EXPECT_FALSE(PutMedia()->paused);
  std::string more = http_.PullBody(PutMedia()->id);
  EXPECT_EQ(more.find(kEbmlId), std::string::npos) << "no second header in one session";
  EXPECT_NE(more.find(fragments[1].payload.substr(fragments[1].header_size)), std::string::npos);
  EXPECT_EQ(http_.started("/putMedia"), 1);
}

TEST_F(KvsUploaderTest, ABacklogIsPacedToTheServicesFragmentsPerSecond) {
  // Twelve fragments wait (an outage's backlog): five go at once (a second's burst), then one
  // every 200 ms, as the service allows five fragments a second on a stream.
  std::vector<TestFragment> fragments = testing::MakeFragments(12, clock_);
  for (const TestFragment& f : fragments) Append(f);
  Make();
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  http_.PullBody(PutMedia()->id);
  Run();
  EXPECT_EQ(uploader_->stats().fragments_sent, 5u);
  EXPECT_TRUE(PutMedia()->paused);
  EXPECT_EQ(uploader_->NextDeadline(), clock_.Now() + Millis(200));
  clock_.Advance(Millis(199));
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_EQ(uploader_->stats().fragments_sent, 5u) << "not before the allowance is there";
  clock_.Advance(Millis(1));
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_EQ(uploader_->stats().fragments_sent, 6u);
  clock_.Advance(Millis(2000));
  Run();
  http_.PullBody(PutMedia()->id);
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_EQ(uploader_->stats().fragments_sent, 11u) << "two seconds later: a full burst again";
  EXPECT_GE(uploader_->stats().paced, 2u);
  EXPECT_EQ(http_.started("/putMedia"), 1) << "pacing keeps the one session";
}

TEST_F(KvsUploaderTest, ALargeBacklogIsPacedByBytesPerSecond) {
  options_.max_fragments_per_second = 0;  // bytes alone
  std::vector<TestFragment> fragments = testing::MakeFragments(4, clock_);
  for (const TestFragment& f : fragments) Append(f);
  options_.max_bytes_per_second = static_cast<double>(fragments[1].payload.size()) * 2.5;
  Make();
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  http_.PullBody(PutMedia()->id);
  Run();
  uint64_t first = uploader_->stats().fragments_sent;
  EXPECT_GE(first, 1u);
  EXPECT_LT(first, 4u) << "a second's bytes hold fewer than four fragments";
  clock_.Advance(Millis(2000));
  Run();
  http_.PullBody(PutMedia()->id);
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_GT(uploader_->stats().fragments_sent, first);
}

TEST_F(KvsUploaderTest, CreatesAMissingStreamWhenAllowed) {
  exists_ = false;
  options_.create_stream = true;
  options_.retention_hours = 7;
  Append(testing::MakeFragments(1, clock_)[0]);
  Make();
  Run();
  Run();
  EXPECT_EQ(http_.started("/createStream"), 1);
  EXPECT_NE(PutMedia(), nullptr);
  EXPECT_TRUE(uploader_->fatal_error().ok());
}

TEST_F(KvsUploaderTest, AMissingStreamIsFatalWhenCreationIsNotAllowed) {
  exists_ = false;
  Make();
  Run();
  EXPECT_EQ(uploader_->fatal_error().code(), StatusCode::kNotFound);
  EXPECT_NE(uploader_->fatal_error().message().find("--create"), std::string::npos);
  EXPECT_EQ(http_.started("/createStream"), 0);
}

TEST_F(KvsUploaderTest, ARefusedFragmentIsSkippedAndTheOthersAreResent) {
  std::vector<TestFragment> fragments = testing::MakeFragments(3, clock_);
  for (const TestFragment& f : fragments) Append(f);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  http_.SendBody(PutMedia()->id, AckLine("ERROR", fragments[1].meta.timecode_ms, 4006));
  Run();
  EXPECT_EQ(store_->stats().fragments, 2u);
  clock_.Advance(options_.backoff_max);
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  EXPECT_EQ(http_.started("/putMedia"), 2);
  std::string body = http_.PullBody(PutMedia()->id);
  EXPECT_EQ(CountOf(body, kEbmlId), 1);
  EXPECT_NE(body.find(fragments[0].payload.substr(fragments[0].header_size)), std::string::npos);
  EXPECT_EQ(body.find(fragments[1].payload.substr(fragments[1].header_size)), std::string::npos);
  EXPECT_NE(body.find(fragments[2].payload.substr(fragments[2].header_size)), std::string::npos);
  EXPECT_EQ(uploader_->stats().fragments_skipped, 1u);
  ASSERT_FALSE(outcomes_.empty());
  EXPECT_TRUE(outcomes_.back().skipped);
}

TEST_F(KvsUploaderTest, ATransientErrorResendsAndRepeatedOnesDropThePoisonFragment) {
  options_.poison_attempts = 3;
  std::vector<TestFragment> fragments = testing::MakeFragments(2, clock_);
  for (const TestFragment& f : fragments) Append(f);
  Make();
  Run();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_NE(PutMedia(), nullptr) << attempt;
    std::string body = http_.PullBody(PutMedia()->id);
    EXPECT_NE(body.find(fragments[0].payload.substr(fragments[0].header_size)),
              std::string::npos);
    http_.SendBody(PutMedia()->id, AckLine("ERROR", fragments[0].meta.timecode_ms, 5000));
    Run();
    clock_.Advance(options_.backoff_max);
    Run();
  }
  EXPECT_EQ(uploader_->stats().fragments_skipped, 1u);
  EXPECT_EQ(store_->stats().fragments, 1u);
  std::string body = http_.PullBody(PutMedia()->id);
  EXPECT_EQ(body.find(fragments[0].payload.substr(fragments[0].header_size)), std::string::npos);
}

TEST_F(KvsUploaderTest, NoAcknowledgementWithinTheTimeoutReconnectsAndResends) {
  options_.ack_timeout = Millis(5000);
  TestFragment f = testing::MakeFragments(1, clock_)[0];
  Append(f);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  clock_.Advance(Millis(4999));
  Run();
  EXPECT_EQ(http_.cancelled(), 0);
  clock_.Advance(Millis(2));
  Run();
  EXPECT_EQ(http_.cancelled(), 1);
  EXPECT_EQ(uploader_->stats().ack_timeouts, 1u);
  clock_.Advance(options_.backoff_max);
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  EXPECT_NE(http_.PullBody(PutMedia()->id).find(f.payload), std::string::npos);
}

TEST_F(KvsUploaderTest, ConnectionFailuresBackOffThenDescribeAgain) {
  Append(testing::MakeFragments(1, clock_)[0]);
  Make();
  Run();
  EXPECT_EQ(http_.started("/describeStream"), 1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(PutMedia(), nullptr);
    http_.Finish(PutMedia()->id, UnavailableError("connection refused"));
    Run();
    EXPECT_EQ(PutMedia(), nullptr) << "waits for the backoff";
    clock_.Advance(options_.backoff_max);
    Run();
  }
  EXPECT_EQ(http_.started("/describeStream"), 2);
  EXPECT_EQ(uploader_->stats().session_failures, 3u);
  EXPECT_NE(uploader_->stats().last_error.find("connection refused"), std::string::npos);
}

TEST_F(KvsUploaderTest, RotatesTheSessionBeforeItsMaximumDuration) {
  options_.max_session = Millis(60000);
  std::vector<TestFragment> fragments = testing::MakeFragments(2, clock_);
  Append(fragments[0]);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  http_.SendBody(PutMedia()->id, AckLine("PERSISTED", fragments[0].meta.timecode_ms));
  clock_.Advance(Millis(60000));
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_TRUE(PutMedia()->body_ended);
  EXPECT_EQ(uploader_->stats().rotations, 1u);
  net::HttpResponse ok;
  ok.status = 200;
  http_.Finish(PutMedia()->id, ok);
  Run();
  Append(fragments[1]);
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  EXPECT_EQ(http_.started("/putMedia"), 2);
  EXPECT_EQ(uploader_->stats().session_failures, 0u);
  EXPECT_EQ(CountOf(http_.PullBody(PutMedia()->id), kEbmlId), 1);
}

TEST_F(KvsUploaderTest, RotatesTheSessionBeforeTheCredentialsExpire) {
  aws::StaticCredentialsProvider expiring(aws::Credentials{
      "AKIDEXAMPLE", "SECRET", "TOKEN", clock_.WallNow() + std::chrono::minutes(5)});
  std::vector<TestFragment> fragments = testing::MakeFragments(1, clock_);
  Append(fragments[0]);
  uploader_ = std::make_unique<KvsUploader>(options_, http_, expiring, *store_, clock_);
  Run();
  http_.PullBody(PutMedia()->id);
  http_.SendBody(PutMedia()->id, AckLine("PERSISTED", fragments[0].meta.timecode_ms));
  clock_.Advance(std::chrono::minutes(3));
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_FALSE(PutMedia()->body_ended) << "more than a minute left";
  clock_.Advance(std::chrono::minutes(1) + Millis(1));
  Run();
  http_.PullBody(PutMedia()->id);
  EXPECT_TRUE(PutMedia()->body_ended);
  EXPECT_EQ(uploader_->stats().rotations, 1u);
}

TEST_F(KvsUploaderTest, ReleasesOnReceivedWhenTheStreamKeepsNoData) {
  retention_ = 0;
  TestFragment f = testing::MakeFragments(1, clock_)[0];
  Append(f);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  http_.SendBody(PutMedia()->id, AckLine("RECEIVED", f.meta.timecode_ms));
  EXPECT_EQ(store_->stats().fragments, 0u);
}

TEST_F(KvsUploaderTest, ACodecChangeStartsANewSessionWithTheNewHeader) {
  std::vector<TestFragment> small = testing::MakeFragments(1, clock_, 320);
  clock_.Advance(Millis(5000));
  std::vector<TestFragment> large = testing::MakeFragments(1, clock_, 640);
  Append(small[0]);
  Append(large[0]);
  Make();
  Run();
  std::string first = http_.PullBody(PutMedia()->id);
  EXPECT_TRUE(PutMedia()->body_ended);
  EXPECT_EQ(first.find(large[0].payload.substr(0, large[0].header_size)), std::string::npos);
  http_.SendBody(PutMedia()->id, AckLine("PERSISTED", small[0].meta.timecode_ms));
  net::HttpResponse ok;
  ok.status = 200;
  http_.Finish(PutMedia()->id, ok);
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  std::string second = http_.PullBody(PutMedia()->id);
  EXPECT_EQ(second.rfind(large[0].payload, 0), 0u);
}

TEST_F(KvsUploaderTest, APutMediaNotFoundDescribesTheStreamAgain) {
  Append(testing::MakeFragments(1, clock_)[0]);
  Make();
  Run();
  http_.SendBody(PutMedia()->id, "{\"message\":\"Stream cam1 not found\"}");
  EndSession(JsonResponse(404, "", "ResourceNotFoundException"));
  EXPECT_EQ(http_.started("/describeStream"), 2);
  EXPECT_EQ(store_->stats().fragments, 1u) << "nothing is lost";
}

// A PutMedia refused because this device's clock is 20 minutes behind the service's: the
// answer's Date teaches the offset, and the next PutMedia is signed with the service's time.
TEST_F(KvsUploaderTest, APutMediaRefusedForClockSkewSignsTheNextOneWithTheServicesTime) {
  Append(testing::MakeFragments(1, clock_)[0]);
  Make();
  Run();
  ASSERT_NE(PutMedia(), nullptr);
  WallTime service_now = clock_.WallNow() + std::chrono::minutes(20);
  std::string message = "{\"message\":\"Signature expired: 20260101T000000Z is now earlier than "
                        "20260101T001500Z (20260101T002000Z - 5 min.)\"}";
  http_.SendBody(PutMedia()->id, message);
  net::HttpResponse refused = JsonResponse(403, "", "InvalidSignatureException");
  refused.headers.emplace_back("date", aws::FormatHttpDate(service_now));
  EndSession(refused);
  FakeHttpClient::Request* again = PutMedia();
  ASSERT_NE(again, nullptr);
  std::string amz_date;
  for (const auto& [name, value] : again->request.headers) {
    if (name == "X-Amz-Date" || name == "x-amz-date") amz_date = value;
  }
  EXPECT_EQ(amz_date, aws::AmzDate(clock_.WallNow() + std::chrono::minutes(20)));
  EXPECT_EQ(store_->stats().fragments, 1u) << "nothing is lost";
}

TEST_F(KvsUploaderTest, DrainEndsTheSessionOnceEverythingIsPersisted) {
  TestFragment f = testing::MakeFragments(1, clock_)[0];
  Append(f);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  uploader_->BeginDrain(clock_.Now() + Millis(10000));
  Run();
  EXPECT_FALSE(uploader_->Done());
  http_.SendBody(PutMedia()->id, AckLine("PERSISTED", f.meta.timecode_ms));
  Run();
  http_.PullBody(PutMedia()->id);
  ASSERT_TRUE(PutMedia()->body_ended);
  net::HttpResponse ok;
  ok.status = 200;
  http_.Finish(PutMedia()->id, ok);
  Run();
  EXPECT_TRUE(uploader_->Done());
}

TEST_F(KvsUploaderTest, DrainGivesUpAtTheDeadlineAndKeepsTheData) {
  Append(testing::MakeFragments(1, clock_)[0]);
  Make();
  Run();
  http_.PullBody(PutMedia()->id);
  uploader_->BeginDrain(clock_.Now() + Millis(3000));
  clock_.Advance(Millis(6000));
  Run();
  Run();
  EXPECT_TRUE(uploader_->Done());
  EXPECT_EQ(store_->stats().fragments, 1u);
}

}  // namespace
}  // namespace kedge::video::kvs
