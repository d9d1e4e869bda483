#include "video/mkv/elements.h"

#include <gtest/gtest.h>

namespace kedge::video::mkv {
namespace {

Bytes Body(void (*fill)(EbmlWriter&)) {
  EbmlWriter w;
  fill(w);
  return w.Release();
}

TEST(ElementsTest, ReadsTrackEntriesWithVideoSize) {
  Bytes body = Body([](EbmlWriter& w) {
    size_t e = w.StartMaster(id::kTrackEntry);
    w.PutUint(id::kTrackNumber, 2);
    w.PutUint(id::kTrackType, 1);
    w.PutString(id::kCodecId, std::string("V_MPEG4/ISO/AVC\0\0", 17));  // zero padding
    size_t v = w.StartMaster(id::kVideo);
    w.PutUint(id::kPixelWidth, 1280);
    w.PutUint(id::kPixelHeight, 720);
    w.EndMaster(v);
    w.EndMaster(e);
  });
  auto tracks = ReadTracks(body.data(), body.size());
  ASSERT_TRUE(tracks.ok()) << tracks.status().ToString();
  ASSERT_EQ(tracks->size(), 1u);
  EXPECT_EQ((*tracks)[0].number, 2u);
  EXPECT_EQ((*tracks)[0].codec_id, "V_MPEG4/ISO/AVC");
  EXPECT_EQ((*tracks)[0].width, 1280u);
  EXPECT_EQ((*tracks)[0].height, 720u);
}

TEST(ElementsTest, RejectsDuplicateMissingOrTooManyTrackNumbers) {
  Bytes dup = Body([](EbmlWriter& w) {
    for (int i = 0; i < 2; ++i) {
      size_t e = w.StartMaster(id::kTrackEntry);
      w.PutUint(id::kTrackNumber, 1);
      w.EndMaster(e);
    }
  });
  EXPECT_FALSE(ReadTracks(dup.data(), dup.size()).ok());
  Bytes none = Body([](EbmlWriter& w) {
    size_t e = w.StartMaster(id::kTrackEntry);
    w.EndMaster(e);
  });
  EXPECT_FALSE(ReadTracks(none.data(), none.size()).ok());
  Bytes many = Body([](EbmlWriter& w) {
    for (uint64_t i = 1; i <= kMaxTracks + 1; ++i) {
      size_t e = w.StartMaster(id::kTrackEntry);
      w.PutUint(id::kTrackNumber, i);
      w.EndMaster(e);
    }
  });
  EXPECT_FALSE(ReadTracks(many.data(), many.size()).ok());
}

TEST(ElementsTest, TimecodeScaleDefaultsToOneMillisecondAndIsRangeChecked) {
  auto none = ReadTimecodeScale(nullptr, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 1000000u);
  Bytes zero = Body([](EbmlWriter& w) { w.PutUint(id::kTimecodeScale, 0); });
  EXPECT_FALSE(ReadTimecodeScale(zero.data(), zero.size()).ok());
}

TEST(ElementsTest, ReadsBlockGroupKeyFromReferenceBlock) {
  Bytes group = Body([](EbmlWriter& w) {
    w.PutBinary(id::kBlock, Bytes{0x82, 0xFF, 0xFF, 0x00, 0xAA});
    w.PutInt(id::kReferenceBlock, -33);
  });
  auto b = ReadBlock(group.data(), group.size(), /*simple=*/false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->track, 2u);
  EXPECT_EQ(b->relative_timecode, -1);
  EXPECT_FALSE(b->key);
  ASSERT_EQ(b->size, 1u);
  EXPECT_EQ(b->data[0], 0xAA);
  Bytes no_block = Body([](EbmlWriter& w) { w.PutInt(id::kReferenceBlock, -33); });
  EXPECT_FALSE(ReadBlock(no_block.data(), no_block.size(), false).ok());
  Bytes short_block = {0x81, 0x00};
  EXPECT_FALSE(ReadBlock(short_block.data(), short_block.size(), true).ok());
}

TEST(ElementsTest, ChildrenMustFitTheirParent) {
  Bytes body = Body([](EbmlWriter& w) { w.PutString(id::kDocType, "matroska"); });
  EXPECT_TRUE(ReadEbmlHeader(body.data(), body.size()).ok());
  EXPECT_FALSE(ReadEbmlHeader(body.data(), body.size() - 1).ok());
  Bytes unknown = {0x42, 0x82, 0xFF};
  EXPECT_FALSE(ReadEbmlHeader(unknown.data(), unknown.size()).ok());
}

}  // namespace
}  // namespace kedge::video::mkv
