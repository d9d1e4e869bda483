#pragma once
// Builders for the Matroska pieces kedge sends to Kinesis Video Streams: the per-session header
// (EBML header, Segment of unknown size, Info, Tracks), fragment-metadata Tags, and the Cluster
// with its SimpleBlocks. Stateless; MkvFragmenter strings them together, and the uploader or the
// fragment store can rebuild a header for a stored fragment with BuildSessionHeader.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "video/mkv/ebml.h"

namespace kedge::video::mkv {

constexpr char kAvcCodecId[] = "V_MPEG4/ISO/AVC";
constexpr uint64_t kTimecodeScaleNs = 1000000;  // 1 ms: Cluster and block timecodes are in ms
constexpr uint64_t kVideoTrackNumber = 1;
// KVS limits on fragment metadata (PIC MAX_FRAGMENT_METADATA_TAGS, DG2020 how-meta.md).
constexpr size_t kMaxTagsPerFragment = 10;
constexpr size_t kMaxTagNameBytes = 128;
constexpr size_t kMaxTagValueBytes = 256;
// The tag the KVS SDK sends to close a fragment without a new key frame (and a session).
constexpr char kEndOfFragmentTag[] = "AWS_KINESISVIDEO_END_OF_FRAGMENT";

using SegmentUid = std::array<uint8_t, 16>;

struct TrackHeader {
  Bytes codec_private;  // AVCDecoderConfigurationRecord
  uint32_t width = 0;
  uint32_t height = 0;
  uint64_t track_uid = 1;
  std::string track_name = "kedge_video";
  int64_t default_duration_ns = 0;  // nominal frame duration; 0 leaves DefaultDuration out
};

struct SessionHeaderConfig {
  TrackHeader track;
  SegmentUid segment_uid{};
  std::string writing_app = "kedge";
};

struct Tag {
  std::string name;
  std::string value;
};

// EBML header + Segment (unknown size) + Info + Tracks. Each PutMedia body starts with one.
Bytes BuildSessionHeader(const SessionHeaderConfig& config);

// Tags > Tag > SimpleTag{TagName, TagString}..., laid out as the KVS producer SDK writes them
// (no Targets). Written at Segment level right before the Cluster they describe.
void WriteTags(EbmlWriter& w, const std::vector<Tag>& tags);

// Opens a Cluster of unknown size and writes its Timecode (ms).
void WriteClusterStart(EbmlWriter& w, uint64_t timecode_ms);

// A SimpleBlock for track 1: `relative_ms` is the block's offset from the Cluster Timecode.
// `data` is the AVC (length-prefixed) access unit.
void WriteSimpleBlock(EbmlWriter& w, int16_t relative_ms, bool key, const uint8_t* data,
                      size_t size);

}  // namespace kedge::video::mkv
