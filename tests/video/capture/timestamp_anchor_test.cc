#include "video/capture/timestamp_anchor.h"

#include <gtest/gtest.h>

#include <chrono>

namespace kedge::video {
namespace {

int64_t WallNs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.WallNow().time_since_epoch())
      .count();
}

TEST(TimestampAnchorTest, AnchorsTheFirstFrameToTheWallClockThenFollowsRunningTime) {
  FakeClock clock;
  TimestampAnchor anchor(clock);
  const int64_t start = WallNs(clock);
  EXPECT_EQ(anchor.ProducerTime(500), start);
  // The wall clock stepping (NTP) does not move producer times: they follow the pipeline.
  clock.SetWall(clock.WallNow() + std::chrono::hours(1));
  EXPECT_EQ(anchor.ProducerTime(500 + 33'000'000), start + 33'000'000);
}

TEST(TimestampAnchorTest, AFrameThatArrivesAfterTheEncodersLatencyIsStampedWhenCaptured) {
  FakeClock clock;
  TimestampAnchor anchor(clock);
  const int64_t now = WallNs(clock);
  // Captured at running time 0, handed over 400 ms later (the pipeline's running time now).
  EXPECT_EQ(anchor.ProducerTime(0, 400'000'000), now - 400'000'000);
  EXPECT_EQ(anchor.ProducerTime(33'000'000), now - 400'000'000 + 33'000'000);
}

TEST(TimestampAnchorTest, AnImplausiblePipelineClockIsNotUsedForTheAnchor) {
  FakeClock clock;
  TimestampAnchor a(clock);
  EXPECT_EQ(a.ProducerTime(1'000, 500), WallNs(clock)) << "a clock behind the frame";
  TimestampAnchor b(clock);
  EXPECT_EQ(b.ProducerTime(0, TimestampAnchor::kMaxLatencyNs + 1), WallNs(clock))
      << "more latency than any encoder has";
}

TEST(TimestampAnchorTest, RestartReanchorsToTheWallClock) {
  FakeClock clock;
  TimestampAnchor anchor(clock);
  anchor.ProducerTime(0);
  clock.Advance(std::chrono::seconds(10));
  anchor.NewRun();
  EXPECT_EQ(anchor.ProducerTime(0), WallNs(clock));
}

TEST(TimestampAnchorTest, RestartNeverGoesBackBeforeThePreviousRun) {
  FakeClock clock;
  TimestampAnchor anchor(clock);
  int64_t first = anchor.ProducerTime(0);
  int64_t last = anchor.ProducerTime(5'000'000'000);  // a file read faster than real time
  EXPECT_EQ(last, first + 5'000'000'000);
  anchor.NewRun();
  int64_t restarted = anchor.ProducerTime(0);
  EXPECT_EQ(restarted, last + TimestampAnchor::kRestartGapNs);
  EXPECT_EQ(anchor.ProducerTime(40'000'000), restarted + 40'000'000);
}

}  // namespace
}  // namespace kedge::video
