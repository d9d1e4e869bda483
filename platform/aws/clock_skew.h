#pragma once
// ClockSkew: how far this device's clock is from AWS's, learnt from the Date header of answers,
// so that requests can be signed with AWS's time. Edge devices often run with a wrong clock
// (a Raspberry Pi has no RTC and boots at its last shutdown time until NTP syncs); AWS rejects
// signatures more than 5 minutes off ("Signature expired", RequestTimeTooSkewed).
//
// Use: when an answer is a clock-skew error (IsClockSkewError in errors.h), call
// Observe(response.Header("date"), clock.WallNow()) and sign the retry with
// Correct(clock.WallNow()). Thread-safe (one atomic); share one per process or per endpoint.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "platform/clock.h"
#include "platform/status.h"

namespace kedge::aws {

class ClockSkew {
 public:
  // Offsets smaller than this are noise (Date has 1 s resolution, the request took time) and
  // well inside AWS's 5-minute tolerance: they reset the correction to zero.
  static constexpr std::chrono::seconds kIgnoreBelow{30};

  // Records the server time in `date_header` (IMF-fixdate) against local time `local_now`.
  // Returns InvalidArgument (and keeps the old offset) when the header is missing or malformed.
  Status Observe(std::string_view date_header, WallTime local_now);

  // Server time minus local time, as last observed (zero until then).
  std::chrono::seconds offset() const { return std::chrono::seconds(offset_seconds_.load()); }

  // `local_now` moved by the offset: the time to sign with.
  WallTime Correct(WallTime local_now) const { return local_now + offset(); }

 private:
  std::atomic<int64_t> offset_seconds_{0};
};

}  // namespace kedge::aws
