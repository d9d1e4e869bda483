#pragma once
// Remux: rewrites an in-memory Matroska stream (H.264, as PutMedia stored it) into MP4 or
// MPEG-TS with libavformat, copying the coded frames (no decoding). Used by GetClip (MP4) and
// the HLS segments (MPEG-TS).
//
// Pure function of its input; thread-safe (libavformat contexts are private to the call).
// Errors: InvalidArgument when libavformat cannot read the input or finds no video, Internal
// for muxer failures; messages carry libavformat's text.

#include <cstdint>
#include <string>

#include "platform/status.h"

namespace kedge::ingest {

enum class RemuxFormat {
  kFragmentedMp4,  // ISO BMFF with moof/mdat fragments (streamable, what GetClip returns)
  kMpegTs,
};

struct RemuxOptions {
  RemuxFormat format = RemuxFormat::kFragmentedMp4;
  // Where the output's timeline starts: every timestamp is shifted so that the first packet's
  // decode time becomes start_ms. The input's own timeline (epoch ms for ABSOLUTE uploads, from 0
  // for RELATIVE ones, in whatever TimecodeScale) does not matter, so consecutive fragments
  // remuxed one by one line up when each gets its producer time minus the first one's.
  int64_t start_ms = 0;
};

StatusOr<std::string> Remux(const std::string& mkv, const RemuxOptions& options);

}  // namespace kedge::ingest
