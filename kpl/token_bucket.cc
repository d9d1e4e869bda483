#include "kpl/token_bucket.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace kedge::kpl {

TokenBucket::TokenBucket(double rate_per_second, double capacity, SteadyTime now)
    : rate_(rate_per_second), capacity_(capacity), tokens_(capacity), last_(now) {}

void TokenBucket::Refill(SteadyTime now) {
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + rate_ * seconds);
  last_ = now;
}

double TokenBucket::Available(SteadyTime now) {
  Refill(now);
  return tokens_;
}

bool TokenBucket::TryTake(double n, SteadyTime now) {
  Refill(now);
  // The tolerance absorbs float rounding, so a take at WhenAvailable(n) succeeds.
  if (tokens_ + 1e-6 < n) return false;
  tokens_ = std::max(0.0, tokens_ - n);
  return true;
}

SteadyTime TokenBucket::WhenAvailable(double n, SteadyTime now) {
  Refill(now);
  if (tokens_ + 1e-6 >= n) return now;
  if (rate_ <= 0 || n > capacity_) return SteadyTime::max();
  double seconds = (n - tokens_) / rate_;
  // Round up to the next microsecond so that the bucket really holds n at that time.
  auto wait = std::chrono::microseconds(static_cast<int64_t>(std::ceil(seconds * 1e6)));
  return now + std::chrono::duration_cast<SteadyTime::duration>(wait);
}

void TokenBucket::SetRate(double rate_per_second, SteadyTime now) {
  Refill(now);
  rate_ = rate_per_second;
}

}  // namespace kedge::kpl
