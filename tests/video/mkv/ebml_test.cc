#include "video/mkv/ebml.h"

#include <gtest/gtest.h>

namespace kedge::video::mkv {
namespace {

Bytes Written(void (*fill)(EbmlWriter&)) {
  EbmlWriter w;
  fill(w);
  return w.Release();
}

TEST(EbmlTest, SizeVintUsesShortestLengthAndAvoidsTheUnknownPattern) {
  EXPECT_EQ(SizeVintLength(0), 1);
  EXPECT_EQ(SizeVintLength(126), 1);
  EXPECT_EQ(SizeVintLength(127), 2);  // 0xFF would mean "unknown"
  EXPECT_EQ(SizeVintLength(16382), 2);
  EXPECT_EQ(SizeVintLength(16383), 3);
  EXPECT_EQ(SizeVintLength(kMaxKnownSize), 8);
}

TEST(EbmlTest, WritesSizeVintsBigEndianWithMarkerBit) {
  EbmlWriter w;
  w.PutSize(5);
  w.PutSize(127);
  w.PutSize(0x1234, 4);
  EXPECT_EQ(w.bytes(), (Bytes{0x85, 0x40, 0x7F, 0x10, 0x00, 0x12, 0x34}));
}

TEST(EbmlTest, UnknownSizeMasterIsTheEightByteAllOnesSize) {
  Bytes b = Written([](EbmlWriter& w) { w.StartUnknownSizeMaster(id::kCluster); });
  EXPECT_EQ(b, (Bytes{0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(EbmlTest, UnsignedElementsUseMinimalBytes) {
  Bytes b = Written([](EbmlWriter& w) {
    w.PutUint(id::kTrackNumber, 1);
    w.PutUint(id::kTimecodeScale, 1000000);
    w.PutUint(id::kTimecode, 0);
  });
  EXPECT_EQ(b,
            (Bytes{0xD7, 0x81, 0x01, 0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40, 0xE7, 0x81, 0x00}));
}

TEST(EbmlTest, SignedElementsSignExtend) {
  Bytes b = Written([](EbmlWriter& w) {
    w.PutInt(id::kReferenceBlock, -1);
    w.PutInt(id::kReferenceBlock, 128);
  });
  EXPECT_EQ(b, (Bytes{0xFB, 0x81, 0xFF, 0xFB, 0x82, 0x00, 0x80}));
}

TEST(EbmlTest, FloatIsEightByteIeee) {
  Bytes b = Written([](EbmlWriter& w) { w.PutFloat(id::kDuration, 1.5); });
  EXPECT_EQ(b, (Bytes{0x44, 0x89, 0x88, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0}));
  double v = 0;
  ASSERT_TRUE(DecodeFloat(b.data() + 3, 8, &v));
  EXPECT_EQ(v, 1.5);
}

TEST(EbmlTest, StringAndBinaryElements) {
  Bytes b = Written([](EbmlWriter& w) {
    w.PutString(id::kDocType, "webm");
    w.PutBinary(id::kCodecPrivate, Bytes{1, 2});
  });
  EXPECT_EQ(b, (Bytes{0x42, 0x82, 0x84, 'w', 'e', 'b', 'm', 0x63, 0xA2, 0x82, 1, 2}));
}

TEST(EbmlTest, NestedMastersGetTheirSizesFilledIn) {
  EbmlWriter w;
  size_t outer = w.StartMaster(id::kTags);
  size_t inner = w.StartMaster(id::kTag);
  w.PutString(id::kTagName, std::string(200, 'x'));  // pushes the outer sizes to 2 bytes
  w.EndMaster(inner);
  w.EndMaster(outer);
  const Bytes& b = w.bytes();
  // Tags id (4) + size (2) + Tag id (2) + size (2) + TagName id (2) + size (2) + 200.
  ASSERT_EQ(b.size(), 214u);
  uint64_t size = 0;
  ASSERT_EQ(ReadSizeVint(b.data() + 4, b.size() - 4, &size), 2);
  EXPECT_EQ(size, 208u);
  ASSERT_EQ(ReadSizeVint(b.data() + 8, b.size() - 8, &size), 2);
  EXPECT_EQ(size, 204u);
}

TEST(EbmlTest, ReadsVintsAndIdsAndAsksForMoreWhenShort) {
  uint64_t v = 0;
  const uint8_t two[] = {0x40, 0x7F};
  EXPECT_EQ(ReadSizeVint(two, 1, &v), 0);
  EXPECT_EQ(ReadSizeVint(two, 2, &v), 2);
  EXPECT_EQ(v, 127u);
  const uint8_t unknown1[] = {0xFF};
  EXPECT_EQ(ReadSizeVint(unknown1, 1, &v), 1);
  EXPECT_EQ(v, kUnknownSize);
  const uint8_t bad[] = {0x00, 0x01};
  EXPECT_EQ(ReadSizeVint(bad, 2, &v), -1);

  uint32_t element = 0;
  const uint8_t seg[] = {0x18, 0x53, 0x80, 0x67};
  EXPECT_EQ(ReadId(seg, 3, &element), 0);
  EXPECT_EQ(ReadId(seg, 4, &element), 4);
  EXPECT_EQ(element, id::kSegment);
  const uint8_t bad_id[] = {0x08, 0, 0, 0, 0};
  EXPECT_EQ(ReadId(bad_id, 5, &element), -1);
}

TEST(EbmlTest, RoundTripsEveryVintLength) {
  for (int len = 1; len <= 8; ++len) {
    uint64_t value = (uint64_t{1} << (7 * len)) - 2;  // the largest known value of this length
    EbmlWriter w;
    w.PutSize(value);
    ASSERT_EQ(w.size(), static_cast<size_t>(len));
    uint64_t back = 0;
    ASSERT_EQ(ReadSizeVint(w.bytes().data(), w.size(), &back), len);
    EXPECT_EQ(back, value);
  }
}

}  // namespace
}  // namespace kedge::video::mkv
