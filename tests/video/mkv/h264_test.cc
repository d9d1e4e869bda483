#include "video/mkv/h264.h"

#include <gtest/gtest.h>

#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::video::mkv {
namespace {

using testing::MakePps;
using testing::MakeSps;

TEST(H264Test, SplitsAnnexBOnThreeAndFourByteStartCodes) {
  Bytes data = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5, 0};
  std::vector<NalUnit> nals = SplitAnnexB(data.data(), data.size());
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(nals[0].type(), nal::kSps);
  EXPECT_EQ(nals[0].size, 3u);
  EXPECT_EQ(nals[1].type(), nal::kPps);
  EXPECT_EQ(nals[1].size, 2u);
  EXPECT_EQ(nals[2].type(), nal::kIdr);
  EXPECT_EQ(nals[2].size, 3u);  // the trailing zero byte is not part of the NAL
}

TEST(H264Test, ConvertsAnnexBToFourByteLengths) {
  Bytes data = {0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x65, 0x88};
  EXPECT_EQ(AnnexBToAvc(data.data(), data.size()),
            (Bytes{0, 0, 0, 2, 0x09, 0xF0, 0, 0, 0, 2, 0x65, 0x88}));
}

TEST(H264Test, AnnexBWithoutStartCodeYieldsNothing) {
  Bytes data = {0x65, 1, 2, 3};
  EXPECT_TRUE(SplitAnnexB(data.data(), data.size()).empty());
}

TEST(H264Test, SplitsAvcAndRejectsLengthsPastTheEnd) {
  Bytes ok = {0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x41};
  auto nals = SplitAvc(ok.data(), ok.size());
  ASSERT_TRUE(nals.ok());
  ASSERT_EQ(nals->size(), 2u);
  EXPECT_EQ((*nals)[1].type(), 1);

  Bytes bad = {0, 0, 0, 9, 0x65, 1};
  EXPECT_FALSE(SplitAvc(bad.data(), bad.size()).ok());
  Bytes short_len = {0, 0, 0, 1, 0x65, 0, 0};
  EXPECT_FALSE(SplitAvc(short_len.data(), short_len.size()).ok());
  Bytes two = {0, 1, 0x65};
  EXPECT_TRUE(SplitAvc(two.data(), two.size(), 2).ok());
  EXPECT_FALSE(SplitAvc(two.data(), two.size(), 3).ok());
}

struct SizeCase {
  uint32_t width, height;
  bool high;
};

class SpsSizeTest : public ::testing::TestWithParam<SizeCase> {};

TEST_P(SpsSizeTest, ParsesPictureSizeIncludingCropping) {
  SizeCase c = GetParam();
  Bytes sps = MakeSps(c.width, c.height, c.high);
  auto info = ParseSps(sps.data(), sps.size());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, c.width);
  EXPECT_EQ(info->height, c.height);
  EXPECT_EQ(info->profile_idc, c.high ? 100 : 66);
  EXPECT_EQ(info->level_idc, 30);
}

INSTANTIATE_TEST_SUITE_P(Sizes, SpsSizeTest,
                         ::testing::Values(SizeCase{320, 240, false}, SizeCase{1920, 1080, false},
                                           SizeCase{1280, 720, true}, SizeCase{1920, 1080, true},
                                           SizeCase{642, 362, false}, SizeCase{16, 16, false}));

TEST(H264Test, SpsWithEmulationPreventionBytesParses) {
  Bytes sps = MakeSps(1280, 720, /*high=*/false, /*needs_escape=*/true);
  ASSERT_GE(sps.size(), 5u);
  EXPECT_EQ((Bytes{sps[2], sps[3], sps[4]}), (Bytes{0, 0, 3}));  // the escape is really there
  auto info = ParseSps(sps.data(), sps.size());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, 1280u);
  EXPECT_EQ(info->height, 720u);
  EXPECT_EQ(info->level_idc, 0);
}

TEST(H264Test, TruncatedOrWrongSpsIsAnError) {
  Bytes sps = MakeSps(1280, 720);
  EXPECT_FALSE(ParseSps(sps.data(), 5).ok());
  Bytes pps = MakePps();
  EXPECT_FALSE(ParseSps(pps.data(), pps.size()).ok());
  Bytes zeros(40, 0);
  zeros[0] = 0x67;
  EXPECT_FALSE(ParseSps(zeros.data(), zeros.size()).ok());
}

TEST(H264Test, DecoderConfigRoundTrips) {
  Bytes sps = MakeSps(640, 480), pps = MakePps();
  auto cpd = BuildAvcDecoderConfig({{sps.data(), sps.size()}}, {{pps.data(), pps.size()}});
  ASSERT_TRUE(cpd.ok());
  EXPECT_EQ((*cpd)[0], 1);
  EXPECT_EQ((*cpd)[1], 66);
  EXPECT_EQ((*cpd)[4], 0xFF);  // 4-byte NAL lengths
  auto cfg = ParseAvcDecoderConfig(cpd->data(), cpd->size());
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->length_size, 4);
  ASSERT_EQ(cfg->sps.size(), 1u);
  EXPECT_EQ(cfg->sps[0], sps);
  ASSERT_EQ(cfg->pps.size(), 1u);
  EXPECT_EQ(cfg->pps[0], pps);
  auto size = InspectAvcCodecPrivate(cpd->data(), cpd->size());
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->width, 640u);
  EXPECT_EQ(size->height, 480u);
}

TEST(H264Test, HighProfileConfigCarriesChromaExtension) {
  Bytes sps = MakeSps(1280, 720, /*high=*/true), pps = MakePps();
  auto cpd = BuildAvcDecoderConfig({{sps.data(), sps.size()}}, {{pps.data(), pps.size()}});
  ASSERT_TRUE(cpd.ok());
  size_t base = 6 + 2 + sps.size() + 1 + 2 + pps.size();
  ASSERT_EQ(cpd->size(), base + 4);
  EXPECT_EQ((*cpd)[base], 0xFD);  // 0xFC | chroma_format_idc 1
}

TEST(H264Test, BuildingConfigNeedsSpsAndPps) {
  Bytes sps = MakeSps(640, 480);
  EXPECT_FALSE(BuildAvcDecoderConfig({{sps.data(), sps.size()}}, {}).ok());
  Bytes frame = {0, 0, 0, 1, 0x65, 1};
  EXPECT_FALSE(AvcDecoderConfigFromNals(SplitAnnexB(frame.data(), frame.size())).ok());
}

TEST(H264Test, MalformedDecoderConfigsAreRejected) {
  Bytes good = testing::MakeCodecPrivate(320, 240);
  ASSERT_TRUE(ParseAvcDecoderConfig(good.data(), good.size()).ok());
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(ParseAvcDecoderConfig(good.data(), cut).ok()) << "cut at " << cut;
  }
  Bytes wrong_version = good;
  wrong_version[0] = 0;
  EXPECT_FALSE(ParseAvcDecoderConfig(wrong_version.data(), wrong_version.size()).ok());
  Bytes no_sps = {1, 66, 0xC0, 30, 0xFF, 0xE0, 0};
  EXPECT_FALSE(ParseAvcDecoderConfig(no_sps.data(), no_sps.size()).ok());
}

}  // namespace
}  // namespace kedge::video::mkv
