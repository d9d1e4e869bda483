#pragma once
// Clock: the one way kedge code reads time. Logic takes a `Clock&` so tests drive time with
// FakeClock instead of sleeping. Both methods are safe to call from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kedge {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines, timeouts and rates.
  virtual SteadyTime Now() const = 0;
  // Wall-clock time, for timestamps that leave the process (SigV4 dates, record timestamps).
  virtual WallTime WallNow() const = 0;

  // The process-wide real clock.
  static Clock& Real();
};

class SystemClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  // Starts at 2026-01-01T00:00:00Z wall time unless given another.
  explicit FakeClock(WallTime wall_start = WallTime(std::chrono::seconds(1767225600)))
      : wall_offset_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            wall_start.time_since_epoch())
                            .count()) {}

  SteadyTime Now() const override {
    return SteadyTime(std::chrono::nanoseconds(elapsed_ns_.load()));
  }
  WallTime WallNow() const override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(wall_offset_ns_.load() + elapsed_ns_.load())));
  }
  template <typename Rep, typename Period>
  void Advance(std::chrono::duration<Rep, Period> d) {
    elapsed_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  void SetWall(WallTime wall) {
    wall_offset_ns_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count() -
        elapsed_ns_.load();
  }

 private:
  std::atomic<int64_t> wall_offset_ns_;
  std::atomic<int64_t> elapsed_ns_{0};
};

// Milliseconds since the Unix epoch.
inline int64_t ToUnixMillis(WallTime t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

}  // namespace kedge
