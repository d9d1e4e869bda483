#pragma once
// The PutMedia retry rules, as pure functions: what an ERROR acknowledgement means for the
// fragment it names, and how long to wait before reconnecting. See docs/video_upload.md.

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include "platform/clock.h"

namespace kedge::video::kvs {

// What to do about an ERROR ACK (ErrorId table in the KVS PutMedia reference).
enum class AckErrorAction {
  kResend,          // transient (4000, 4003, 5000, 5001, unknown ids): rewind and send it again
  kSkipFragment,    // the fragment itself is refused (4001, 4002, 4004-4007, 4009-4012): drop it
  kStreamProblem,   // the stream cannot take data (4008, KMS 4500-4507): keep the data, back off,
                    // describe the stream again
};

AckErrorAction ClassifyAckError(int error_id);
// The service's name for an ErrorId ("INVALID_MKV_DATA"), or "UNKNOWN_ERROR".
std::string_view AckErrorName(int error_id);

// Exponential backoff with full jitter: attempt n waits a uniformly random time in
// [initial * 2^n / 2, initial * 2^n], capped at `max`. Reset() after a success.
// Deterministic for a given seed (tests). Not thread-safe.
class Backoff {
 public:
  Backoff(Millis initial, Millis max, uint64_t seed) : initial_(initial), max_(max), rng_(seed) {}
  Millis Next();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  Millis initial_;
  Millis max_;
  std::minstd_rand rng_;
  int attempt_ = 0;
};

}  // namespace kedge::video::kvs
