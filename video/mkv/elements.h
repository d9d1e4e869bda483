#pragma once
// Readers for complete Matroska element bodies (EBML header, Info, Tracks, Tags, blocks), used by
// MkvParser once it holds a whole element. Syntax only: the KVS rules live in the parser. Each
// reader walks a fixed depth of children — no recursion driven by the input — and returns
// InvalidArgument for malformed data.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"
#include "video/mkv/matroska.h"

namespace kedge::video::mkv {

struct EbmlHeaderInfo {
  std::string doc_type;
  uint64_t doc_type_version = 1;
  uint64_t doc_type_read_version = 1;
  uint64_t read_version = 1;
  uint64_t max_id_length = 4;
  uint64_t max_size_length = 8;
};

struct TrackInfo {
  uint64_t number = 0;
  uint64_t uid = 0;
  uint64_t type = 0;  // 1 video, 2 audio
  std::string codec_id;
  std::string name;
  Bytes codec_private;
  uint32_t width = 0;  // from Video, else (MkvParser) from the SPS for H.264
  uint32_t height = 0;
};

// The header of a SimpleBlock or of the Block in a BlockGroup.
struct BlockHeader {
  uint64_t track = 0;
  int16_t relative_timecode = 0;
  bool key = false;
  const uint8_t* data = nullptr;  // the frame, inside the element body
  size_t size = 0;
};

constexpr size_t kMaxTracks = 32;  // a hard cap on TrackEntries, whatever the rules

StatusOr<EbmlHeaderInfo> ReadEbmlHeader(const uint8_t* body, size_t size);
// TimecodeScale from an Info body (1 ms when absent); fails outside 1 ns .. 1 s.
StatusOr<uint64_t> ReadTimecodeScale(const uint8_t* body, size_t size);
// TrackEntries with non-zero, distinct numbers; at most kMaxTracks.
StatusOr<std::vector<TrackInfo>> ReadTracks(const uint8_t* body, size_t size);
// Every SimpleTag (TagName, TagString) of every Tag; nested SimpleTags are ignored.
StatusOr<std::vector<Tag>> ReadTags(const uint8_t* body, size_t size);
// `simple`: a SimpleBlock body (key flag 0x80); else a BlockGroup body (key unless it has a
// ReferenceBlock). Laced blocks are rejected.
StatusOr<BlockHeader> ReadBlock(const uint8_t* body, size_t size, bool simple);

}  // namespace kedge::video::mkv
