#pragma once
// MkvFragmenter: turns a stream of H.264 frames into the Matroska fragments Kinesis Video Streams
// ingests (one Cluster per fragment, each starting at a key frame). Pure: no I/O, no threads.
// Called from one thread (the camera's video thread); not thread-safe.
//
// Timecodes: the first frame's pts is anchored once to the wall clock (Clock::WallNow), and from
// then on a frame's producer time is `pts + anchor`, so fragments follow the pipeline clock and
// never jump with NTP. Cluster Timecodes are absolute epoch milliseconds (TimecodeScale 1 ms;
// PutMedia with x-amzn-fragment-timecode-type ABSOLUTE) and strictly increase across fragments:
// if pts goes back (a source restart), the anchor is moved forward so the new fragment starts
// 1 ms after the last frame written, and the move is counted in Stats.
//
// Output: AddFrame returns a Fragment when the frame closes the open one (a key frame that starts
// the next fragment). Flush returns the open fragment at the end of a stream. A fragment's
// `header` is non-empty when it opens a PutMedia session (the first fragment, after
// StartSession, and after the codec private data changed); the uploader must then start a new
// PutMedia with header + bytes. SessionHeader() rebuilds a header for a resend.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/status.h"
#include "video/mkv/frame.h"
#include "video/mkv/h264.h"
#include "video/mkv/matroska.h"

namespace kedge::video::mkv {

struct FragmentInfo {
  int64_t timecode_ms = 0;  // Cluster Timecode: absolute producer time of the key frame (epoch ms)
  int64_t duration_ms = 0;  // from the key frame to the end of the last frame
  uint32_t frame_count = 0;
  bool key = true;              // starts with a key frame (always, for fragments made here)
  bool starts_session = false;  // `header` is present
  bool codec_changed = false;   // the header differs from the previous session's
  size_t size = 0;              // header.size() + bytes.size()
};

struct Fragment {
  FragmentInfo info;
  Bytes header;  // EBML header + Segment + Info + Tracks, when info.starts_session
  Bytes bytes;   // [Tags] + Cluster (Timecode + SimpleBlocks)
};

class MkvFragmenter {
 public:
  struct Options {
    NalFormat input_format = NalFormat::kAvc;  // of Frame::data (AVC = 4-byte lengths)
    // The caps' codec_data (AVCDecoderConfigurationRecord). Empty: built from the SPS and PPS of
    // the first key frame (Annex-B encoders that repeat parameter sets in-band).
    Bytes codec_private;
    // 0: every key frame starts a fragment. Else the first key frame at least this long after
    // the fragment's start does.
    int64_t fragment_duration_ns = 0;
    // KVS limits (MAX_FRAGMENT_DURATION_REACHED 4002, MAX_FRAGMENT_SIZE_REACHED 4001). Frames that
    // would break them are dropped (and counted) until the next key frame.
    int64_t max_fragment_duration_ns = 10'000'000'000;
    size_t max_fragment_bytes = 50u * 1024 * 1024;
    std::string track_name = "kedge_video";
    uint64_t track_uid = 1;
    int64_t default_frame_duration_ns = 0;  // from the caps' framerate; 0 = unknown
    // Epoch ms the first frame is anchored to (an uploaded file's start time, like kvssink's
    // file-start-time); 0 anchors it to Clock::WallNow() when it arrives.
    int64_t start_time_ms = 0;
    // Zero: derived from the stream name and the wall time of the first frame.
    SegmentUid segment_uid{};
    std::string stream_name;
    std::string writing_app = "kedge";
  };

  struct Stats {
    uint64_t frames_in = 0;
    uint64_t frames_written = 0;
    uint64_t frames_dropped_no_key = 0;     // waiting for a key frame (start, after a cut)
    uint64_t frames_dropped_no_codec = 0;   // key frames with no codec private data available
    uint64_t fragments_cut_over_limit = 0;  // closed early: too long or too large, no key frame
    uint64_t frames_dropped_bad_time = 0;   // pts before its fragment's key frame
    uint64_t frames_dropped_bad_data = 0;   // unparsable NAL framing
    uint64_t fragments = 0;
    uint64_t sessions = 0;
    uint64_t timestamp_adjustments = 0;  // anchor moved forward to keep timecodes increasing
  };

  // Fails with InvalidArgument when Options::codec_private is given but unusable.
  static StatusOr<std::unique_ptr<MkvFragmenter>> Create(Options options, const Clock& clock);

  // Adds one frame. Returns the fragment this frame closed, if any. An error means the frame
  // was dropped (e.g. a key frame with no codec private data available); the stream goes on.
  StatusOr<std::optional<Fragment>> AddFrame(const Frame& frame);
  // Closes and returns the open fragment (end of stream), if any.
  std::optional<Fragment> Flush();

  // The next fragment returned starts a new PutMedia session (carries a header).
  void StartSession();
  // Replaces the codec private data (caps renegotiated); the next fragment starts a session.
  Status SetCodecPrivate(const Bytes& codec_private);

  // Fragment metadata, written as Tags before the next fragment's Cluster. A persistent item
  // repeats on every fragment until set again with an empty value. Fails with InvalidArgument
  // for a bad name/value and ResourceExhausted past 10 items for one fragment.
  Status AddMetadata(const std::string& name, const std::string& value, bool persistent);

  // The header for the current codec private data; FailedPrecondition before it is known.
  StatusOr<Bytes> SessionHeader() const;
  // Tags with AWS_KINESISVIDEO_END_OF_FRAGMENT: sent last in a PutMedia body, it tells KVS the
  // final fragment is complete.
  static Bytes EndOfFragmentTags();

  const Stats& stats() const { return stats_; }

 private:
  MkvFragmenter(Options options, const Clock& clock);
  Status SetCodecPrivateInternal(const Bytes& codec_private);
  StatusOr<Bytes> NormalizeFrame(const Frame& frame) const;
  Status UpdateCodecFromKeyFrame(const Bytes& avc);
  bool ShouldStartFragment(int64_t abs_ns, size_t frame_size) const;
  bool FitsOpen(int64_t rel_ms, size_t frame_size) const;
  void Anchor(int64_t pts_ns);
  std::optional<Fragment> CloseFragment();
  void OpenFragment(int64_t abs_ns);
  void AppendBlock(const Bytes& avc, int64_t abs_ns, const Frame& frame);
  int64_t FrameDurationNs(const Frame& frame) const;

  struct Open {
    Open() {}  // user-provided: Clang cannot default-construct it inside std::optional otherwise
    EbmlWriter writer;
    int64_t start_ms = 0;
    int64_t end_ns = 0;
    int64_t max_frame_ms = 0;
    uint32_t frames = 0;
  };

  Options options_;
  const Clock& clock_;
  TrackHeader track_;
  bool have_codec_ = false;
  bool session_pending_ = true;
  bool codec_changed_ = false;
  bool anchored_ = false;
  int64_t anchor_ns_ = 0;
  bool skipping_to_key_ = true;
  int64_t last_frame_ms_ = INT64_MIN;  // largest timecode written so far
  int64_t last_pts_ns_ = kNoTime;
  int64_t last_gap_ns_ = 0;
  std::optional<Open> open_;
  std::optional<Fragment> pending_close_;  // closed by a codec change, returned next
  int input_length_size_ = 4;              // NAL length size of AVC input (from codec_data)
  std::vector<Bytes> cur_sps_;
  std::vector<Bytes> cur_pps_;
  std::vector<Tag> pending_tags_;
  std::vector<Tag> persistent_tags_;
  Stats stats_;
};

}  // namespace kedge::video::mkv
