#pragma once
// MkvParser: an incremental Matroska parser for PutMedia bodies (kedge-ingest) and for checking
// what kedge writes. Bytes go in as they arrive, split anywhere; events come out through an
// MkvListener. It checks the rules Kinesis Video Streams applies and reports a failure with the
// KVS ACK error it corresponds to (KvsAckErrorFor).
//
// Hostile input: every buffered element is bounded (Options), nesting is handled by an explicit
// two-level stack (Segment, Cluster) plus fixed-depth readers for Info/Tracks/Tags/BlockGroup,
// so there is no recursion driven by the input; sizes are checked before any allocation. Once
// Feed or Finish fails, the parser stays failed and returns the same error.
// Single-threaded: one parser per upload.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"
#include "video/mkv/ebml.h"
#include "video/mkv/elements.h"
#include "video/mkv/matroska.h"

namespace kedge::video::mkv {

// Why a stream was rejected, in the terms of the KVS ACK errors.
enum class MkvError {
  kNone = 0,
  kInvalidMkvData,         // not parseable Matroska, or structure KVS does not accept
  kMissingCodecPrivate,    // an H.264 track without a valid AVCDecoderConfigurationRecord
  kFragmentNotKeyFrame,    // a Cluster whose first block is not a key frame
  kTimecodeNotIncreasing,  // a frame not after the previous fragment's last frame
  kFragmentTooLarge,       // > max_fragment_bytes (50 MB)
  kFragmentTooLong,        // > max_fragment_duration_ns (10 s)
  kTrackNumberMismatch,    // a block for a track not in Tracks
  kFramesMissingForTrack,  // a fragment without a frame of some track
  kTooManyTracks,          // > 3 tracks
  kMetadataLimit,          // > 10 tags in a fragment, or a name/value too long
  kMoreThanOneSegment,     // a second EBML header/Segment in one PutMedia
};

struct KvsAckError {
  int error_id;
  const char* error_code;
};
// The ACK {"EventType":"ERROR","ErrorId":..,"ErrorCode":..} kedge-ingest sends for `error`.
// Rejections KVS has no specific code for map to 4006 INVALID_MKV_DATA.
KvsAckError KvsAckErrorFor(MkvError error);
const char* MkvErrorName(MkvError error);

struct SegmentStart {
  uint64_t offset = 0;       // of the Segment ID
  uint64_t data_offset = 0;  // of its first child
  uint64_t size = kUnknownSize;
  int size_length = 0;  // bytes of the size field
};

struct ClusterStart {
  uint64_t offset = 0;    // of the Cluster ID
  uint64_t timecode = 0;  // raw, in TimecodeScale units (what KVS ACKs as FragmentTimecode)
  int64_t time_ns = 0;    // timecode * TimecodeScale
};

struct BlockInfo {
  uint64_t offset = 0;  // of the SimpleBlock / BlockGroup ID
  uint64_t track = 0;
  int16_t relative_timecode = 0;
  int64_t time_ns = 0;  // absolute: (cluster timecode + relative) * TimecodeScale
  bool key = false;
  const uint8_t* data = nullptr;  // the frame; valid only during the callback
  size_t size = 0;
};

// Receives parser events in stream order. Offsets are absolute byte positions in the stream.
// A Cluster ends at the next Segment-level element, a new Segment, or the end of the stream.
class MkvListener {
 public:
  virtual ~MkvListener() = default;
  virtual void OnEbmlHeader(const EbmlHeaderInfo& header, uint64_t offset) {}
  virtual void OnSegmentStart(const SegmentStart& segment) {}
  virtual void OnSegmentInfo(uint64_t timecode_scale_ns) {}
  virtual void OnTracks(const std::vector<TrackInfo>& tracks, uint64_t end_offset) {}
  virtual void OnTags(const std::vector<Tag>& tags, uint64_t offset, uint64_t end_offset) {}
  virtual void OnClusterStart(const ClusterStart& cluster) {}
  virtual void OnBlock(const BlockInfo& block) {}
  virtual void OnClusterEnd(uint64_t end_offset) {}
  virtual void OnSegmentEnd(uint64_t end_offset) {}
};

class MkvParser {
 public:
  struct Options {
    bool kvs_rules = true;  // enforce the KVS checks below (off: Matroska syntax only)
    bool allow_multiple_segments = false;
    size_t max_block_bytes = 32u * 1024 * 1024;  // one frame
    size_t max_tracks_bytes = 4u * 1024 * 1024;  // CodecPrivate may be up to 1 MiB
    size_t max_small_element_bytes = 64 * 1024;  // EBML header, Info, Tags, Timecode...
    uint64_t max_fragment_bytes = 50ull * 1000 * 1000;
    int64_t max_fragment_duration_ns = 10'000'000'000;
    size_t max_tracks = 3;
  };

  MkvParser(Options options, MkvListener& listener);

  // Parses what it can of `data`; keeps an incomplete element for the next call.
  Status Feed(const uint8_t* data, size_t size);
  // End of the stream: closes the open Cluster and Segment. Fails if it ends inside an element.
  Status Finish();

  MkvError error() const { return error_; }
  uint64_t consumed() const { return offset_; }  // bytes fully parsed so far
  // The stream offset of a Cluster whose head has been read but that was not reported yet
  // (OnClusterStart waits for its Timecode); UINT64_MAX when there is none. Callers that keep
  // raw bytes must keep them from here, not from consumed().
  uint64_t unreported_cluster_offset() const {
    bool open = !stack_.empty() && stack_.back().level == Level::kCluster;
    return open && !cluster_has_timecode_ ? cluster_offset_ : UINT64_MAX;
  }

 private:
  enum class Level { kTop, kSegment, kCluster };
  struct Container {
    Level level;
    uint64_t end;  // kUnknownSize when open-ended
  };
  struct Element {
    uint32_t id = 0;
    uint64_t size = 0;
    size_t header_len = 0;
  };
  enum class Step { kProgress, kNeedMore, kFailed };

  size_t Process(const uint8_t* p, size_t avail);
  Step StepOnce(const uint8_t* p, size_t avail, size_t* used);
  Step Dispatch(const Element& e, const uint8_t* p, size_t avail, size_t* used);
  Step AtTop(const Element& e, const uint8_t* p, size_t avail, size_t* used);
  Step InSegment(const Element& e, const uint8_t* p, size_t avail, size_t* used);
  Step InCluster(const Element& e, const uint8_t* p, size_t avail, size_t* used);
  // Waits until the whole element is available (bounded by `limit`), then hands over its body.
  Step Whole(const Element& e, size_t avail, size_t limit, const char* what);
  Step Skip(const Element& e, size_t avail, size_t* used);
  Step StartCluster(const Element& e, size_t* used);

  Status ParseEbmlHeader(const uint8_t* body, size_t size);
  Status ParseInfo(const uint8_t* body, size_t size);
  Status ParseTracks(const uint8_t* body, size_t size, uint64_t end);
  Status ParseTags(const uint8_t* body, size_t size, uint64_t offset, uint64_t end);
  Status ParseTimecode(const uint8_t* body, size_t size);
  Status HandleBlock(const uint8_t* body, size_t size, bool simple, uint64_t offset);
  Status DeliverBlock(BlockInfo& block);

  void EndCluster(uint64_t end);
  void EndSegment(uint64_t end);
  Status CheckClusterComplete();
  Status Fail(MkvError error, const std::string& message);
  Step FailStep(MkvError error, const std::string& message);

  Options options_;
  MkvListener& listener_;
  std::vector<uint8_t> buf_;  // bytes of an incomplete element
  uint64_t offset_ = 0;       // absolute offset of the next unparsed byte
  uint64_t skip_ = 0;         // bytes of a skipped element still to come
  std::vector<Container> stack_;
  Status status_;
  MkvError error_ = MkvError::kNone;
  bool finished_ = false;

  bool seen_ebml_ = false;
  int segments_ = 0;
  bool seen_tracks_ = false;
  uint64_t timecode_scale_ = kTimecodeScaleNs;
  std::vector<TrackInfo> tracks_;
  size_t fragment_tags_ = 0;  // SimpleTags waiting for the next Cluster

  // The open Cluster.
  uint64_t cluster_offset_ = 0;
  bool cluster_has_timecode_ = false;
  uint64_t cluster_timecode_ = 0;
  int64_t cluster_ns_ = 0;
  uint64_t cluster_blocks_ = 0;
  uint32_t cluster_track_mask_ = 0;
  int64_t cluster_max_ns_ = 0;
  bool have_previous_fragment_ = false;
  int64_t previous_max_ns_ = 0;
};

}  // namespace kedge::video::mkv
