#include "video/mkv/fragmenter.h"

#include <algorithm>
#include <cstring>

#include "platform/crypto.h"

namespace kedge::video::mkv {
namespace {

constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kMaxBlockOffsetMs = 32767;  // SimpleBlock timecodes are int16

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The parameter sets a frame carries, for comparison with the current codec private data.
struct ParamSets {
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
};

ParamSets FindParamSets(const std::vector<NalUnit>& nals) {
  ParamSets p;
  for (const NalUnit& n : nals) {
    if (n.type() == nal::kSps) p.sps.emplace_back(n.data, n.data + n.size);
    if (n.type() == nal::kPps) p.pps.emplace_back(n.data, n.data + n.size);
  }
  return p;
}

Status ValidateTag(const std::string& name, const std::string& value) {
  if (name.empty() || name.size() > kMaxTagNameBytes) {
    return InvalidArgumentError("fragment metadata: name must be 1 to 128 bytes");
  }
  if (name.compare(0, 3, "AWS") == 0) {
    return InvalidArgumentError("fragment metadata: names starting with AWS are reserved: " + name);
  }
  if (value.size() > kMaxTagValueBytes) {
    return InvalidArgumentError("fragment metadata: value of " + name + " is over 256 bytes");
  }
  return Status::Ok();
}

}  // namespace

MkvFragmenter::MkvFragmenter(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  track_.track_uid = options_.track_uid;
  track_.track_name = options_.track_name;
  track_.default_duration_ns = options_.default_frame_duration_ns;
}

StatusOr<std::unique_ptr<MkvFragmenter>> MkvFragmenter::Create(Options options,
                                                               const Clock& clock) {
  if (options.max_fragment_duration_ns <= 0 || options.max_fragment_bytes == 0) {
    return InvalidArgumentError("MKV fragmenter: fragment limits must be positive");
  }
  std::unique_ptr<MkvFragmenter> f(new MkvFragmenter(std::move(options), clock));
  if (!f->options_.codec_private.empty()) {
    KEDGE_RETURN_IF_ERROR(f->SetCodecPrivateInternal(f->options_.codec_private)
                              .WithContext("codec_data from the caps"));
  }
  return f;
}

Status MkvFragmenter::SetCodecPrivateInternal(const Bytes& codec_private) {
  KEDGE_ASSIGN_OR_RETURN(AvcConfig cfg,
                         ParseAvcDecoderConfig(codec_private.data(), codec_private.size()));
  KEDGE_ASSIGN_OR_RETURN(SpsInfo sps, ParseSps(cfg.sps[0].data(), cfg.sps[0].size()));
  track_.codec_private = codec_private;
  track_.codec_private[4] = 0xFF;  // frames are normalised to 4-byte NAL lengths
  track_.width = sps.width;
  track_.height = sps.height;
  input_length_size_ = cfg.length_size;
  cur_sps_ = std::move(cfg.sps);
  cur_pps_ = std::move(cfg.pps);
  codec_changed_ = have_codec_ && stats_.sessions > 0;  // a header with other data went out
  have_codec_ = true;
  session_pending_ = true;
  return Status::Ok();
}

Status MkvFragmenter::SetCodecPrivate(const Bytes& codec_private) {
  KEDGE_ASSIGN_OR_RETURN(AvcConfig cfg,
                         ParseAvcDecoderConfig(codec_private.data(), codec_private.size()));
  if (have_codec_ && cfg.sps == cur_sps_ && cfg.pps == cur_pps_ &&
      cfg.length_size == input_length_size_) {
    return Status::Ok();  // renegotiated caps with the same parameter sets: nothing changes
  }
  // Frames already in the open fragment belong to the old configuration.
  if (open_) pending_close_ = CloseFragment();
  skipping_to_key_ = true;
  return SetCodecPrivateInternal(codec_private);
}

void MkvFragmenter::StartSession() { session_pending_ = true; }

StatusOr<Bytes> MkvFragmenter::NormalizeFrame(const Frame& frame) const {
  if (frame.data.empty()) return InvalidArgumentError("empty frame");
  if (options_.input_format == NalFormat::kAnnexB) {
    Bytes avc = AnnexBToAvc(frame.data.data(), frame.data.size());
    if (avc.empty()) return InvalidArgumentError("Annex-B frame without a start code");
    return avc;
  }
  KEDGE_ASSIGN_OR_RETURN(std::vector<NalUnit> nals,
                         SplitAvc(frame.data.data(), frame.data.size(), input_length_size_));
  if (input_length_size_ == 4) return frame.data;
  Bytes avc;
  avc.reserve(frame.data.size() + 2 * nals.size());
  for (const NalUnit& n : nals) {
    for (int shift = 24; shift >= 0; shift -= 8)
      avc.push_back(static_cast<uint8_t>(n.size >> shift));
    avc.insert(avc.end(), n.data, n.data + n.size);
  }
  return avc;
}

Status MkvFragmenter::UpdateCodecFromKeyFrame(const Bytes& avc) {
  auto nals = SplitAvc(avc.data(), avc.size(), 4);
  if (!nals.ok()) return nals.status();
  ParamSets p = FindParamSets(*nals);
  if (p.sps.empty() || p.pps.empty() || (p.sps == cur_sps_ && p.pps == cur_pps_)) {
    return have_codec_ ? Status::Ok()
                       : FailedPreconditionError(
                             "H.264 key frame without SPS/PPS and no codec_data in the caps: "
                             "put h264parse before the sink or enable repeated headers");
  }
  auto cpd = AvcDecoderConfigFromNals(*nals);
  if (!cpd.ok()) {
    return have_codec_ ? Status::Ok() : cpd.status().WithContext("in-band parameter sets");
  }
  // New parameter sets (first key frame, or a resolution change): a new session header.
  if (open_) pending_close_ = CloseFragment();
  return SetCodecPrivateInternal(*cpd);
}

int64_t MkvFragmenter::FrameDurationNs(const Frame& frame) const {
  if (frame.duration_ns != kNoTime && frame.duration_ns > 0) return frame.duration_ns;
  if (last_gap_ns_ > 0) return last_gap_ns_;
  return std::max<int64_t>(options_.default_frame_duration_ns, 0);
}

bool MkvFragmenter::ShouldStartFragment(int64_t abs_ns, size_t frame_size) const {
  if (!open_ || options_.fragment_duration_ns <= 0) return true;
  int64_t elapsed_ns = abs_ns - open_->start_ms * kNsPerMs;
  int64_t rel_ms = FloorDiv(abs_ns, kNsPerMs) - open_->start_ms;
  return elapsed_ns >= options_.fragment_duration_ns || rel_ms < 0 || !FitsOpen(rel_ms, frame_size);
}

bool MkvFragmenter::FitsOpen(int64_t rel_ms, size_t frame_size) const {
  int64_t max_ms = std::min(kMaxBlockOffsetMs, options_.max_fragment_duration_ns / kNsPerMs);
  return rel_ms <= max_ms && open_->writer.size() + frame_size + 16 <= options_.max_fragment_bytes;
}

void MkvFragmenter::OpenFragment(int64_t abs_ns) {
  int64_t start_ms = FloorDiv(abs_ns, kNsPerMs);
  if (last_frame_ms_ != INT64_MIN && start_ms <= last_frame_ms_) {
    // KVS rejects a fragment whose first frame is not after the previous fragment's last one
    // (4004); keep time moving forward instead of jumping back with the source.
    int64_t shift_ms = last_frame_ms_ + 1 - start_ms;
    anchor_ns_ += shift_ms * kNsPerMs;
    start_ms += shift_ms;
    ++stats_.timestamp_adjustments;
  }
  open_.emplace();
  open_->start_ms = start_ms;
  std::vector<Tag> tags = persistent_tags_;
  tags.insert(tags.end(), pending_tags_.begin(), pending_tags_.end());
  pending_tags_.clear();
  WriteTags(open_->writer, tags);
  WriteClusterStart(open_->writer, static_cast<uint64_t>(start_ms));
  skipping_to_key_ = false;
}

void MkvFragmenter::AppendBlock(const Bytes& avc, int64_t abs_ns, const Frame& frame) {
  int64_t frame_ms = FloorDiv(abs_ns, kNsPerMs);
  WriteSimpleBlock(open_->writer, static_cast<int16_t>(frame_ms - open_->start_ms), frame.key,
                   avc.data(), avc.size());
  open_->end_ns = std::max(open_->end_ns, abs_ns + FrameDurationNs(frame));
  open_->frames++;
  last_frame_ms_ = std::max(last_frame_ms_, frame_ms);
  ++stats_.frames_written;
}

std::optional<Fragment> MkvFragmenter::CloseFragment() {
  if (!open_) return std::nullopt;
  Fragment f;
  f.bytes = open_->writer.Release();
  f.info.timecode_ms = open_->start_ms;
  f.info.duration_ms = std::max<int64_t>(0, FloorDiv(open_->end_ns, kNsPerMs) - open_->start_ms);
  f.info.frame_count = open_->frames;
  if (session_pending_) {
    f.header = *SessionHeader();
    f.info.starts_session = true;
    f.info.codec_changed = codec_changed_;
    session_pending_ = false;
    codec_changed_ = false;
    ++stats_.sessions;
  }
  f.info.size = f.header.size() + f.bytes.size();
  open_.reset();
  ++stats_.fragments;
  return f;
}

StatusOr<std::optional<Fragment>> MkvFragmenter::AddFrame(const Frame& frame) {
  ++stats_.frames_in;
  if (frame.pts_ns == kNoTime) {
    ++stats_.frames_dropped_bad_data;
    return InvalidArgumentError("H.264 frame dropped: no presentation timestamp");
  }
  auto avc = NormalizeFrame(frame);
  if (!avc.ok()) {
    ++stats_.frames_dropped_bad_data;
    return avc.status().WithContext("H.264 frame dropped");
  }
  if (frame.key) {
    Status s = UpdateCodecFromKeyFrame(*avc);
    if (!s.ok()) {
      ++stats_.frames_dropped_no_codec;
      return s;
    }
  }
  std::optional<Fragment> closed = std::move(pending_close_);
  pending_close_.reset();
  if (!frame.key && (skipping_to_key_ || !have_codec_ || !open_)) {
    ++stats_.frames_dropped_no_key;
    return closed;
  }
  if (!anchored_) Anchor(frame.pts_ns);
  int64_t abs_ns = frame.pts_ns + anchor_ns_;
  if (frame.pts_ns != kNoTime && last_pts_ns_ != kNoTime && frame.pts_ns > last_pts_ns_) {
    last_gap_ns_ = frame.pts_ns - last_pts_ns_;
  }
  last_pts_ns_ = frame.pts_ns;
  if (frame.key && ShouldStartFragment(abs_ns, avc->size())) {
    if (!closed) closed = CloseFragment();
    OpenFragment(abs_ns);
    AppendBlock(*avc, frame.pts_ns + anchor_ns_, frame);  // the anchor may have moved
    return closed;
  }
  int64_t rel_ms = FloorDiv(abs_ns, kNsPerMs) - open_->start_ms;
  if (rel_ms < 0) {
    ++stats_.frames_dropped_bad_time;
    return closed;
  }
  if (!FitsOpen(rel_ms, avc->size())) {
    // No key frame in time: end the fragment here and wait for one.
    ++stats_.fragments_cut_over_limit;
    ++stats_.frames_dropped_no_key;
    skipping_to_key_ = true;
    if (!closed) closed = CloseFragment();
    return closed;
  }
  AppendBlock(*avc, abs_ns, frame);
  return closed;
}

void MkvFragmenter::Anchor(int64_t pts_ns) {
  int64_t wall_ns = options_.start_time_ms > 0
                        ? options_.start_time_ms * kNsPerMs
                        : std::chrono::duration_cast<std::chrono::nanoseconds>(
                              clock_.WallNow().time_since_epoch())
                              .count();
  anchor_ns_ = wall_ns - pts_ns;
  anchored_ = true;
  if (options_.segment_uid == SegmentUid{}) {
    Sha256Digest d = Sha256(options_.stream_name + "/" + std::to_string(wall_ns));
    std::memcpy(options_.segment_uid.data(), d.data(), options_.segment_uid.size());
  }
}

std::optional<Fragment> MkvFragmenter::Flush() {
  std::optional<Fragment> closed = std::move(pending_close_);
  pending_close_.reset();
  if (!closed) closed = CloseFragment();
  skipping_to_key_ = true;
  return closed;
}

Status MkvFragmenter::AddMetadata(const std::string& name, const std::string& value,
                                  bool persistent) {
  KEDGE_RETURN_IF_ERROR(ValidateTag(name, value));
  auto same_name = [&](const Tag& t) { return t.name == name; };
  if (persistent) {
    auto it = std::find_if(persistent_tags_.begin(), persistent_tags_.end(), same_name);
    if (value.empty()) {
      if (it != persistent_tags_.end()) persistent_tags_.erase(it);
      return Status::Ok();
    }
    if (it != persistent_tags_.end()) {
      it->value = value;
      return Status::Ok();
    }
  }
  if (persistent_tags_.size() + pending_tags_.size() >= kMaxTagsPerFragment) {
    return ResourceExhaustedError("fragment metadata: at most 10 items per fragment");
  }
  (persistent ? persistent_tags_ : pending_tags_).push_back({name, value});
  return Status::Ok();
}

StatusOr<Bytes> MkvFragmenter::SessionHeader() const {
  if (!have_codec_) {
    return FailedPreconditionError("MKV header: codec private data not known yet");
  }
  SessionHeaderConfig config;
  config.track = track_;
  config.segment_uid = options_.segment_uid;
  config.writing_app = options_.writing_app;
  return BuildSessionHeader(config);
}

Bytes MkvFragmenter::EndOfFragmentTags() {
  EbmlWriter w;
  WriteTags(w, {{kEndOfFragmentTag, ""}});
  return w.Release();
}

}  // namespace kedge::video::mkv
