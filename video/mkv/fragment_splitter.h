#pragma once
// MkvFragmentSplitter: cuts a PutMedia body into what kedge-ingest stores — the session header
// (EBML header through Tracks) and one self-contained fragment per Cluster (with the metadata
// Tags written right before it) — while the body streams in. It runs MkvParser underneath, so
// the same validation applies, and keeps in memory only the fragment being received.
//
// Events to a Sink, in order: OnHeader once per Segment, then per fragment OnFragmentStart (the
// Cluster Timecode is known: time for a BUFFERING ACK) and OnFragment when it is complete (the
// next Cluster/Tags/Segment began, or the end of the stream: time for RECEIVED).
// A Tags element holding AWS_KINESISVIDEO_END_OF_FRAGMENT closes the fragment before it and is
// not stored. Single-threaded: one splitter per upload.

#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"
#include "video/mkv/parser.h"

namespace kedge::video::mkv {

struct StoredHeader {
  // EBML header + Segment + Info + Tracks as received, with the Segment size rewritten to
  // "unknown" so header + any stored fragment is a valid stream.
  Bytes bytes;
  std::vector<TrackInfo> tracks;
  uint64_t timecode_scale_ns = kTimecodeScaleNs;
};

struct StoredFragment {
  uint64_t timecode = 0;         // raw Cluster Timecode (FragmentTimecode in ACKs)
  int64_t producer_time_ms = 0;  // timecode in epoch ms (ABSOLUTE timecodes)
  int64_t duration_ms = 0;       // last frame - first + one frame interval (estimated)
  uint32_t frame_count = 0;
  uint32_t key_frames = 0;
  std::vector<Tag> tags;       // fragment metadata
  uint64_t stream_offset = 0;  // where `bytes` began in the body
  Bytes bytes;                 // [Tags] + Cluster
};

class MkvFragmentSplitter {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void OnHeader(const StoredHeader& header) = 0;
    virtual void OnFragmentStart(uint64_t timecode) {}
    virtual void OnFragment(StoredFragment&& fragment) = 0;
  };

  MkvFragmentSplitter(MkvParser::Options options, Sink& sink);
  ~MkvFragmentSplitter();

  // Errors are the parser's (see MkvParser::error() via error()).
  Status Feed(const uint8_t* data, size_t size);
  Status Finish();
  MkvError error() const;

 private:
  class Tracker;
  void Trim();

  std::unique_ptr<Tracker> tracker_;
  MkvParser parser_;
};

// Convenience for a whole body in memory: the header(s) and fragments it holds.
struct SplitResult {
  std::vector<StoredHeader> headers;
  std::vector<StoredFragment> fragments;
};
StatusOr<SplitResult> SplitMkv(const uint8_t* data, size_t size,
                               MkvParser::Options options = MkvParser::Options());

}  // namespace kedge::video::mkv
