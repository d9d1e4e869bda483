#include "video/capture/frame_rules.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "video/capture/gst_probe.h"

namespace kedge::video {
namespace {

BufferFacts Good(bool delta) {
  BufferFacts f;
  f.delta = delta;
  f.has_pts = f.has_dts = true;
  f.size = 100;
  return f;
}

TEST(FrameRulesTest, KeepsTimestampedFramesAfterTheFirstKeyFrame) {
  EXPECT_EQ(ClassifyBuffer(Good(false), false), FrameVerdict::kKeep);
  EXPECT_EQ(ClassifyBuffer(Good(true), true), FrameVerdict::kKeep);
}

TEST(FrameRulesTest, DropsDeltaFramesBeforeTheFirstKeyFrame) {
  EXPECT_EQ(ClassifyBuffer(Good(true), false), FrameVerdict::kDropBeforeKeyFrame);
}

TEST(FrameRulesTest, DropsCorruptedDecodeOnlyHeaderOnlyEmptyAndUntimedBuffers) {
  BufferFacts f = Good(false);
  f.corrupted = true;
  EXPECT_EQ(ClassifyBuffer(f, true), FrameVerdict::kDropCorrupted);
  f = Good(false);
  f.decode_only = true;
  EXPECT_EQ(ClassifyBuffer(f, true), FrameVerdict::kDropDecodeOnly);
  f = Good(false);
  f.header = true;
  f.has_pts = f.has_dts = false;
  EXPECT_EQ(ClassifyBuffer(f, true), FrameVerdict::kDropHeaderOnly);
  f = Good(false);
  f.header = true;  // a key frame with SPS/PPS put in by h264parse, from a file without dts
  f.has_dts = false;
  EXPECT_EQ(ClassifyBuffer(f, false), FrameVerdict::kKeep);
  f = Good(false);
  f.size = 0;
  EXPECT_EQ(ClassifyBuffer(f, true), FrameVerdict::kDropEmpty);
  f = Good(false);
  f.has_pts = false;
  EXPECT_EQ(ClassifyBuffer(f, true), FrameVerdict::kDropNoTimestamp);
}

TEST(FrameRulesTest, ReadsFlagsFromARealGstBuffer) {
  ASSERT_TRUE(EnsureGstInitialized().ok());
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, 42, nullptr);
  GST_BUFFER_PTS(buffer) = 5 * GST_MSECOND;
  GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_CORRUPTED);
  BufferFacts facts = FactsFromBuffer(buffer);
  EXPECT_TRUE(facts.delta);
  EXPECT_TRUE(facts.corrupted);
  EXPECT_FALSE(facts.decode_only);
  EXPECT_FALSE(facts.header);
  EXPECT_TRUE(facts.has_pts);
  EXPECT_FALSE(facts.has_dts);
  EXPECT_EQ(facts.size, 42u);
  gst_buffer_unref(buffer);
}

}  // namespace
}  // namespace kedge::video
