#pragma once
// EBML, the binary container under Matroska: element IDs, variable-length integers and a writer.
// Pure code, no I/O. Callers: the MKV fragmenter (writing) and the MKV parser (reading vints).
// See docs/video_format.md for which elements kedge writes and why.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kedge::video::mkv {

using Bytes = std::vector<uint8_t>;

// Element IDs (with their marker bits, as they appear on the wire).
namespace id {
constexpr uint32_t kEbml = 0x1A45DFA3;
constexpr uint32_t kEbmlVersion = 0x4286;
constexpr uint32_t kEbmlReadVersion = 0x42F7;
constexpr uint32_t kEbmlMaxIdLength = 0x42F2;
constexpr uint32_t kEbmlMaxSizeLength = 0x42F3;
constexpr uint32_t kDocType = 0x4282;
constexpr uint32_t kDocTypeVersion = 0x4287;
constexpr uint32_t kDocTypeReadVersion = 0x4285;
constexpr uint32_t kVoid = 0xEC;
constexpr uint32_t kCrc32 = 0xBF;

constexpr uint32_t kSegment = 0x18538067;
constexpr uint32_t kSeekHead = 0x114D9B74;
constexpr uint32_t kInfo = 0x1549A966;
constexpr uint32_t kSegmentUid = 0x73A4;
constexpr uint32_t kTimecodeScale = 0x2AD7B1;
constexpr uint32_t kDuration = 0x4489;
constexpr uint32_t kTitle = 0x7BA9;
constexpr uint32_t kMuxingApp = 0x4D80;
constexpr uint32_t kWritingApp = 0x5741;

constexpr uint32_t kTracks = 0x1654AE6B;
constexpr uint32_t kTrackEntry = 0xAE;
constexpr uint32_t kTrackNumber = 0xD7;
constexpr uint32_t kTrackUid = 0x73C5;
constexpr uint32_t kTrackType = 0x83;
constexpr uint32_t kFlagLacing = 0x9C;
constexpr uint32_t kDefaultDuration = 0x23E383;
constexpr uint32_t kName = 0x536E;
constexpr uint32_t kCodecId = 0x86;
constexpr uint32_t kCodecPrivate = 0x63A2;
constexpr uint32_t kVideo = 0xE0;
constexpr uint32_t kPixelWidth = 0xB0;
constexpr uint32_t kPixelHeight = 0xBA;

constexpr uint32_t kCluster = 0x1F43B675;
constexpr uint32_t kTimecode = 0xE7;
constexpr uint32_t kPosition = 0xA7;
constexpr uint32_t kPrevSize = 0xAB;
constexpr uint32_t kSimpleBlock = 0xA3;
constexpr uint32_t kBlockGroup = 0xA0;
constexpr uint32_t kBlock = 0xA1;
constexpr uint32_t kBlockDuration = 0x9B;
constexpr uint32_t kReferenceBlock = 0xFB;

constexpr uint32_t kCues = 0x1C53BB6B;
constexpr uint32_t kChapters = 0x1043A770;
constexpr uint32_t kAttachments = 0x1941A469;

constexpr uint32_t kTags = 0x1254C367;
constexpr uint32_t kTag = 0x7373;
constexpr uint32_t kTargets = 0x63C0;
constexpr uint32_t kSimpleTag = 0x67C8;
constexpr uint32_t kTagName = 0x45A3;
constexpr uint32_t kTagString = 0x4487;
constexpr uint32_t kTagBinary = 0x4485;
}  // namespace id

// The 8-byte "unknown size" marker (all value bits set), used for the live Segment and Clusters.
constexpr uint64_t kUnknownSize = 0x00FFFFFFFFFFFFFFull;
constexpr uint64_t kMaxKnownSize = kUnknownSize - 1;

// Number of bytes of the shortest size vint for `value` (1..8). Values with all value bits set
// are reserved for "unknown", so 127 needs 2 bytes.
int SizeVintLength(uint64_t value);
// Number of bytes of an element ID as written (1..4).
int IdLength(uint32_t element_id);

// Appends EBML elements to a byte buffer it owns. Masters of known size are opened with
// StartMaster and closed with EndMaster (which inserts the size); nesting is allowed.
// Single-threaded; not copyable state beyond the buffer.
class EbmlWriter {
 public:
  EbmlWriter() = default;

  void PutId(uint32_t element_id);
  // Size vint; `width` 0 means the shortest encoding, else exactly `width` bytes (1..8).
  void PutSize(uint64_t size, int width = 0);

  void PutUint(uint32_t element_id, uint64_t value);
  void PutInt(uint32_t element_id, int64_t value);
  // 8-byte IEEE 754 double.
  void PutFloat(uint32_t element_id, double value);
  void PutString(uint32_t element_id, std::string_view value);
  void PutBinary(uint32_t element_id, const uint8_t* data, size_t size);
  void PutBinary(uint32_t element_id, const Bytes& data) {
    PutBinary(element_id, data.data(), data.size());
  }
  void PutRaw(const uint8_t* data, size_t size);
  void PutRawByte(uint8_t b) { buf_.push_back(b); }

  // Opens a master element whose size is filled in by EndMaster. Returns a handle for EndMaster.
  size_t StartMaster(uint32_t element_id);
  void EndMaster(size_t handle);
  // Writes a master header with the unknown size; its end is implied by the next element of the
  // same or a higher level (how a live Segment and its Clusters are written).
  void StartUnknownSizeMaster(uint32_t element_id);

  const Bytes& bytes() const { return buf_; }
  Bytes Release() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

 private:
  Bytes buf_;
};

// Reads a size vint at data[0..avail). Returns its length (1..8), 0 when more bytes are needed,
// or -1 when the first byte is 0 (a length over 8: invalid). `*value` gets the value, with
// all-ones mapped to kUnknownSize.
int ReadSizeVint(const uint8_t* data, size_t avail, uint64_t* value);
// Reads an element ID (1..4 bytes, marker kept). Same return convention as ReadSizeVint.
int ReadId(const uint8_t* data, size_t avail, uint32_t* element_id);

// Big-endian unsigned / signed integers and floats of an element body (0..8 bytes; float 4 or 8).
bool DecodeUint(const uint8_t* data, size_t size, uint64_t* value);
bool DecodeFloat(const uint8_t* data, size_t size, double* value);

}  // namespace kedge::video::mkv
