#pragma once
// Retry delays and deadlines shared by the Kinesis and Firehose paths. Pure.

#include <algorithm>
#include <cstdint>

#include "platform/clock.h"

namespace kedge::kpl {

// min(max, initial * 2^(attempts-1)) with "equal jitter": half of it fixed, half scaled by
// `random01` (uniform in [0, 1)), so producers that failed together spread out and none
// retries at once.
inline Millis JitteredBackoff(int attempts, Millis initial, Millis max, double random01) {
  int64_t ms = initial.count();
  for (int i = 1; i < attempts && ms < max.count(); ++i) ms *= 2;
  ms = std::min<int64_t>(ms, max.count());
  double r = std::clamp(random01, 0.0, 1.0);
  return Millis(ms / 2 + static_cast<int64_t>(r * static_cast<double>(ms - ms / 2)));
}

// t + d, or SteadyTime::max() ("never") when d is 0 (unlimited) or the sum would overflow.
inline SteadyTime AddOrNever(SteadyTime t, Millis d) {
  return d.count() <= 0 || t > SteadyTime::max() - d ? SteadyTime::max() : t + d;
}

}  // namespace kedge::kpl
