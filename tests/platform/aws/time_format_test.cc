#include "platform/aws/time_format.h"

#include <gtest/gtest.h>

#include "platform/aws/clock_skew.h"
#include "platform/aws/errors.h"
#include "platform/aws/sigv4.h"

namespace kedge::aws {
namespace {

using std::chrono::seconds;

WallTime At(int64_t unix_seconds) { return WallTime(seconds(unix_seconds)); }

TEST(TimeFormatTest, ConvertsKnownInstants) {
  UtcTime utc = ToUtc(At(1795632552));
  EXPECT_EQ(utc.year, 2026);
  EXPECT_EQ(utc.month, 11u);
  EXPECT_EQ(utc.day, 25u);
  EXPECT_EQ(utc.hour, 18u);
  EXPECT_EQ(utc.minute, 49u);
  EXPECT_EQ(utc.second, 12u);
  EXPECT_EQ(*FromUtc({2000, 2, 29, 0, 0, 0}), At(951782400));
  UtcTime before_epoch = ToUtc(At(0) - std::chrono::milliseconds(500));
  EXPECT_EQ(before_epoch.year, 1969);
  EXPECT_EQ(before_epoch.second, 59u);
}

TEST(TimeFormatTest, RoundTripsEveryFewDaysOverTwoCenturies) {
  for (int64_t t = -2208988800; t < 4102444800; t += 86400 * 7 + 3601) {
    StatusOr<WallTime> back = FromUtc(ToUtc(At(t)));
    ASSERT_TRUE(back.ok()) << t;
    ASSERT_EQ(*back, At(t)) << t;
  }
}

TEST(TimeFormatTest, RejectsImpossibleDates) {
  EXPECT_FALSE(FromUtc({2026, 2, 29, 0, 0, 0}).ok());
  EXPECT_FALSE(FromUtc({2026, 4, 31, 0, 0, 0}).ok());
  EXPECT_FALSE(FromUtc({2026, 13, 1, 0, 0, 0}).ok());
  EXPECT_FALSE(FromUtc({2026, 1, 1, 24, 0, 0}).ok());
  EXPECT_TRUE(FromUtc({2024, 2, 29, 23, 59, 59}).ok());
}

// Found by fuzz_ingest_http: a year WallTime cannot hold overflowed (undefined behaviour).
TEST(TimeFormatTest, RejectsYearsOutsideWallTime) {
  EXPECT_FALSE(ParseAmzDate("10130050T000000Z").ok());
  EXPECT_FALSE(ParseAmzDate("99991231T235959Z").ok());
  EXPECT_FALSE(ParseHttpDate("Wed, 25 Nov 0001 18:49:12 GMT").ok());
  EXPECT_TRUE(ParseAmzDate("22611231T235959Z").ok());
}

TEST(TimeFormatTest, ParsesHttpDates) {
  EXPECT_EQ(*ParseHttpDate("Wed, 25 Nov 2026 18:49:12 GMT"), At(1795632552));
  for (const char* bad : {"", "Wed, 25 Nov 2026 18:49:12 UTC", "Wed, 25 Foo 2026 18:49:12 GMT",
                          "Wed, 31 Nov 2026 18:49:12 GMT", "Wednesday, 25-Nov-26 18:49:12 GMT",
                          "Wed, 25 Nov 2026 18:49 GMT", "Wed, 25 ovN 2026 18:49:12 GMT"}) {
    EXPECT_EQ(ParseHttpDate(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(TimeFormatTest, FormatsHttpDatesThatParseBack) {
  auto known = ParseHttpDate("Wed, 25 Nov 2026 18:49:12 GMT");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(FormatHttpDate(*known), "Wed, 25 Nov 2026 18:49:12 GMT");
  EXPECT_EQ(FormatHttpDate(WallTime{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  for (int64_t s = 0; s < 4000000000; s += 86400 * 37 + 3599) {
    WallTime t{std::chrono::seconds(s)};
    auto back = ParseHttpDate(FormatHttpDate(t));
    ASSERT_TRUE(back.ok()) << FormatHttpDate(t);
    EXPECT_EQ(*back, t);
  }
}

TEST(ClockSkewTest, CorrectsALocalClockThatIsBehind) {
  ClockSkew skew;
  WallTime local = At(1795632552 - 3600);  // an hour behind, as after a reboot without RTC
  ASSERT_TRUE(skew.Observe("Wed, 25 Nov 2026 18:49:12 GMT", local).ok());
  EXPECT_EQ(skew.offset(), seconds(3600));
  EXPECT_EQ(skew.Correct(local + seconds(10)), At(1795632552 + 10));
}

TEST(ClockSkewTest, IgnoresSmallOffsetsAndKeepsTheOffsetOnBadHeaders) {
  ClockSkew skew;
  ASSERT_TRUE(skew.Observe("Wed, 25 Nov 2026 18:49:12 GMT", At(1795632552 + 600)).ok());
  EXPECT_EQ(skew.offset(), seconds(-600));
  EXPECT_FALSE(skew.Observe("", At(0)).ok());
  EXPECT_FALSE(skew.Observe("yesterday", At(0)).ok());
  EXPECT_EQ(skew.offset(), seconds(-600));
  ASSERT_TRUE(skew.Observe("Wed, 25 Nov 2026 18:49:12 GMT", At(1795632552 + 5)).ok());
  EXPECT_EQ(skew.offset(), seconds(0));
}

TEST(ClockSkewTest, RecognisesClockSkewErrors) {
  EXPECT_TRUE(IsClockSkewError({403, "RequestTimeTooSkewed", "too skewed"}));
  EXPECT_TRUE(IsClockSkewError({400, "RequestExpired", "Request has expired"}));
  EXPECT_TRUE(IsClockSkewError(
      {400, "InvalidSignatureException",
       "Signature expired: 20261125T174912Z is now earlier than 20261125T184412Z"}));
  EXPECT_TRUE(IsClockSkewError(
      {400, "InvalidSignatureException", "Signature not yet current: 20261125T194912Z is still "
                                         "later than 20261125T185412Z"}));
  EXPECT_FALSE(IsClockSkewError({400, "InvalidSignatureException", "does not match"}));
  EXPECT_FALSE(IsClockSkewError({400, "ExpiredTokenException", "expired"}));
}

}  // namespace
}  // namespace kedge::aws
