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
