#include "video/capture/frame_rules.h"

#include "video/capture/gst_library.h"

namespace kedge::video {

std::string_view FrameVerdictName(FrameVerdict verdict) {
  switch (verdict) {
    case FrameVerdict::kKeep:
      return "keep";
    case FrameVerdict::kDropCorrupted:
      return "corrupted";
    case FrameVerdict::kDropDecodeOnly:
      return "decode-only";
    case FrameVerdict::kDropHeaderOnly:
      return "header-only";
    case FrameVerdict::kDropNoTimestamp:
      return "no timestamp";
    case FrameVerdict::kDropEmpty:
      return "empty";
    case FrameVerdict::kDropBeforeKeyFrame:
      return "before the first key frame";
  }
  return "?";
}

FrameVerdict ClassifyBuffer(const BufferFacts& facts, bool seen_key) {
  if (facts.corrupted) return FrameVerdict::kDropCorrupted;
  if (facts.decode_only) return FrameVerdict::kDropDecodeOnly;
  if (facts.header && !facts.has_pts) return FrameVerdict::kDropHeaderOnly;
  if (facts.size == 0) return FrameVerdict::kDropEmpty;
  if (!facts.has_pts) return FrameVerdict::kDropNoTimestamp;
  if (facts.delta && !seen_key) return FrameVerdict::kDropBeforeKeyFrame;
  return FrameVerdict::kKeep;
}

BufferFacts FactsFromBuffer(GstBuffer* buffer) {
  BufferFacts facts;
  facts.corrupted = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_CORRUPTED);
  facts.decode_only = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DECODE_ONLY);
  facts.header = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER);
  facts.delta = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  facts.has_pts = GST_BUFFER_PTS_IS_VALID(buffer);
  facts.has_dts = GST_BUFFER_DTS_IS_VALID(buffer);
  facts.size = Gst().buffer_get_size(buffer);
  return facts;
}

}  // namespace kedge::video
