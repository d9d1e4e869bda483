#pragma once
// UTC calendar conversions and the time formats AWS answers carry. (X-Amz-Date is formatted and
// parsed by AmzDate/ParseAmzDate in sigv4.h, built on these.) Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "platform/clock.h"
#include "platform/status.h"

namespace kedge::aws {

// A UTC calendar time with second precision.
struct UtcTime {
  int year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;    // 1-31
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
};

// `time` in UTC, rounded down to the second.
UtcTime ToUtc(WallTime time);
// InvalidArgument when a field is out of range (month 13, day 31 of a 30-day month, hour 24...).
StatusOr<WallTime> FromUtc(const UtcTime& utc);

// Parses an HTTP Date header in IMF-fixdate form, as AWS sends it:
// "Wed, 25 Nov 2026 18:49:12 GMT". InvalidArgument quoting the text otherwise.
StatusOr<WallTime> ParseHttpDate(std::string_view text);
// The same form, for Date headers of answers: FormatHttpDate(t) parses back to t (to the second).
std::string FormatHttpDate(WallTime time);
// ISO 8601 in UTC to the second, as AWS writes expirations: "2026-11-25T19:00:00Z".
std::string FormatIso8601(WallTime time);

}  // namespace kedge::aws
