#include "video/kvs/upload_policy.h"

#include <algorithm>

namespace kedge::video::kvs {

AckErrorAction ClassifyAckError(int error_id) {
  switch (error_id) {
    case 4001: case 4002: case 4004: case 4005: case 4006: case 4007:
    case 4009: case 4010: case 4011: case 4012:
      return AckErrorAction::kSkipFragment;
    case 4008:
      return AckErrorAction::kStreamProblem;
    default:
      break;
  }
  if (error_id >= 4500 && error_id <= 4507) return AckErrorAction::kStreamProblem;
  return AckErrorAction::kResend;  // 4000, 4003, 5000, 5001 and anything new
}

std::string_view AckErrorName(int error_id) {
  switch (error_id) {
    case 4000: return "STREAM_READ_ERROR";
    case 4001: return "MAX_FRAGMENT_SIZE_REACHED";
    case 4002: return "MAX_FRAGMENT_DURATION_REACHED";
    case 4003: return "MAX_CONNECTION_DURATION_REACHED";
    case 4004: return "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS";
    case 4005: return "MORE_THAN_ONE_TRACK_FOUND";
    case 4006: return "INVALID_MKV_DATA";
    case 4007: return "INVALID_PRODUCER_TIMESTAMP";
    case 4008: return "STREAM_NOT_ACTIVE";
    case 4009: return "FRAGMENT_METADATA_LIMIT_REACHED";
    case 4010: return "TRACK_NUMBER_MISMATCH";
    case 4011: return "FRAMES_MISSING_FOR_TRACK";
    case 4012: return "MORE_THAN_ALLOWED_TRACKS_FOUND";
    case 4500: return "KMS_KEY_ACCESS_DENIED";
    case 4501: return "KMS_KEY_DISABLED";
    case 4502: return "KMS_KEY_VALIDATION_ERROR";
    case 4503: return "KMS_KEY_UNAVAILABLE";
    case 4504: return "KMS_KEY_INVALID_USAGE";
    case 4505: return "KMS_KEY_INVALID_STATE";
    case 4506: return "KMS_KEY_NOT_FOUND";
    case 4507: return "STREAM_DELETED";
    case 5000: return "INTERNAL_ERROR";
    case 5001: return "ARCHIVAL_ERROR";
    default: return "UNKNOWN_ERROR";
  }
}

Millis Backoff::Next() {
  int shift = std::min(attempt_, 20);
  ++attempt_;
  int64_t ceiling = std::min<int64_t>(max_.count(), initial_.count() << shift);
  ceiling = std::max<int64_t>(ceiling, 1);
  std::uniform_int_distribution<int64_t> pick(ceiling / 2, ceiling);
  return Millis(pick(rng_));
}

}  // namespace kedge::video::kvs
