#pragma once
// The appsink rules: which buffers become frames. They follow what kvssink does with the same
// pipeline (amazon-kinesis-video-streams-producer-sdk-cpp, gstkvssink.cpp): corrupted and
// decode-only buffers are dropped, so are header-only buffers (codec headers without a
// timestamp). Unlike kvssink, a HEADER buffer with a pts but no dts is kept: h264parse flags key
// frames it put SPS/PPS into as HEADER, and Matroska files carry no dts. A key frame is a buffer
// without GST_BUFFER_FLAG_DELTA_UNIT; frames before the first key frame of a run cannot be decoded
// and are dropped. Pure; any thread.

#include <cstddef>
#include <cstdint>
#include <string_view>

typedef struct _GstBuffer GstBuffer;

namespace kedge::video {

struct BufferFacts {
  bool corrupted = false;    // GST_BUFFER_FLAG_CORRUPTED
  bool decode_only = false;  // GST_BUFFER_FLAG_DECODE_ONLY
  bool header = false;       // GST_BUFFER_FLAG_HEADER
  bool delta = false;        // GST_BUFFER_FLAG_DELTA_UNIT
  bool has_pts = false;
  bool has_dts = false;
  size_t size = 0;
};

enum class FrameVerdict {
  kKeep,
  kDropCorrupted,
  kDropDecodeOnly,
  kDropHeaderOnly,
  kDropNoTimestamp,
  kDropEmpty,
  kDropBeforeKeyFrame,
};

std::string_view FrameVerdictName(FrameVerdict verdict);

// `seen_key` says whether this run has delivered a key frame yet.
FrameVerdict ClassifyBuffer(const BufferFacts& facts, bool seen_key);

// Reads the flags, timestamps and size of a GstBuffer.
BufferFacts FactsFromBuffer(GstBuffer* buffer);

}  // namespace kedge::video
