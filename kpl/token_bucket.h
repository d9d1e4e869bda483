#pragma once
// TokenBucket: a rate with a burst allowance, refilled by elapsed time (no timer thread).
// Starts full. Single-threaded; time comes from the caller.

#include "platform/clock.h"

namespace kedge::kpl {

class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double capacity, SteadyTime now);

  // Takes n tokens if there are that many; otherwise takes nothing.
  bool TryTake(double n, SteadyTime now);
  // When n tokens will be there (now if they already are). n above the capacity never fits;
  // callers keep n <= capacity.
  SteadyTime WhenAvailable(double n, SteadyTime now);
  double Available(SteadyTime now);

  // Changes the refill rate from now on (tokens already there stay).
  void SetRate(double rate_per_second, SteadyTime now);
  double rate() const { return rate_; }
  double capacity() const { return capacity_; }

 private:
  void Refill(SteadyTime now);

  double rate_;
  double capacity_;
  double tokens_;
  SteadyTime last_;
};

}  // namespace kedge::kpl
