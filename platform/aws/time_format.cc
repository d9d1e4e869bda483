#include "platform/aws/time_format.h"

#include <cstdint>
#include <cstdio>
#include <string>

#include "platform/aws/sigv4.h"

namespace kedge::aws {
namespace {

// Days since 1970-01-01 to a civil date and back (H. Hinnant's algorithms).
void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(yoe + era * 400 + (*month <= 2 ? 1 : 0));
}

int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  auto yoe = static_cast<unsigned>(year - era * 400);
  unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads `len` decimal digits at `at`.
bool Digits(std::string_view text, size_t at, size_t len, unsigned* out) {
  if (at + len > text.size()) return false;
  *out = 0;
  for (size_t i = at; i < at + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    *out = *out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

// `time` in UTC through `format`, a printf format of year, month, day, hour, minute, second.
std::string FormatUtcFields(WallTime time, const char* format) {
  UtcTime utc = ToUtc(time);
  char text[64];
  std::snprintf(text, sizeof text, format, utc.year, utc.month, utc.day, utc.hour, utc.minute,
                utc.second);
  return text;
}

}  // namespace

UtcTime ToUtc(WallTime time) {
  int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  if (time.time_since_epoch() < std::chrono::seconds(seconds)) --seconds;  // floor, not trunc
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  auto in_day = static_cast<unsigned>(seconds - days * 86400);
  UtcTime utc;
  CivilFromDays(days, &utc.year, &utc.month, &utc.day);
  utc.hour = in_day / 3600;
  utc.minute = in_day / 60 % 60;
  utc.second = in_day % 60;
  return utc;
}

StatusOr<WallTime> FromUtc(const UtcTime& utc) {
  // WallTime counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. A date from a header
  // outside that (X-Amz-Date: 10130050T000000Z) would overflow.
  if (utc.year < 1678 || utc.year > 2261) return InvalidArgumentError("year out of range");
  if (utc.month < 1 || utc.month > 12 || utc.day < 1 || utc.day > DaysInMonth(utc.year, utc.month) ||
      utc.hour > 23 || utc.minute > 59 || utc.second > 60) {
    return InvalidArgumentError("date or time out of range");
  }
  int64_t days = DaysFromCivil(utc.year, utc.month, utc.day);
  return WallTime(std::chrono::seconds(days * 86400 + utc.hour * 3600 + utc.minute * 60 +
                                       utc.second));
}

StatusOr<WallTime> ParseHttpDate(std::string_view text) {
  // "Wed, 25 Nov 2026 18:49:12 GMT": the weekday is not checked.
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  auto bad = [&] {
    return InvalidArgumentError("bad HTTP date '" + std::string(text) +
                                "': expected e.g. 'Wed, 25 Nov 2026 18:49:12 GMT'");
  };
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return bad();
  UtcTime utc;
  unsigned year = 0;
  size_t month = kMonths.find(text.substr(8, 3));
  if (month == std::string_view::npos || month % 3 != 0 || !Digits(text, 5, 2, &utc.day) ||
      !Digits(text, 12, 4, &year) || !Digits(text, 17, 2, &utc.hour) ||
      !Digits(text, 20, 2, &utc.minute) || !Digits(text, 23, 2, &utc.second) ||
      text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':') {
    return bad();
  }
  utc.year = static_cast<int>(year);
  utc.month = static_cast<unsigned>(month / 3 + 1);
  StatusOr<WallTime> time = FromUtc(utc);
  return time.ok() ? time : bad();
}

std::string FormatHttpDate(WallTime time) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  static constexpr std::string_view kWeekdays = "ThuFriSatSunMonTueWed";  // 1970-01-01: Thu
  UtcTime utc = ToUtc(time);
  int64_t days = DaysFromCivil(utc.year, utc.month, utc.day);
  size_t weekday = static_cast<size_t>(((days % 7) + 7) % 7);
  char text[40];
  std::snprintf(text, sizeof text, "%.3s, %02u %.3s %04d %02u:%02u:%02u GMT",
                kWeekdays.data() + weekday * 3, utc.day, kMonths.data() + (utc.month - 1) * 3,
                utc.year, utc.hour, utc.minute, utc.second);
  return text;
}

std::string FormatIso8601(WallTime time) {
  return FormatUtcFields(time, "%04d-%02u-%02uT%02u:%02u:%02uZ");
}

std::string AmzDate(WallTime time) { return FormatUtcFields(time, "%04d%02u%02uT%02u%02u%02uZ"); }

std::string AmzDateStamp(WallTime time) { return AmzDate(time).substr(0, 8); }

StatusOr<WallTime> ParseAmzDate(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("bad X-Amz-Date '" + std::string(text) +
                                "': expected YYYYMMDDTHHMMSSZ");
  };
  UtcTime utc;
  unsigned year = 0;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 4, 2, &utc.month) || !Digits(text, 6, 2, &utc.day) ||
      !Digits(text, 9, 2, &utc.hour) || !Digits(text, 11, 2, &utc.minute) ||
      !Digits(text, 13, 2, &utc.second)) {
    return bad();
  }
  utc.year = static_cast<int>(year);
  StatusOr<WallTime> time = FromUtc(utc);
  return time.ok() ? time : bad();
}

}  // namespace kedge::aws
