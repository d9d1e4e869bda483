// End to end: videotestsrc + x264enc -> MkvFragmenter -> FragmentStore -> PutMedia -> kedge-ingest
// (in process, 127.0.0.1 port 0, SigV4 required), then the stored fragments are listed back.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "platform/aws/credential_providers.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "tests/video/kvs/kvs_ingest_fixture.h"
#include "tests/video/kvs/test_camera.h"
#include "video/kvs/video_stream.h"

namespace kedge::video::kvs {
namespace {

// Fragments (one second each) captured while the endpoint is down; the slow build of this test
// (video_kvs_slow_test) makes it a 30-second outage.
#ifndef KEDGE_KVS_OUTAGE_FRAGMENTS
#define KEDGE_KVS_OUTAGE_FRAGMENTS 3
#endif
constexpr int kOutageFragments = KEDGE_KVS_OUTAGE_FRAGMENTS;

constexpr char kStream[] = "kvs-it";

using testing::WaitFor;

class VideoStreamIntegrationTest : public testing::KvsIngestFixture {
 protected:
  VideoStreamOptions Options(int frames, bool live) {
    VideoStreamOptions o = kedge::testing::TestCameraOptions(
        kStream, url_, kedge::testing::MakeTempDir("kvs-store"), frames, live);
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

  std::vector<int64_t> ListFragments() { return KvsIngestFixture::ListFragments(kStream); }

  aws::StaticCredentialsProvider credentials_{testing::kIngestCredentials};
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
  testing::StoredMedia media = FetchMedia(kStream);
  size_t segments = 0;
  for (size_t at = media.bytes.find("\x1A\x45\xDF\xA3"); at != std::string::npos;
       at = media.bytes.find("\x1A\x45\xDF\xA3", at + 1)) {
    ++segments;
  }
  EXPECT_EQ(segments, stored.size()) << "a header before every fragment";
  EXPECT_EQ(media.fragments, stored.size());
  if (media.fragments != stored.size()) {  // keep the evidence
    std::string path = kedge::testing::MakeTempDir("kvs-media") + "/media.mkv";
    ASSERT_TRUE(Env::Default().WriteFileAtomic(path, media.bytes).ok());
    ADD_FAILURE() << "the media read back is in " << path;
  }
  EXPECT_EQ(media.frames, 150u);
  EXPECT_GE(media.key_frames, stored.size());
  EXPECT_EQ(media.codec_id, "V_MPEG4/ISO/AVC");
}

TEST_F(VideoStreamIntegrationTest, AnEndpointOutageLosesNoFragment) {
  // Real time: 2 s before the outage, the outage (kOutageFragments seconds: 30 in the slow
  // build), then 5 s more, all from one capture: the outage is in the middle of the stream.
  auto stream = MakeStream(Options((kOutageFragments + 7) * 30, /*live=*/true));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return persisted() >= 2; }, Millis(20000)));
  uint16_t port = server_->port();
  StopServer();
  SteadyTime down = Clock::Real().Now();
  uint64_t stored_before = stream->stats().fragments_stored;
  // Down for at least kOutageFragments seconds and as many fragments captured meanwhile.
  ASSERT_TRUE(WaitFor(
      [&] {
        return stream->stats().fragments_stored >= stored_before + kOutageFragments &&
               Clock::Real().Now() - down >= std::chrono::seconds(kOutageFragments);
      },
      Millis(kOutageFragments * 1000 + 20000)));
  VideoStreamStats during = stream->stats();
  EXPECT_GE(during.store.fragments, static_cast<uint64_t>(kOutageFragments))
      << "buffered on disk during the outage";
  EXPECT_GT(during.upload.session_failures, 0u);
  EXPECT_GE(std::chrono::duration_cast<Millis>(Clock::Real().Now() - down).count(),
            kOutageFragments * 1000);
  StartServer(port);
  Status finished = stream->Wait();
  ASSERT_TRUE(finished.ok()) << finished.message();
  VideoStreamStats stats = stream->stats();
  EXPECT_GT(stats.fragments_stored, during.fragments_stored) << "the stream went on after it";
  EXPECT_EQ(stats.store.fragments, 0u);
  EXPECT_EQ(stats.upload.fragments_skipped, 0u);
  EXPECT_EQ(stats.store.dropped_full + stats.store.dropped_age, 0u);
  std::vector<int64_t> stored = ListFragments();
  std::set<int64_t> unique(stored.begin(), stored.end());
  EXPECT_EQ(unique.size(), stats.fragments_stored) << "every fragment arrived (resends allowed)";
  std::vector<int64_t> acked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    acked = persisted_;
  }
  EXPECT_EQ(std::set<int64_t>(acked.begin(), acked.end()), unique);
  // Every frame captured is stored (a fragment persisted whose ACK the outage cut is stored
  // twice: at least once).
  EXPECT_GE(FetchMedia(kStream).frames, stats.capture.frames);
}

TEST_F(VideoStreamIntegrationTest, KedgeVideoPutPrintsPersistedFragmentsAndExitsZero) {
  std::string home = kedge::testing::MakeTempDir("kvs-cli");
  kedge::testing::ProcessResult run = kedge::testing::RunProcess(
      {kedge::testing::BinaryPath("agent/kedge"), "video", "put", "--stream", kStream, "--create",
       "--endpoint", url_, "--frames", "90", "--fast", "--fragment-seconds", "1", "--width", "320",
       "--height", "240"},
      KedgeEnv(home));
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
  kedge::testing::ProcessResult run =
      kedge::testing::RunProcess({kedge::testing::BinaryPath("agent/kedge"), "video", "put",
                                  "--stream", "absent", "--endpoint", url_},
                                 KedgeEnv(home));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find("ResourceNotFoundException"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--create"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace kedge::video::kvs
