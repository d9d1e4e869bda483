#pragma once
// H.264 bitstream helpers for the MKV path: Annex-B <-> AVC (length-prefixed) NAL framing, the
// sequence parameter set (for the picture size), and the AVCDecoderConfigurationRecord
// (ISO/IEC 14496-15 5.2.4.1) that Matroska's V_MPEG4/ISO/AVC track carries as CodecPrivate.
// Pure functions; malformed input gives an error Status, never a crash.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "platform/status.h"

namespace kedge::video::mkv {

enum class NalFormat {
  kAvc,     // 4-byte big-endian length before each NAL unit
  kAnnexB,  // 00 00 01 / 00 00 00 01 start codes
};

namespace nal {
constexpr int kIdr = 5;
constexpr int kSei = 6;
constexpr int kSps = 7;
constexpr int kPps = 8;
constexpr int kAud = 9;
}  // namespace nal

// A NAL unit inside some buffer (not owned).
struct NalUnit {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int type() const { return size > 0 ? (data[0] & 0x1F) : -1; }
};

// Splits an Annex-B buffer at its start codes. Bytes before the first start code are ignored;
// trailing zero bytes of a NAL (trailing_zero_8bits) are dropped. Never fails.
std::vector<NalUnit> SplitAnnexB(const uint8_t* data, size_t size);
// Splits a buffer of NAL units each preceded by a `length_size`-byte (1, 2 or 4) length.
StatusOr<std::vector<NalUnit>> SplitAvc(const uint8_t* data, size_t size, int length_size = 4);
std::vector<uint8_t> AnnexBToAvc(const uint8_t* data, size_t size);

// What kedge needs from a sequence parameter set.
struct SpsInfo {
  int profile_idc = 0;
  int constraint_flags = 0;  // the byte after profile_idc
  int level_idc = 0;
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  uint32_t width = 0;  // display size, after cropping
  uint32_t height = 0;
};

// Parses an SPS NAL unit (with its 1-byte header, emulation prevention bytes in place).
StatusOr<SpsInfo> ParseSps(const uint8_t* nal, size_t size);

// A parsed AVCDecoderConfigurationRecord.
struct AvcConfig {
  int profile_idc = 0;
  int constraint_flags = 0;
  int level_idc = 0;
  int length_size = 4;  // NAL length field size in the frames (1, 2 or 4)
  std::vector<std::vector<uint8_t>> sps;
  std::vector<std::vector<uint8_t>> pps;
};

StatusOr<AvcConfig> ParseAvcDecoderConfig(const uint8_t* data, size_t size);
// Builds a record (4-byte lengths) from SPS and PPS NAL units; needs at least one of each.
StatusOr<std::vector<uint8_t>> BuildAvcDecoderConfig(const std::vector<NalUnit>& sps,
                                                     const std::vector<NalUnit>& pps);
// Finds SPS and PPS in a frame's NAL units and builds the record from them (the in-band case:
// an encoder that repeats its parameter sets before each IDR and gives no codec_data).
StatusOr<std::vector<uint8_t>> AvcDecoderConfigFromNals(const std::vector<NalUnit>& nals);

// Checks a CodecPrivate for V_MPEG4/ISO/AVC and returns the picture size from its first SPS.
StatusOr<SpsInfo> InspectAvcCodecPrivate(const uint8_t* data, size_t size);

}  // namespace kedge::video::mkv
