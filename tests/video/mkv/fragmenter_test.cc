#include "video/mkv/fragmenter.h"

#include <gtest/gtest.h>

#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::video::mkv {
namespace {

using testing::MakeCodecPrivate;
using testing::MakeFrame;

constexpr int64_t kMs = 1000000;
constexpr int64_t kFrameNs = 33333333;  // 30 fps

class FragmenterTest : public ::testing::Test {
 protected:
  std::unique_ptr<MkvFragmenter> Make(MkvFragmenter::Options options = {}) {
    if (options.codec_private.empty() && options.input_format == NalFormat::kAvc && !no_codec_) {
      options.codec_private = MakeCodecPrivate(320, 240);
    }
    auto f = MkvFragmenter::Create(std::move(options), clock_);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }

  // Feeds `count` frames at 30 fps from `first_pts`, a key frame every `gop`, collecting output.
  void Feed(MkvFragmenter& f, int count, int gop, int64_t first_pts = 0, bool annex_b = false) {
    for (int i = 0; i < count; ++i) {
      Frame frame = MakeFrame(first_pts + i * kFrameNs, i % gop == 0, 200, annex_b);
      frame.duration_ns = kFrameNs;
      auto out = f.AddFrame(frame);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      if (*out) fragments_.push_back(std::move(**out));
    }
  }
  void FlushInto(MkvFragmenter& f) {
    if (auto last = f.Flush()) fragments_.push_back(std::move(*last));
  }
  // header + all fragments, as one PutMedia body.
  Bytes Body() const {
    Bytes body;
    for (const Fragment& fr : fragments_) {
      body.insert(body.end(), fr.header.begin(), fr.header.end());
      body.insert(body.end(), fr.bytes.begin(), fr.bytes.end());
    }
    return body;
  }

  FakeClock clock_;  // wall time 2026-01-01T00:00:00Z
  const int64_t wall_ms_ = ToUnixMillis(clock_.WallNow());
  bool no_codec_ = false;
  std::vector<Fragment> fragments_;
};

TEST_F(FragmenterTest, EveryKeyFrameStartsAFragmentWithAbsoluteTimecodes) {
  auto f = Make();
  Feed(*f, 45, 15, /*first_pts=*/5'000'000'000);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(fragments_[i].info.frame_count, 15u);
    EXPECT_EQ(fragments_[i].info.timecode_ms,
              wall_ms_ + static_cast<int64_t>(i) * 15 * kFrameNs / kMs);
    int64_t start_ns = static_cast<int64_t>(i) * 15 * kFrameNs;
    EXPECT_EQ(fragments_[i].info.duration_ms, (start_ns + 15 * kFrameNs) / kMs - start_ns / kMs);
    EXPECT_TRUE(fragments_[i].info.key);
    EXPECT_EQ(fragments_[i].info.size, fragments_[i].header.size() + fragments_[i].bytes.size());
  }
  EXPECT_EQ(f->stats().fragments, 3u);
  EXPECT_EQ(f->stats().frames_written, 45u);
}

TEST_F(FragmenterTest, OnlyTheFirstFragmentOfASessionCarriesTheHeader) {
  auto f = Make();
  Feed(*f, 30, 10);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 3u);
  EXPECT_TRUE(fragments_[0].info.starts_session);
  EXPECT_EQ(fragments_[0].header, *f->SessionHeader());
  EXPECT_TRUE(fragments_[1].header.empty());
  EXPECT_FALSE(fragments_[2].info.starts_session);
}

TEST_F(FragmenterTest, StartSessionPutsAHeaderOnTheNextFragment) {
  auto f = Make();
  Feed(*f, 10, 5);  // fragment 1 out, fragment 2 open
  f->StartSession();
  Feed(*f, 5, 5, 10 * kFrameNs);
  ASSERT_EQ(fragments_.size(), 2u);
  EXPECT_TRUE(fragments_[1].info.starts_session);
  EXPECT_FALSE(fragments_[1].info.codec_changed);
  EXPECT_EQ(fragments_[1].header, fragments_[0].header);  // same Segment UID and tracks
}

TEST_F(FragmenterTest, TimecodesFollowPtsNotTheWallClockAfterTheAnchor) {
  auto f = Make();
  Feed(*f, 15, 15);
  clock_.Advance(std::chrono::hours(1));  // wall time moves on; pipeline time does not
  Feed(*f, 15, 15, 15 * kFrameNs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 2u);
  EXPECT_EQ(fragments_[1].info.timecode_ms, wall_ms_ + 15 * kFrameNs / kMs);
}

TEST_F(FragmenterTest, AConfiguredStartTimeReplacesTheWallClockAnchor) {
  MkvFragmenter::Options o;
  o.start_time_ms = 1600000000123;  // an uploaded file recorded in 2020
  auto f = Make(o);
  Feed(*f, 30, 15, /*first_pts=*/7 * kMs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 2u);
  EXPECT_EQ(fragments_[0].info.timecode_ms, 1600000000123);
  EXPECT_EQ(fragments_[1].info.timecode_ms, 1600000000123 + 15 * kFrameNs / kMs);
}

TEST_F(FragmenterTest, FragmentDurationGroupsGopsUntilTheNextKeyFrameAfterIt) {
  MkvFragmenter::Options o;
  o.fragment_duration_ns = 900'000'000;
  auto f = Make(o);
  Feed(*f, 90, 10);  // key frame every 333 ms: frames 30 (at 999.99 ms) and 60 start fragments
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 3u);
  EXPECT_EQ(fragments_[0].info.frame_count, 30u);
  EXPECT_EQ(fragments_[1].info.frame_count, 30u);
}

TEST_F(FragmenterTest, DropsFramesBeforeTheFirstKeyFrame) {
  auto f = Make();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f->AddFrame(MakeFrame(i * kFrameNs, false)).ok());
  Feed(*f, 5, 5, 3 * kFrameNs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 1u);
  EXPECT_EQ(fragments_[0].info.frame_count, 5u);
  EXPECT_EQ(f->stats().frames_dropped_no_key, 3u);
}

TEST_F(FragmenterTest, PtsGoingBackStillGivesStrictlyIncreasingTimecodes) {
  auto f = Make();
  Feed(*f, 15, 15, 10'000'000'000);
  Feed(*f, 15, 15, 0);  // the source restarted its clock
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 2u);
  int64_t first_end = fragments_[0].info.timecode_ms + 14 * kFrameNs / kMs;
  EXPECT_EQ(fragments_[1].info.timecode_ms, first_end + 1);
  EXPECT_EQ(f->stats().timestamp_adjustments, 1u);
}

TEST_F(FragmenterTest, KeyFrameAtTheSameMillisecondAsThePreviousFrameIsMovedForward) {
  auto f = Make();
  ASSERT_TRUE(f->AddFrame(MakeFrame(0, true)).ok());
  ASSERT_TRUE(f->AddFrame(MakeFrame(40 * kMs, false)).ok());
  auto out = f->AddFrame(MakeFrame(40 * kMs + 500000, true));  // same ms as the last frame
  ASSERT_TRUE(out.ok());
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 1u);
  EXPECT_EQ(fragments_[0].info.timecode_ms, wall_ms_ + 41);
}

TEST_F(FragmenterTest, CutsAFragmentThatWouldExceedTheMaxDurationAndWaitsForAKeyFrame) {
  MkvFragmenter::Options o;
  o.max_fragment_duration_ns = 1'000'000'000;
  auto f = Make(o);
  Feed(*f, 60, 60);  // a single GOP of 2 s
  Feed(*f, 10, 10, 60 * kFrameNs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 2u);
  EXPECT_EQ(fragments_[0].info.frame_count, 31u);  // 0..1000 ms
  EXPECT_EQ(fragments_[1].info.frame_count, 10u);
  EXPECT_EQ(f->stats().fragments_cut_over_limit, 1u);
  EXPECT_EQ(f->stats().frames_dropped_no_key, 29u);
}

TEST_F(FragmenterTest, AnnexBInputBuildsCodecPrivateFromTheKeyFrame) {
  MkvFragmenter::Options o;
  o.input_format = NalFormat::kAnnexB;
  auto f = Make(o);
  EXPECT_FALSE(f->SessionHeader().ok());
  Feed(*f, 10, 10, 0, /*annex_b=*/true);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 1u);
  testing::RecordingListener l;
  ASSERT_TRUE(testing::ParseInChunks(Body(), 4096, l).ok());
  ASSERT_EQ(l.tracks.size(), 1u);
  EXPECT_EQ(l.tracks[0].codec_private, MakeCodecPrivate(320, 240));
  EXPECT_EQ(l.tracks[0].width, 320u);
  EXPECT_EQ(l.tracks[0].height, 240u);
  // Blocks are AVC: 4-byte length-prefixed.
  ASSERT_EQ(l.blocks.size(), 10u);
  auto nals = SplitAvc(l.blocks[1].data.data(), l.blocks[1].data.size());
  ASSERT_TRUE(nals.ok());
  EXPECT_EQ(nals->size(), 1u);
}

TEST_F(FragmenterTest, KeyFrameWithoutAnyCodecDataIsAnError) {
  no_codec_ = true;
  auto f = Make();
  auto out = f->AddFrame(MakeFrame(0, true));
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("h264parse"), std::string::npos);
  EXPECT_EQ(f->stats().frames_dropped_no_codec, 1u);
}

TEST_F(FragmenterTest, NewParameterSetsStartANewSession) {
  MkvFragmenter::Options o;
  o.input_format = NalFormat::kAnnexB;
  auto f = Make(o);
  Feed(*f, 10, 10, 0, true);
  Frame bigger = MakeFrame(10 * kFrameNs, true, 200, true, 640, 480);
  auto out = f->AddFrame(bigger);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out->has_value());
  fragments_.push_back(std::move(**out));
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 2u);
  EXPECT_TRUE(fragments_[1].info.starts_session);
  EXPECT_TRUE(fragments_[1].info.codec_changed);
  auto split = SplitMkv(fragments_[1].header.data(), fragments_[1].header.size());
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->headers.at(0).tracks.at(0).width, 640u);
}

TEST_F(FragmenterTest, SetCodecPrivateClosesTheFragmentOnlyWhenTheDataChanges) {
  auto f = Make();
  Feed(*f, 5, 5);
  ASSERT_TRUE(f->SetCodecPrivate(MakeCodecPrivate(320, 240)).ok());  // same: no effect
  Feed(*f, 5, 5, 5 * kFrameNs);
  ASSERT_EQ(fragments_.size(), 1u);
  EXPECT_FALSE(f->SetCodecPrivate({1, 2}).ok());
  ASSERT_TRUE(f->SetCodecPrivate(MakeCodecPrivate(1280, 720)).ok());
  Feed(*f, 5, 5, 10 * kFrameNs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 3u);
  EXPECT_EQ(fragments_[1].info.frame_count, 5u);  // closed by the change, old configuration
  EXPECT_FALSE(fragments_[1].info.starts_session);
  EXPECT_TRUE(fragments_[2].info.starts_session);
  EXPECT_TRUE(fragments_[2].info.codec_changed);
  EXPECT_FALSE(fragments_[0].info.codec_changed);
}

TEST_F(FragmenterTest, CreateRejectsUnusableCodecData) {
  MkvFragmenter::Options o;
  o.codec_private = {1, 2, 3};
  auto f = MkvFragmenter::Create(o, clock_);
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("codec_data"), std::string::npos);
}

TEST_F(FragmenterTest, TwoByteNalLengthsAreNormalisedToFour) {
  MkvFragmenter::Options o;
  o.codec_private = MakeCodecPrivate(320, 240);
  o.codec_private[4] = 0xFD;  // lengthSizeMinusOne = 1
  auto f = Make(o);
  Frame frame;
  frame.key = true;
  frame.data = {0, 3, 0x65, 0x88, 0x99};
  ASSERT_TRUE(f->AddFrame(frame).ok());
  FlushInto(*f);
  testing::RecordingListener l;
  ASSERT_TRUE(testing::ParseInChunks(Body(), 7, l).ok());
  EXPECT_EQ(l.tracks.at(0).codec_private[4], 0xFF);
  EXPECT_EQ(l.blocks.at(0).data, (Bytes{0, 0, 0, 3, 0x65, 0x88, 0x99}));
}

TEST_F(FragmenterTest, MetadataBecomesTagsBeforeTheCluster) {
  auto f = Make();
  ASSERT_TRUE(f->AddMetadata("camera", "front-door", /*persistent=*/true).ok());
  ASSERT_TRUE(f->AddMetadata("event", "motion", /*persistent=*/false).ok());
  Feed(*f, 10, 5);
  ASSERT_TRUE(f->AddMetadata("camera", "", true).ok());  // clears it
  Feed(*f, 5, 5, 10 * kFrameNs);
  FlushInto(*f);
  ASSERT_EQ(fragments_.size(), 3u);
  auto split = SplitMkv(Body().data(), Body().size());
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->fragments.size(), 3u);
  ASSERT_EQ(split->fragments[0].tags.size(), 2u);
  EXPECT_EQ(split->fragments[0].tags[0].name, "camera");
  EXPECT_EQ(split->fragments[0].tags[1].value, "motion");
  ASSERT_EQ(split->fragments[1].tags.size(), 1u);  // persistent only
  EXPECT_EQ(split->fragments[1].tags[0].value, "front-door");
  EXPECT_TRUE(split->fragments[2].tags.empty());
}

TEST_F(FragmenterTest, MetadataLimitsAreEnforced) {
  auto f = Make();
  EXPECT_EQ(f->AddMetadata("AWS_X", "v", false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f->AddMetadata("", "v", false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f->AddMetadata(std::string(129, 'n'), "v", false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f->AddMetadata("n", std::string(257, 'v'), false).code(), StatusCode::kInvalidArgument);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(f->AddMetadata("k" + std::to_string(i), "v", i < 5).ok());
  EXPECT_EQ(f->AddMetadata("k10", "v", false).code(), StatusCode::kResourceExhausted);
}

TEST_F(FragmenterTest, OutputRoundTripsThroughTheParserByteByByte) {
  auto f = Make();
  Feed(*f, 40, 15);
  FlushInto(*f);
  Bytes body = Body();
  Bytes eofr = MkvFragmenter::EndOfFragmentTags();
  body.insert(body.end(), eofr.begin(), eofr.end());

  testing::RecordingListener l;
  ASSERT_TRUE(testing::ParseInChunks(body, 1, l).ok());
  ASSERT_EQ(l.clusters.size(), fragments_.size());
  for (size_t i = 0; i < fragments_.size(); ++i) {
    EXPECT_EQ(static_cast<int64_t>(l.clusters[i].timecode), fragments_[i].info.timecode_ms);
  }
  ASSERT_EQ(l.blocks.size(), 40u);
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    EXPECT_EQ(l.blocks[i].key, i % 15 == 0) << i;
    EXPECT_EQ(l.blocks[i].time_ns / kMs, wall_ms_ + static_cast<int64_t>(i) * kFrameNs / kMs);
    EXPECT_EQ(l.blocks[i].data,
              MakeFrame(static_cast<int64_t>(i) * kFrameNs, i % 15 == 0, 200).data);
  }
  EXPECT_EQ(l.events.back(), "segment end @" + std::to_string(body.size()));

  // The splitter cuts out exactly the fragments the fragmenter made.
  auto split = SplitMkv(body.data(), body.size());
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->headers.size(), 1u);
  EXPECT_EQ(split->headers[0].bytes, fragments_[0].header);
  ASSERT_EQ(split->fragments.size(), fragments_.size());
  for (size_t i = 0; i < fragments_.size(); ++i) {
    EXPECT_EQ(split->fragments[i].bytes, fragments_[i].bytes);
    EXPECT_EQ(split->fragments[i].frame_count, fragments_[i].info.frame_count);
    EXPECT_EQ(split->fragments[i].producer_time_ms, fragments_[i].info.timecode_ms);
    EXPECT_NEAR(split->fragments[i].duration_ms, fragments_[i].info.duration_ms, 1);
  }
}

}  // namespace
}  // namespace kedge::video::mkv

namespace kedge::video::mkv {
namespace {

// kedge-ingest feeds the splitter as the upload arrives: a read may end anywhere, also between
// a Cluster's head and its Timecode. Every split point must give the same, whole fragments.
TEST_F(FragmenterTest, SplitterGivesWholeFragmentsWhereverTheInputIsCut) {
  auto f = Make();
  Feed(*f, 20, 5);
  FlushInto(*f);
  Bytes body = Body();
  auto whole = SplitMkv(body.data(), body.size());
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ(whole->fragments.size(), 4u);
  struct Collector : MkvFragmentSplitter::Sink {
    std::vector<StoredFragment> fragments;
    void OnHeader(const StoredHeader&) override {}
    void OnFragment(StoredFragment&& fragment) override { fragments.push_back(std::move(fragment)); }
  };
  for (size_t cut = 1; cut < body.size(); ++cut) {
    Collector collector;
    MkvFragmentSplitter splitter(MkvParser::Options{}, collector);
    ASSERT_TRUE(splitter.Feed(body.data(), cut).ok()) << "cut at " << cut;
    ASSERT_TRUE(splitter.Feed(body.data() + cut, body.size() - cut).ok()) << "cut at " << cut;
    ASSERT_TRUE(splitter.Finish().ok());
    ASSERT_EQ(collector.fragments.size(), whole->fragments.size()) << "cut at " << cut;
    for (size_t i = 0; i < collector.fragments.size(); ++i) {
      ASSERT_EQ(collector.fragments[i].bytes, whole->fragments[i].bytes)
          << "fragment " << i << " differs when the input is cut at " << cut;
    }
  }
}

}  // namespace
}  // namespace kedge::video::mkv
