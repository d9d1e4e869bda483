// End to end: videotestsrc + x264enc -> MkvFragmenter -> FragmentStore -> PutMedia -> kedge-ingest
// (in process, 127.0.0.1 port 0, SigV4 required), then the stored fragments are listed back.
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/ingest_server.h"
#include "platform/aws/credential_providers.h"
#include "platform/aws/sigv4.h"
#include "platform/net/http_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "video/kvs/video_stream.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::video::kvs {
namespace {

// Fragments (one second each) captured while the endpoint is down; the slow build of this test
// (video_kvs_slow_test) makes it a 30-second outage.
#ifndef KEDGE_KVS_OUTAGE_FRAGMENTS
#define KEDGE_KVS_OUTAGE_FRAGMENTS 3
#endif
constexpr int kOutageFragments = KEDGE_KVS_OUTAGE_FRAGMENTS;

const aws::Credentials kCredentials{"AKIDKVSTEST", "kvs-test-secret", "", {}};
constexpr char kStream[] = "kvs-it";

// Waits up to `limit` for `done`, checking every 20 ms.
bool WaitFor(const std::function<bool()>& done, Millis limit) {
  SteadyTime end = Clock::Real().Now() + limit;
  while (!done()) {
    if (Clock::Real().Now() > end) return false;
    std::this_thread::sleep_for(Millis(20));  // bounded polling of an observable condition
  }
  return true;
}

class VideoStreamIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = kedge::testing::MakeTempDir("kvs-ingest");
    StartServer(0);
  }

  void StartServer(uint16_t port) {
    ingest::IngestOptions options;
    options.listen_port = port;
    options.data_dir = data_dir_;
    options.credentials = {kCredentials};
    auto server = ingest::IngestServer::Start(options, Clock::Real(), Env::Default());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    url_ = server_->url();
  }

  VideoStreamOptions Options(int frames, bool live) {
    VideoStreamOptions o;
    o.camera.name = "it";
    o.camera.source.kind = SourceKind::kTest;
    o.camera.width = 320;
    o.camera.height = 240;
    o.camera.fps = 30;
    o.camera.bitrate_kbps = 500;
    o.camera.fragment_duration_ms = 1000;
    o.camera.encoder = EncoderChoice::kX264;
    o.camera.num_buffers = frames;
    o.camera.test_live = live;
    o.store.dir = kedge::testing::MakeTempDir("kvs-store");
    o.upload.stream_name = kStream;
    o.upload.region = "us-east-1";
    o.upload.control_endpoint = url_;
    o.upload.create_stream = true;
    o.upload.backoff_initial = Millis(100);
    o.upload.backoff_max = Millis(500);
    o.drain_timeout = Millis(20000);
    return o;
  }

  std::unique_ptr<VideoStream> MakeStream(VideoStreamOptions options) {
    auto stream = VideoStream::Create(std::move(options), credentials_, Clock::Real(),
                                      Env::Default(), [this](const FragmentOutcome& o) {
                                        std::lock_guard<std::mutex> lock(mu_);
                                        if (o.type == AckType::kPersisted) {
                                          persisted_.push_back(o.timecode_ms);
                                        }
                                      });
    EXPECT_TRUE(stream.ok()) << stream.status().message();
    return stream.ok() ? std::move(*stream) : nullptr;
  }

  size_t persisted() {
    std::lock_guard<std::mutex> lock(mu_);
    return persisted_.size();
  }

  // POSTs a signed archived-media call to kedge-ingest; returns the body of a 200 answer.
  std::string Call(const std::string& path, const nlohmann::json& input) {
    auto http = net::NewCurlHttpClient(net::HttpClientOptions());
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_ + path;
    request.body = input.dump();
    request.headers = {{"Content-Type", "application/json"}};
    aws::SigningParams params;
    params.service = "kinesisvideo";
    params.region = "us-east-1";
    params.time = Clock::Real().WallNow();
    EXPECT_TRUE(aws::SignRequest(&request, kCredentials, params).ok());
    StatusOr<net::HttpResponse> response = http->Send(std::move(request));
    EXPECT_TRUE(response.ok() && response->status == 200)
        << (response.ok() ? response->body : response.status().message());
    return response.ok() ? response->body : std::string();
  }

  // Every fragment kedge-ingest stored for the stream: its number and producer time (epoch ms).
  std::vector<std::pair<std::string, int64_t>> ListFragmentNumbers() {
    std::string body = Call("/listFragments", {{"StreamName", kStream}, {"MaxResults", 1000}});
    nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    std::vector<std::pair<std::string, int64_t>> out;
    if (json.is_discarded() || !json.contains("Fragments")) return out;
    for (const auto& f : json["Fragments"]) {
      out.emplace_back(f["FragmentNumber"].get<std::string>(),
                       std::llround(f["ProducerTimestamp"].get<double>() * 1000.0));
    }
    return out;
  }

  std::vector<int64_t> ListFragments() {
    std::vector<int64_t> out;
    for (const auto& f : ListFragmentNumbers()) out.push_back(f.second);
    return out;
  }

  std::string data_dir_;
  std::unique_ptr<ingest::IngestServer> server_;
  std::string url_;
  aws::StaticCredentialsProvider credentials_{kCredentials};
  std::mutex mu_;
  std::vector<int64_t> persisted_;  // guarded by mu_
};

TEST_F(VideoStreamIntegrationTest, EveryFragmentOfATestCameraIsPersisted) {
  auto stream = MakeStream(Options(150, /*live=*/false));  // 5 s at 30 fps: 5 fragments
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  Status finished = stream->Wait();
  ASSERT_TRUE(finished.ok()) << finished.message();
  VideoStreamStats stats = stream->stats();
  EXPECT_EQ(stats.capture.frames, 150u);
  EXPECT_GE(stats.fragments_stored, 5u);
  EXPECT_EQ(stats.store_errors, 0u);
  EXPECT_EQ(stats.store.fragments, 0u) << "everything acknowledged left the store";
  EXPECT_EQ(stats.upload.fragments_persisted, stats.fragments_stored);
  EXPECT_EQ(stats.upload.fragments_skipped, 0u);
  EXPECT_EQ(stats.upload.sessions, 1u);
  std::vector<int64_t> stored = ListFragments();
  std::vector<int64_t> acked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    acked = persisted_;
  }
  EXPECT_EQ(stored.size(), stats.fragments_stored);
  EXPECT_EQ(std::set<int64_t>(stored.begin(), stored.end()),
            std::set<int64_t>(acked.begin(), acked.end()));
  for (size_t i = 1; i < stored.size(); ++i) EXPECT_GT(stored[i], stored[i - 1]);

  // Read back: the media of every fragment parses as Matroska holding every frame captured.
  nlohmann::json numbers = nlohmann::json::array();
  for (const auto& f : ListFragmentNumbers()) numbers.push_back(f.first);
  std::string media = Call("/getMediaForFragmentList", {{"StreamName", kStream},
                                                        {"Fragments", numbers}});
  mkv::MkvParser::Options parse;
  parse.allow_multiple_segments = true;  // the service's format: a header before every fragment
  StatusOr<mkv::SplitResult> split =
      mkv::SplitMkv(reinterpret_cast<const uint8_t*>(media.data()), media.size(), parse);
  ASSERT_TRUE(split.ok()) << split.status().message();
  uint32_t frames = 0, keys = 0;
  for (const mkv::StoredFragment& f : split->fragments) {
    frames += f.frame_count;
    keys += f.key_frames;
  }
  size_t segments = 0;
  for (size_t at = media.find("\x1A\x45\xDF\xA3"); at != std::string::npos;
       at = media.find("\x1A\x45\xDF\xA3", at + 1)) {
    ++segments;
  }
  EXPECT_EQ(segments, stored.size()) << "a header before every fragment";
  EXPECT_EQ(split->fragments.size(), stored.size());
  if (split->fragments.size() != stored.size()) {  // keep the evidence
    std::string path = kedge::testing::MakeTempDir("kvs-media") + "/media.mkv";
    ASSERT_TRUE(Env::Default().WriteFileAtomic(path, media).ok());
    ADD_FAILURE() << "the media read back is in " << path;
  }
  EXPECT_EQ(frames, 150u);
  EXPECT_GE(keys, stored.size());
  ASSERT_FALSE(split->headers.empty());
  ASSERT_FALSE(split->headers[0].tracks.empty());
  EXPECT_EQ(split->headers[0].tracks[0].codec_id, "V_MPEG4/ISO/AVC");
}

TEST_F(VideoStreamIntegrationTest, AnEndpointOutageLosesNoFragment) {
  // Real time: 2 s before the outage, the outage, then 5 s more.
  auto stream = MakeStream(Options((kOutageFragments + 7) * 30, /*live=*/true));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return persisted() >= 2; }, Millis(20000)));
  uint16_t port = server_->port();
  server_->Stop();
  server_.reset();  // closes the open PutMedia connection too
  uint64_t stored_before = stream->stats().fragments_stored;
  ASSERT_TRUE(WaitFor(
      [&] { return stream->stats().fragments_stored >= stored_before + kOutageFragments; },
      Millis(kOutageFragments * 1000 + 20000)));
  EXPECT_GE(stream->stats().store.fragments, static_cast<uint64_t>(kOutageFragments))
      << "buffered on disk during the outage";
  EXPECT_GT(stream->stats().upload.session_failures, 0u);
  StartServer(port);
  Status finished = stream->Wait();
  ASSERT_TRUE(finished.ok()) << finished.message();
  VideoStreamStats stats = stream->stats();
  EXPECT_EQ(stats.store.fragments, 0u);
  EXPECT_EQ(stats.upload.fragments_skipped, 0u);
  EXPECT_EQ(stats.store.dropped_full + stats.store.dropped_age, 0u);
  std::vector<int64_t> stored = ListFragments();
  std::set<int64_t> unique(stored.begin(), stored.end());
  EXPECT_EQ(unique.size(), stats.fragments_stored) << "every fragment arrived (resends allowed)";
}

TEST_F(VideoStreamIntegrationTest, KedgeVideoPutPrintsPersistedFragmentsAndExitsZero) {
  std::string home = kedge::testing::MakeTempDir("kvs-cli");
  kedge::testing::ProcessResult run = kedge::testing::RunProcess(
      {kedge::testing::BinaryPath("agent/kedge"), "video", "put", "--stream", kStream,
       "--create", "--endpoint", url_, "--frames", "90", "--fast", "--fragment-seconds", "1",
       "--width", "320", "--height", "240"},
      {{"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
       {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key},
       {"HOME", home},
       {"XDG_STATE_HOME", "\x01unset"}});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  size_t lines = 0;
  for (size_t at = run.out.find(" persisted in "); at != std::string::npos;
       at = run.out.find(" persisted in ", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, ListFragments().size());
  EXPECT_GE(lines, 3u);
  EXPECT_NE(run.out.find("0 left in"), std::string::npos) << run.out;
}

TEST_F(VideoStreamIntegrationTest, KedgeVideoPutNamesAMissingStreamAndHowToCreateIt) {
  std::string home = kedge::testing::MakeTempDir("kvs-cli");
  kedge::testing::ProcessResult run = kedge::testing::RunProcess(
      {kedge::testing::BinaryPath("agent/kedge"), "video", "put", "--stream", "absent",
       "--endpoint", url_},
      {{"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
       {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key},
       {"HOME", home},
       {"XDG_STATE_HOME", "\x01unset"}});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find("ResourceNotFoundException"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--create"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace kedge::video::kvs
