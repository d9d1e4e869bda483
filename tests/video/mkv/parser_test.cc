#include "video/mkv/parser.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video::mkv {
namespace {

using testing::MakeCodecPrivate;
using testing::ParseInChunks;
using testing::RecordingListener;

struct B {
  int16_t rel;
  bool key;
  uint64_t track = 1;
};

// EBML header + unknown-size Segment + Info + Tracks with `tracks` H.264 tracks.
Bytes Header(const Bytes& codec_private, int tracks = 1, const std::string& doc_type = "matroska") {
  EbmlWriter w;
  size_t ebml = w.StartMaster(id::kEbml);
  w.PutString(id::kDocType, doc_type);
  w.EndMaster(ebml);
  w.StartUnknownSizeMaster(id::kSegment);
  size_t info = w.StartMaster(id::kInfo);
  w.PutUint(id::kTimecodeScale, 1000000);
  w.EndMaster(info);
  size_t t = w.StartMaster(id::kTracks);
  for (int i = 1; i <= tracks; ++i) {
    size_t e = w.StartMaster(id::kTrackEntry);
    w.PutUint(id::kTrackNumber, i);
    w.PutString(id::kCodecId, kAvcCodecId);
    if (!codec_private.empty()) w.PutBinary(id::kCodecPrivate, codec_private);
    w.EndMaster(e);
  }
  w.EndMaster(t);
  return w.Release();
}
Bytes Header(int tracks = 1) { return Header(MakeCodecPrivate(320, 240), tracks); }

Bytes Cluster(uint64_t timecode, const std::vector<B>& blocks) {
  EbmlWriter w;
  WriteClusterStart(w, timecode);
  for (const B& b : blocks) {
    uint8_t frame[] = {0, 0, 0, 2, static_cast<uint8_t>(b.key ? 0x65 : 0x41), 0x80};
    w.PutId(id::kSimpleBlock);
    w.PutSize(4 + sizeof(frame));
    w.PutRawByte(static_cast<uint8_t>(0x80 | b.track));
    w.PutRawByte(static_cast<uint8_t>(static_cast<uint16_t>(b.rel) >> 8));
    w.PutRawByte(static_cast<uint8_t>(b.rel));
    w.PutRawByte(b.key ? 0x80 : 0);
    w.PutRaw(frame, sizeof(frame));
  }
  return w.Release();
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes TagsOf(int count) {
  std::vector<Tag> tags;
  for (int i = 0; i < count; ++i) tags.push_back({"k" + std::to_string(i), "v"});
  EbmlWriter w;
  WriteTags(w, tags);
  return w.Release();
}

MkvError ErrorOf(const Bytes& data, MkvParser::Options options = MkvParser::Options()) {
  RecordingListener l;
  MkvError error = MkvError::kNone;
  Status s = ParseInChunks(data, 3, l, options, &error);
  EXPECT_EQ(s.ok(), error == MkvError::kNone) << s.ToString();
  return error;
}

TEST(MkvParserTest, ValidStreamGivesEventsInOrder) {
  Bytes body = Cat(
      {Header(), Cluster(1000, {{0, true}, {33, false}}), TagsOf(1), Cluster(1066, {{0, true}})});
  RecordingListener l;
  ASSERT_TRUE(ParseInChunks(body, body.size(), l).ok());
  std::vector<std::string> kinds;
  for (const std::string& e : l.events) kinds.push_back(e.substr(0, e.find_first_of(" @")));
  EXPECT_EQ(kinds, (std::vector<std::string>{"ebml", "segment", "info", "tracks", "cluster",
                                             "block", "block", "cluster", "tags", "cluster",
                                             "block", "cluster", "segment"}));
  ASSERT_EQ(l.clusters.size(), 2u);
  EXPECT_EQ(l.clusters[1].timecode, 1066u);
  EXPECT_EQ(l.blocks[1].time_ns, 1033 * 1000000);
  EXPECT_FALSE(l.blocks[1].key);
  EXPECT_EQ(l.tracks.at(0).width, 320u);  // from the SPS: the header has no Video element
}

TEST(MkvParserTest, EventsDoNotDependOnHowTheBytesAreSplit) {
  FakeClock clock;
  MkvFragmenter::Options o;
  o.codec_private = MakeCodecPrivate(640, 480);
  auto f = MkvFragmenter::Create(o, clock);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->AddMetadata("site", "lab", true).ok());
  Bytes body;
  for (int i = 0; i < 50; ++i) {
    auto out = (*f)->AddFrame(testing::MakeFrame(i * 40000000, i % 10 == 0, 300 + i));
    ASSERT_TRUE(out.ok());
    if (*out) body = Cat({body, (*out)->header, (*out)->bytes});
  }
  auto last = (*f)->Flush();
  body = Cat({body, last->header, last->bytes});

  RecordingListener whole;
  ASSERT_TRUE(ParseInChunks(body, body.size(), whole).ok());
  EXPECT_EQ(whole.blocks.size(), 50u);
  for (size_t chunk : {1, 2, 3, 5, 7, 13, 64, 1000}) {
    RecordingListener l;
    ASSERT_TRUE(ParseInChunks(body, chunk, l).ok()) << chunk;
    EXPECT_EQ(l.events, whole.events) << "chunk " << chunk;
  }
}

TEST(MkvParserTest, NotMatroskaIsInvalidMkvData) {
  Bytes text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(ErrorOf(text), MkvError::kInvalidMkvData);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kInvalidMkvData).error_id, 4006);
  EXPECT_STREQ(KvsAckErrorFor(MkvError::kInvalidMkvData).error_code, "INVALID_MKV_DATA");
  EXPECT_EQ(ErrorOf(Header(MakeCodecPrivate(320, 240), 1, "mp4")), MkvError::kInvalidMkvData);
}

TEST(MkvParserTest, ClusterBeforeTracksIsInvalid) {
  EbmlWriter w;
  size_t ebml = w.StartMaster(id::kEbml);
  w.PutString(id::kDocType, "matroska");
  w.EndMaster(ebml);
  w.StartUnknownSizeMaster(id::kSegment);
  Bytes body = Cat({w.Release(), Cluster(0, {{0, true}})});
  EXPECT_EQ(ErrorOf(body), MkvError::kInvalidMkvData);
}

TEST(MkvParserTest, H264TrackNeedsValidCodecPrivate) {
  EXPECT_EQ(ErrorOf(Cat({Header(Bytes{}), Cluster(0, {{0, true}})})),
            MkvError::kMissingCodecPrivate);
  EXPECT_EQ(ErrorOf(Header(Bytes{1, 66, 0, 30, 0xFF, 0xE1, 0, 9})), MkvError::kMissingCodecPrivate);
}

TEST(MkvParserTest, FragmentMustStartWithAKeyFrame) {
  EXPECT_EQ(ErrorOf(Cat({Header(), Cluster(0, {{0, false}, {33, true}})})),
            MkvError::kFragmentNotKeyFrame);
  MkvParser::Options syntax_only;
  syntax_only.kvs_rules = false;
  EXPECT_EQ(ErrorOf(Cat({Header(), Cluster(0, {{0, false}})}), syntax_only), MkvError::kNone);
}

TEST(MkvParserTest, TimecodesMustIncreaseAcrossFragments) {
  Bytes first = Cluster(1000, {{0, true}, {40, false}});
  EXPECT_EQ(ErrorOf(Cat({Header(), first, Cluster(1040, {{0, true}})})),
            MkvError::kTimecodeNotIncreasing);  // equal to the last frame: KVS says 4004
  EXPECT_EQ(ErrorOf(Cat({Header(), first, Cluster(900, {{0, true}})})),
            MkvError::kTimecodeNotIncreasing);
  EXPECT_EQ(ErrorOf(Cat({Header(), first, Cluster(1041, {{0, true}})})), MkvError::kNone);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kTimecodeNotIncreasing).error_id, 4004);
}

TEST(MkvParserTest, FragmentTooLargeAndTooLong) {
  MkvParser::Options small;
  small.max_fragment_bytes = 40;
  Bytes many = Cluster(0, {{0, true}, {1, false}, {2, false}, {3, false}});
  EXPECT_EQ(ErrorOf(Cat({Header(), many}), small), MkvError::kFragmentTooLarge);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kFragmentTooLarge).error_id, 4001);

  EXPECT_EQ(ErrorOf(Cat({Header(), Cluster(0, {{0, true}, {10001, false}})})),
            MkvError::kFragmentTooLong);
  EXPECT_EQ(ErrorOf(Cat({Header(), Cluster(0, {{0, true}, {10000, false}})})), MkvError::kNone);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kFragmentTooLong).error_id, 4002);
}

TEST(MkvParserTest, TrackRulesMapToTheirKvsErrors) {
  EXPECT_EQ(ErrorOf(Cat({Header(), Cluster(0, {{0, true, 2}})})), MkvError::kTrackNumberMismatch);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kTrackNumberMismatch).error_id, 4010);
  EXPECT_EQ(ErrorOf(Header(4)), MkvError::kTooManyTracks);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kTooManyTracks).error_id, 4012);
  EXPECT_EQ(ErrorOf(Cat({Header(2), Cluster(0, {{0, true, 1}})})),
            MkvError::kFramesMissingForTrack);
  EXPECT_EQ(ErrorOf(Cat({Header(2), Cluster(0, {{0, true, 1}, {0, true, 2}})})), MkvError::kNone);
}

TEST(MkvParserTest, AtMostTenMetadataTagsPerFragment) {
  EXPECT_EQ(ErrorOf(Cat({Header(), TagsOf(10), Cluster(0, {{0, true}})})), MkvError::kNone);
  EXPECT_EQ(ErrorOf(Cat({Header(), TagsOf(6), TagsOf(5), Cluster(0, {{0, true}})})),
            MkvError::kMetadataLimit);
  EXPECT_EQ(KvsAckErrorFor(MkvError::kMetadataLimit).error_id, 4009);
}

TEST(MkvParserTest, OneSegmentPerStreamUnlessAllowed) {
  Bytes two = Cat({Header(), Cluster(0, {{0, true}}), Header(), Cluster(100, {{0, true}})});
  EXPECT_EQ(ErrorOf(two), MkvError::kMoreThanOneSegment);
  MkvParser::Options many;
  many.allow_multiple_segments = true;
  RecordingListener l;
  ASSERT_TRUE(ParseInChunks(two, 5, l, many).ok());
  EXPECT_EQ(l.clusters.size(), 2u);
  EXPECT_EQ(std::count_if(l.events.begin(), l.events.end(),
                          [](const std::string& e) { return e.rfind("segment end", 0) == 0; }),
            2);
}

TEST(MkvParserTest, TruncatedStreamFailsAtFinishButKeepsWhatCameBefore) {
  Bytes body = Cat({Header(), Cluster(0, {{0, true}, {33, false}})});
  body.resize(body.size() - 3);
  RecordingListener l;
  MkvError error;
  EXPECT_FALSE(ParseInChunks(body, 4, l, {}, &error).ok());
  EXPECT_EQ(error, MkvError::kInvalidMkvData);
  EXPECT_EQ(l.blocks.size(), 1u);
}

TEST(MkvParserTest, HugeDeclaredSizesFailWithoutWaitingForTheData) {
  EbmlWriter w;
  w.PutId(id::kSimpleBlock);
  w.PutSize(uint64_t{1} << 50);
  Bytes body = Cat({Header(), Cluster(0, {}), w.Release()});
  for (bool kvs_rules : {true, false}) {
    RecordingListener l;
    MkvParser::Options o;
    o.kvs_rules = kvs_rules;
    MkvParser parser(o, l);
    Status s = parser.Feed(body.data(), body.size());
    EXPECT_FALSE(s.ok());
    // With the KVS rules the fragment limit trips first; without them the frame limit does.
    EXPECT_EQ(parser.error(), kvs_rules ? MkvError::kFragmentTooLarge : MkvError::kInvalidMkvData);
    if (!kvs_rules) {
      EXPECT_NE(s.message().find("over the limit"), std::string::npos);
    }
  }
}

TEST(MkvParserTest, ChildRunningPastItsKnownSizeParentIsInvalid) {
  EbmlWriter w;
  w.PutId(id::kCluster);
  w.PutSize(3);  // too small for the Timecode element inside
  w.PutUint(id::kTimecode, 1000);
  EXPECT_EQ(ErrorOf(Cat({Header(), w.Release()})), MkvError::kInvalidMkvData);
}

TEST(MkvParserTest, UnknownSizeIsOnlyAcceptedForSegmentAndCluster) {
  EbmlWriter w;
  w.StartUnknownSizeMaster(id::kCues);
  EXPECT_EQ(ErrorOf(Cat({Header(), w.Release()})), MkvError::kInvalidMkvData);
}

TEST(MkvParserTest, KnownSizesBlockGroupsAndSkippedElementsParse) {
  Bytes header = Header();
  EbmlWriter c;
  size_t cluster = c.StartMaster(id::kCluster);
  c.PutUint(id::kTimecode, 500);
  c.PutBinary(id::kVoid, Bytes(10, 0));
  size_t group = c.StartMaster(id::kBlockGroup);
  c.PutBinary(id::kBlock, Bytes{0x81, 0, 0, 0, 0, 0, 0, 1, 0x65});
  c.EndMaster(group);
  group = c.StartMaster(id::kBlockGroup);
  c.PutBinary(id::kBlock, Bytes{0x81, 0, 20, 0, 0, 0, 0, 1, 0x41});
  c.PutInt(id::kReferenceBlock, -20);
  c.EndMaster(group);
  c.EndMaster(cluster);
  EbmlWriter cues;
  cues.PutBinary(id::kCues, Bytes(5, 0x42));
  Bytes body = Cat({header, c.Release(), cues.Release()});
  RecordingListener l;
  ASSERT_TRUE(ParseInChunks(body, 2, l).ok());
  ASSERT_EQ(l.blocks.size(), 2u);
  EXPECT_TRUE(l.blocks[0].key);
  EXPECT_FALSE(l.blocks[1].key);
  EXPECT_EQ(l.blocks[1].time_ns, 520 * 1000000);
}

TEST(MkvParserTest, LacedBlocksAreRejected) {
  Bytes cluster = Cluster(0, {{0, true}});
  cluster[cluster.size() - 7] |= 0x02;  // Xiph lacing flag in the SimpleBlock flags byte
  EXPECT_EQ(ErrorOf(Cat({Header(), cluster})), MkvError::kInvalidMkvData);
}

TEST(MkvParserTest, StaysFailedAndReportsTheOffset) {
  Bytes body = Cat({Header(), Cluster(0, {{0, false}})});
  RecordingListener l;
  MkvParser parser({}, l);
  Status first = parser.Feed(body.data(), body.size());
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.message().find("MKV at byte "), std::string::npos);
  EXPECT_EQ(parser.Feed(body.data(), 1), first);
  EXPECT_EQ(parser.Finish(), first);
}

TEST(MkvParserTest, EveryPrefixGivesAPrefixOfTheEvents) {
  Bytes body = Cat(
      {Header(), TagsOf(2), Cluster(1000, {{0, true}, {30, false}}), Cluster(1100, {{0, true}})});
  RecordingListener full;
  ASSERT_TRUE(ParseInChunks(body, body.size(), full).ok());
  size_t truncated = 0;
  for (size_t cut = 0; cut < body.size(); ++cut) {
    RecordingListener l;
    MkvParser parser({}, l);
    ASSERT_TRUE(parser.Feed(body.data(), cut).ok()) << cut;
    ASSERT_LE(l.events.size(), full.events.size());
    EXPECT_TRUE(std::equal(l.events.begin(), l.events.end(), full.events.begin())) << cut;
    // A cut at an element boundary is a valid (shorter) stream; inside an element it is not.
    Status end = parser.Finish();
    if (!end.ok()) {
      // Inside an element, or right after a Cluster Timecode (a fragment with no frame).
      EXPECT_TRUE(parser.error() == MkvError::kInvalidMkvData ||
                  parser.error() == MkvError::kFramesMissingForTrack)
          << cut;
      ++truncated;
    }
  }
  EXPECT_GT(truncated, body.size() / 2);
}

// A light in-process fuzz pass: mutated and truncated streams, fed in random chunk sizes, must
// never crash or hang, and the error state must agree with the status. The libFuzzer target
// does the same at scale.
TEST(MkvParserTest, MutatedInputNeverCrashes) {
  Bytes body = Cat({Header(2), TagsOf(3), Cluster(1000, {{0, true, 1}, {0, true, 2}, {5, false}}),
                    Cluster(2000, {{0, true, 2}, {1, true, 1}})});
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    Bytes m = body;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % m.size();
      switch (rng() % 4) {
        case 0:
          m[at] = static_cast<uint8_t>(rng());
          break;
        case 1:
          m[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 2:
          m.resize(at + 1);
          break;
        default:
          m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng()));
          break;
      }
    }
    RecordingListener l;
    MkvError error = MkvError::kNone;
    Status s = ParseInChunks(m, 1 + rng() % 17, l, {}, &error);
    ASSERT_EQ(s.ok(), error == MkvError::kNone) << "round " << round << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace kedge::video::mkv
