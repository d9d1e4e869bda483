// A test camera (videotestsrc + x264enc) uploading to kedge-ingest (in process, SigV4 required)
// through the TcpFaultProxy: resets in the middle of a PutMedia upload, 500/503 answers,
// truncated and slow ACK streams, added latency, and a service clock 20 minutes away. Every
// fragment captured must be listed by kedge-ingest at the end; repeats only for resends.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/ingest_server.h"
#include "platform/aws/credential_providers.h"
#include "platform/aws/sigv4.h"
#include "tests/faults/fault_proxy.h"
#include "tests/faults/tcp_fault_proxy.h"
#include "tests/video/kvs/test_camera.h"
#include "tests/support/test_util.h"
#include "video/kvs/video_stream.h"

namespace kedge::video::kvs {
namespace {

using kedge::testing::ConnectionFault;

const aws::Credentials kCredentials{"AKIDKVSFAULTS", "kvs-faults-secret-Q7", "", {}};
constexpr char kStream[] = "kvs-faults";

bool WaitFor(const std::function<bool()>& done, Millis limit) {
  SteadyTime end = Clock::Real().Now() + limit;
  while (!done()) {
    if (Clock::Real().Now() > end) return false;
    std::this_thread::sleep_for(Millis(20));  // bounded polling of an observable condition
  }
  return true;
}

class VideoFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = kedge::testing::MakeTempDir("kvs-faults-ingest");
    ASSERT_TRUE(proxy_.Start().ok());
    StartServer();
  }

  void StartServer() {
    ingest::IngestOptions options;
    options.data_dir = data_dir_;
    options.credentials = {kCredentials};
    options.public_url = proxy_.Url();  // PutMedia goes through the proxy too
    options.maintenance_period = std::chrono::seconds(0);
    auto server = ingest::IngestServer::Start(options, ingest_clock_, Env::Default());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    proxy_.SetUpstreamPort(server_->port());
  }

  VideoStreamOptions Options(int frames, bool live) {
    VideoStreamOptions o = kedge::testing::TestCameraOptions(
        kStream, proxy_.Url(), kedge::testing::MakeTempDir("kvs-faults-store"), frames, live);
    o.upload.ack_timeout = Millis(5000);
    o.drain_timeout = Millis(40000);
    return o;
  }

  std::unique_ptr<VideoStream> MakeStream(VideoStreamOptions options) {
    auto stream = VideoStream::Create(std::move(options), credentials_, Clock::Real(),
                                      Env::Default(), nullptr);
    EXPECT_TRUE(stream.ok()) << stream.status().message();
    return stream.ok() ? std::move(*stream) : nullptr;
  }

  // Producer timecodes of every fragment kedge-ingest stored (repeats included), asked
  // directly, not through the proxy, signed with the service's own time.
  std::vector<int64_t> ListFragments() {
    auto http = net::NewCurlHttpClient(net::HttpClientOptions());
    net::HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/listFragments";
    request.body = nlohmann::json{{"StreamName", kStream}, {"MaxResults", 1000}}.dump();
    request.headers = {{"Content-Type", "application/json"}};
    aws::SigningParams params;
    params.service = "kinesisvideo";
    params.region = "us-east-1";
    params.time = ingest_clock_.WallNow();
    EXPECT_TRUE(aws::SignRequest(&request, kCredentials, params).ok());
    auto response = http->Send(std::move(request));
    std::vector<int64_t> out;
    if (!response.ok() || response->status != 200) {
      ADD_FAILURE() << (response.ok() ? response->body : response.status().message());
      return out;
    }
    nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
    if (json.is_discarded() || !json.contains("Fragments")) return out;
    for (const auto& f : json["Fragments"]) {
      out.push_back(std::llround(f["ProducerTimestamp"].get<double>() * 1000.0));
    }
    return out;
  }

  // Everything captured was stored by kedge-ingest; repeats only as many as resends.
  void ExpectNothingLost(VideoStream& stream) {
    Status finished = stream.Wait();
    EXPECT_TRUE(finished.ok()) << finished.message();
    VideoStreamStats stats = stream.stats();
    EXPECT_EQ(stats.store.fragments, 0u) << "fragments left unacknowledged";
    EXPECT_EQ(stats.upload.fragments_skipped, 0u);
    EXPECT_EQ(stats.store.dropped_full + stats.store.dropped_age, 0u);
    std::vector<int64_t> listed = ListFragments();
    std::set<int64_t> unique(listed.begin(), listed.end());
    EXPECT_EQ(unique.size(), stats.fragments_stored) << "every fragment arrived";
    EXPECT_LE(listed.size() - unique.size(), stats.upload.fragments_resent)
        << "repeats beyond the fragments sent again";
  }

  std::string data_dir_;
  kedge::testing::SkewedClock ingest_clock_;
  kedge::testing::TcpFaultProxy proxy_;
  std::unique_ptr<ingest::IngestServer> server_;
  aws::StaticCredentialsProvider credentials_{kCredentials};
};

struct VideoFaultCase {
  const char* name;
  ConnectionFault fault;
};

class VideoConnectionFaultTest : public VideoFaultTest,
                                 public ::testing::WithParamInterface<VideoFaultCase> {};

TEST_P(VideoConnectionFaultTest, EveryFragmentArrivesThroughTheFault) {
  // Every other connection draws the fault.
  proxy_.SetPlan({GetParam().fault, ConnectionFault{}});
  auto stream = MakeStream(Options(6 * 30, /*live=*/true));  // 6 s: 6 fragments
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  ExpectNothingLost(*stream);
  EXPECT_GE(proxy_.connections(), 1);
  if (GetParam().fault.response_chunk == 0 && GetParam().fault.connect_delay.count() == 0) {
    EXPECT_GE(proxy_.faults_injected(), 1) << "the fault never happened";
  }
}

ConnectionFault ResetAfter(int64_t bytes) {
  ConnectionFault f;
  f.reset_after_request_bytes = bytes;
  return f;
}
ConnectionFault Answer(int status) {
  ConnectionFault f;
  f.answer_status = status;
  return f;
}
ConnectionFault Truncate(int64_t bytes) {
  ConnectionFault f;
  f.truncate_response_bytes = bytes;
  return f;
}
ConnectionFault Slow() {
  ConnectionFault f;
  f.response_chunk = 16;
  f.response_chunk_delay = Millis(20);
  return f;
}
ConnectionFault Latency() {
  ConnectionFault f;
  f.connect_delay = Millis(700);
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, VideoConnectionFaultTest,
    ::testing::Values(VideoFaultCase{"ResetInTheMiddleOfAnUpload", ResetAfter(90000)},
                      VideoFaultCase{"Status500", Answer(500)},
                      VideoFaultCase{"Status503", Answer(503)},
                      VideoFaultCase{"TruncatedAckStream", Truncate(600)},
                      VideoFaultCase{"SlowAckStream", Slow()},
                      VideoFaultCase{"AddedLatency", Latency()}),
    [](const ::testing::TestParamInfo<VideoFaultCase>& info) { return info.param.name; });

// The service's clock is 20 minutes ahead from the start: the control plane's first call is
// refused ("Signature expired"), its Date header teaches the offset, and everything arrives.
TEST_F(VideoFaultTest, LearnsTheServicesClockWhenItIsTwentyMinutesAhead) {
  ingest_clock_.set_offset(std::chrono::minutes(20));
  auto stream = MakeStream(Options(4 * 30, /*live=*/false));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  ExpectNothingLost(*stream);
}

// The clock jumps while streaming (the service restarted with another time): the next
// PutMedia is refused with "Signature expired" and must teach the uploader the offset too.
TEST_F(VideoFaultTest, PutMediaRefusedForClockSkewTeachesTheOffset) {
  auto stream = MakeStream(Options(10 * 30, /*live=*/true));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return stream->stats().upload.fragments_persisted >= 2; },
                      Millis(20000)));
  server_->Stop();
  server_.reset();  // ends the open PutMedia session
  ingest_clock_.set_offset(-std::chrono::minutes(20));
  StartServer();
  ExpectNothingLost(*stream);
}

}  // namespace
}  // namespace kedge::video::kvs
