#include "video/mkv/parser.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "video/mkv/h264.h"

namespace kedge::video::mkv {
namespace {

constexpr int64_t kMaxTimeNs = int64_t{1} << 62;  // keeps block time arithmetic in range

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%X", v);
  return buf;
}

bool IsSegmentLevel(uint32_t element_id) {
  switch (element_id) {
    case id::kSeekHead:
    case id::kInfo:
    case id::kTracks:
    case id::kCues:
    case id::kChapters:
    case id::kAttachments:
    case id::kTags:
    case id::kCluster:
    case id::kEbml:
    case id::kSegment:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* MkvErrorName(MkvError error) {
  switch (error) {
    case MkvError::kNone:
      return "none";
    case MkvError::kInvalidMkvData:
      return "invalid MKV data";
    case MkvError::kMissingCodecPrivate:
      return "missing or invalid codec private data";
    case MkvError::kFragmentNotKeyFrame:
      return "fragment does not start with a key frame";
    case MkvError::kTimecodeNotIncreasing:
      return "fragment timecode not increasing";
    case MkvError::kFragmentTooLarge:
      return "fragment too large";
    case MkvError::kFragmentTooLong:
      return "fragment too long";
    case MkvError::kTrackNumberMismatch:
      return "track number mismatch";
    case MkvError::kFramesMissingForTrack:
      return "frames missing for a track";
    case MkvError::kTooManyTracks:
      return "too many tracks";
    case MkvError::kMetadataLimit:
      return "fragment metadata limit";
    case MkvError::kMoreThanOneSegment:
      return "more than one segment";
  }
  return "unknown";
}

KvsAckError KvsAckErrorFor(MkvError error) {
  switch (error) {
    case MkvError::kFragmentTooLarge:
      return {4001, "MAX_FRAGMENT_SIZE_REACHED"};
    case MkvError::kFragmentTooLong:
      return {4002, "MAX_FRAGMENT_DURATION_REACHED"};
    case MkvError::kTimecodeNotIncreasing:
      return {4004, "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS"};
    case MkvError::kMetadataLimit:
      return {4009, "FRAGMENT_METADATA_LIMIT_REACHED"};
    case MkvError::kTrackNumberMismatch:
      return {4010, "TRACK_NUMBER_MISMATCH"};
    case MkvError::kFramesMissingForTrack:
      return {4011, "FRAMES_MISSING_FOR_TRACK"};
    case MkvError::kTooManyTracks:
      return {4012, "MORE_THAN_ALLOWED_TRACKS_FOUND"};
    default:
      return {4006, "INVALID_MKV_DATA"};
  }
}

MkvParser::MkvParser(Options options, MkvListener& listener)
    : options_(options), listener_(listener) {}

Status MkvParser::Fail(MkvError error, const std::string& message) {
  if (status_.ok()) {
    error_ = error;
    status_ = InvalidArgumentError("MKV at byte " + std::to_string(offset_) + ": " + message +
                                   " (" + MkvErrorName(error) + ")");
  }
  return status_;
}

Status MkvParser::Feed(const uint8_t* data, size_t size) {
  if (!status_.ok()) return status_;
  if (finished_) return Fail(MkvError::kInvalidMkvData, "data after the end of the stream");
  if (buf_.empty()) {
    size_t used = Process(data, size);
    if (status_.ok()) buf_.assign(data + used, data + size);
  } else {
    buf_.insert(buf_.end(), data, data + size);
    size_t used = Process(buf_.data(), buf_.size());
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(used));
  }
  return status_;
}

size_t MkvParser::Process(const uint8_t* p, size_t avail) {
  size_t total = 0;
  while (status_.ok()) {
    size_t used = 0;
    Step s = StepOnce(p + total, avail - total, &used);
    total += used;
    offset_ += used;
    if (s != Step::kProgress) break;
  }
  return total;
}

MkvParser::Step MkvParser::StepOnce(const uint8_t* p, size_t avail, size_t* used) {
  if (skip_ > 0) {
    if (avail == 0) return Step::kNeedMore;
    size_t n = static_cast<size_t>(std::min<uint64_t>(skip_, avail));
    skip_ -= n;
    *used = n;
    return Step::kProgress;
  }
  if (!stack_.empty() && stack_.back().end == offset_) {
    if (stack_.back().level == Level::kCluster) {
      EndCluster(offset_);
    } else {
      EndSegment(offset_);
    }
    return status_.ok() ? Step::kProgress : Step::kFailed;
  }
  Element e;
  int a = ReadId(p, avail, &e.id);
  int b = a > 0 ? ReadSizeVint(p + a, avail - a, &e.size) : a;
  if (a < 0 || b < 0) {
    return FailStep(MkvError::kInvalidMkvData, "malformed element header");
  }
  if (a == 0 || b == 0) return Step::kNeedMore;
  e.header_len = static_cast<size_t>(a + b);
  if (!stack_.empty() && stack_.back().end != kUnknownSize) {
    uint64_t room = stack_.back().end - offset_;
    if (e.header_len > room || (e.size != kUnknownSize && e.size > room - e.header_len)) {
      return FailStep(MkvError::kInvalidMkvData,
                      "element " + Hex(e.id) + " runs past the end of its parent");
    }
  }
  return Dispatch(e, p, avail, used);
}

MkvParser::Step MkvParser::FailStep(MkvError error, const std::string& message) {
  Fail(error, message).IgnoreError();  // kept in status_
  return Step::kFailed;
}

MkvParser::Step MkvParser::Dispatch(const Element& e, const uint8_t* p, size_t avail,
                                    size_t* used) {
  if (stack_.empty()) return AtTop(e, p, avail, used);
  if (stack_.back().level == Level::kSegment) return InSegment(e, p, avail, used);
  return InCluster(e, p, avail, used);
}

MkvParser::Step MkvParser::Whole(const Element& e, size_t avail, size_t limit, const char* what) {
  if (e.size == kUnknownSize) {
    return FailStep(MkvError::kInvalidMkvData, std::string(what) + " with an unknown size");
  }
  if (e.size > limit) {
    return FailStep(MkvError::kInvalidMkvData, std::string(what) + " of " + std::to_string(e.size) +
                                                   " bytes is over the limit of " +
                                                   std::to_string(limit));
  }
  return avail < e.header_len + e.size ? Step::kNeedMore : Step::kProgress;
}

MkvParser::Step MkvParser::Skip(const Element& e, size_t avail, size_t* used) {
  if (e.size == kUnknownSize) {
    return FailStep(MkvError::kInvalidMkvData, "element " + Hex(e.id) + " with an unknown size");
  }
  uint64_t total = e.header_len + e.size;
  size_t n = static_cast<size_t>(std::min<uint64_t>(total, avail));
  skip_ = total - n;
  *used = n;
  return Step::kProgress;
}

MkvParser::Step MkvParser::AtTop(const Element& e, const uint8_t* p, size_t avail, size_t* used) {
  bool second = segments_ > 0 && !options_.allow_multiple_segments;
  if (e.id == id::kEbml) {
    if (second) {
      return FailStep(MkvError::kMoreThanOneSegment, "a second EBML header in one stream");
    }
    Step s = Whole(e, avail, options_.max_small_element_bytes, "EBML header");
    if (s != Step::kProgress) return s;
    if (!ParseEbmlHeader(p + e.header_len, e.size).ok()) return Step::kFailed;
    *used = e.header_len + e.size;
    return Step::kProgress;
  }
  if (e.id == id::kSegment) {
    if (!seen_ebml_) {
      return FailStep(second ? MkvError::kMoreThanOneSegment : MkvError::kInvalidMkvData,
                      "Segment without an EBML header");
    }
    seen_ebml_ = false;
    ++segments_;
    seen_tracks_ = false;
    tracks_.clear();
    timecode_scale_ = kTimecodeScaleNs;
    SegmentStart seg{offset_, offset_ + e.header_len, e.size, static_cast<int>(e.header_len) - 4};
    stack_.push_back(
        {Level::kSegment, e.size == kUnknownSize ? kUnknownSize : offset_ + e.header_len + e.size});
    *used = e.header_len;
    listener_.OnSegmentStart(seg);
    return Step::kProgress;
  }
  if (e.id == id::kVoid || e.id == id::kCrc32) return Skip(e, avail, used);
  return FailStep(MkvError::kInvalidMkvData,
                  "unexpected element " + Hex(e.id) + " at the top level (not a Matroska stream?)");
}

MkvParser::Step MkvParser::InSegment(const Element& e, const uint8_t* p, size_t avail,
                                     size_t* used) {
  const uint8_t* body = p + e.header_len;
  Step s = Step::kProgress;
  Status parsed;
  switch (e.id) {
    case id::kEbml:
    case id::kSegment:
      if (stack_.back().end != kUnknownSize) {
        return FailStep(MkvError::kInvalidMkvData, "EBML header or Segment inside a Segment");
      }
      EndSegment(offset_);  // an unknown-size Segment ends where the next one begins
      return Step::kProgress;
    case id::kInfo:
      s = Whole(e, avail, options_.max_small_element_bytes, "Info");
      if (s == Step::kProgress) parsed = ParseInfo(body, e.size);
      break;
    case id::kTracks:
      if (seen_tracks_) {
        return FailStep(MkvError::kInvalidMkvData, "a second Tracks element in the Segment");
      }
      s = Whole(e, avail, options_.max_tracks_bytes, "Tracks");
      if (s == Step::kProgress) parsed = ParseTracks(body, e.size, offset_ + e.header_len + e.size);
      break;
    case id::kTags:
      s = Whole(e, avail, options_.max_small_element_bytes, "Tags");
      if (s == Step::kProgress)
        parsed = ParseTags(body, e.size, offset_, offset_ + e.header_len + e.size);
      break;
    case id::kCluster:
      return StartCluster(e, used);
    default:
      return Skip(e, avail, used);  // SeekHead, Cues, Void, Chapters...: not needed
  }
  if (s != Step::kProgress) return s;
  if (!parsed.ok()) return Step::kFailed;
  *used = e.header_len + e.size;
  return Step::kProgress;
}

MkvParser::Step MkvParser::StartCluster(const Element& e, size_t* used) {
  if (!seen_tracks_) {
    return FailStep(MkvError::kInvalidMkvData, "Cluster before Tracks");
  }
  if (options_.kvs_rules && e.size != kUnknownSize && e.size > options_.max_fragment_bytes) {
    return FailStep(MkvError::kFragmentTooLarge, "Cluster of " + std::to_string(e.size) + " bytes");
  }
  stack_.push_back(
      {Level::kCluster, e.size == kUnknownSize ? kUnknownSize : offset_ + e.header_len + e.size});
  cluster_offset_ = offset_;
  cluster_has_timecode_ = false;
  cluster_blocks_ = 0;
  cluster_track_mask_ = 0;
  fragment_tags_ = 0;
  *used = e.header_len;
  return Step::kProgress;
}

MkvParser::Step MkvParser::InCluster(const Element& e, const uint8_t* p, size_t avail,
                                     size_t* used) {
  if (IsSegmentLevel(e.id)) {
    if (stack_.back().end != kUnknownSize) {
      return FailStep(MkvError::kInvalidMkvData, "element " + Hex(e.id) + " inside a Cluster");
    }
    EndCluster(offset_);  // an unknown-size Cluster ends at the next Segment-level element
    return status_.ok() ? Step::kProgress : Step::kFailed;
  }
  if (options_.kvs_rules && e.size != kUnknownSize &&
      offset_ - cluster_offset_ + e.header_len + e.size > options_.max_fragment_bytes) {
    return FailStep(MkvError::kFragmentTooLarge,
                    "fragment over " + std::to_string(options_.max_fragment_bytes) + " bytes");
  }
  const uint8_t* body = p + e.header_len;
  Step s = Step::kProgress;
  Status parsed;
  switch (e.id) {
    case id::kTimecode:
      s = Whole(e, avail, 8, "Cluster Timecode");
      if (s == Step::kProgress) parsed = ParseTimecode(body, e.size);
      break;
    case id::kSimpleBlock:
    case id::kBlockGroup:
      s = Whole(e, avail, options_.max_block_bytes, "block");
      if (s == Step::kProgress)
        parsed = HandleBlock(body, e.size, e.id == id::kSimpleBlock, offset_);
      break;
    default:
      return Skip(e, avail, used);  // Position, PrevSize, Void, CRC-32...
  }
  if (s != Step::kProgress) return s;
  if (!parsed.ok()) return Step::kFailed;
  *used = e.header_len + e.size;
  return Step::kProgress;
}

Status MkvParser::ParseEbmlHeader(const uint8_t* body, size_t size) {
  auto h = ReadEbmlHeader(body, size);
  if (!h.ok()) return Fail(MkvError::kInvalidMkvData, h.status().message());
  if (h->doc_type != "matroska" && h->doc_type != "webm") {
    return Fail(MkvError::kInvalidMkvData, "DocType is \"" + h->doc_type + "\", not matroska");
  }
  if (h->read_version > 1 || h->max_id_length > 4 || h->max_size_length > 8 ||
      h->doc_type_read_version > 4) {
    return Fail(MkvError::kInvalidMkvData, "EBML header asks for an unsupported reader version");
  }
  seen_ebml_ = true;
  listener_.OnEbmlHeader(*h, offset_);
  return Status::Ok();
}

Status MkvParser::ParseInfo(const uint8_t* body, size_t size) {
  auto scale = ReadTimecodeScale(body, size);
  if (!scale.ok()) return Fail(MkvError::kInvalidMkvData, scale.status().message());
  timecode_scale_ = *scale;
  listener_.OnSegmentInfo(*scale);
  return Status::Ok();
}

Status MkvParser::ParseTracks(const uint8_t* body, size_t size, uint64_t end) {
  auto tracks = ReadTracks(body, size);
  if (!tracks.ok()) return Fail(MkvError::kInvalidMkvData, tracks.status().message());
  if (options_.kvs_rules && tracks->size() > options_.max_tracks) {
    return Fail(MkvError::kTooManyTracks, std::to_string(tracks->size()) + " tracks");
  }
  for (TrackInfo& t : *tracks) {
    if (t.codec_id != kAvcCodecId) continue;
    auto sps = InspectAvcCodecPrivate(t.codec_private.data(), t.codec_private.size());
    if (!sps.ok()) {
      if (options_.kvs_rules) return Fail(MkvError::kMissingCodecPrivate, sps.status().message());
      continue;
    }
    if (t.width == 0) t.width = sps->width;
    if (t.height == 0) t.height = sps->height;
  }
  tracks_ = std::move(*tracks);
  seen_tracks_ = true;
  listener_.OnTracks(tracks_, end);
  return Status::Ok();
}

Status MkvParser::ParseTags(const uint8_t* body, size_t size, uint64_t offset, uint64_t end) {
  auto tags = ReadTags(body, size);
  if (!tags.ok()) return Fail(MkvError::kInvalidMkvData, tags.status().message());
  if (options_.kvs_rules) {
    for (const Tag& t : *tags) {
      if (t.name.size() > kMaxTagNameBytes || t.value.size() > kMaxTagValueBytes) {
        return Fail(MkvError::kMetadataLimit, "tag name or value too long");
      }
      if (t.name.compare(0, 17, "AWS_KINESISVIDEO_") != 0) ++fragment_tags_;
    }
    if (fragment_tags_ > kMaxTagsPerFragment) {
      return Fail(MkvError::kMetadataLimit, "more than 10 metadata tags for one fragment");
    }
  }
  listener_.OnTags(*tags, offset, end);
  return Status::Ok();
}

Status MkvParser::ParseTimecode(const uint8_t* body, size_t size) {
  if (cluster_has_timecode_) return Fail(MkvError::kInvalidMkvData, "two Cluster Timecodes");
  uint64_t tc = 0;
  DecodeUint(body, size, &tc);
  if (tc > static_cast<uint64_t>(kMaxTimeNs) / timecode_scale_) {
    return Fail(MkvError::kInvalidMkvData, "Cluster Timecode out of range");
  }
  cluster_has_timecode_ = true;
  cluster_timecode_ = tc;
  cluster_ns_ = static_cast<int64_t>(tc * timecode_scale_);
  listener_.OnClusterStart({cluster_offset_, tc, cluster_ns_});
  return Status::Ok();
}

Status MkvParser::HandleBlock(const uint8_t* body, size_t size, bool simple, uint64_t offset) {
  auto h = ReadBlock(body, size, simple);
  if (!h.ok()) return Fail(MkvError::kInvalidMkvData, h.status().message());
  if (!cluster_has_timecode_) {
    return Fail(MkvError::kInvalidMkvData, "block before the Cluster Timecode");
  }
  BlockInfo info;
  info.offset = offset;
  info.track = h->track;
  info.relative_timecode = h->relative_timecode;
  info.key = h->key;
  info.data = h->data;
  info.size = h->size;
  info.time_ns =
      cluster_ns_ + int64_t{info.relative_timecode} * static_cast<int64_t>(timecode_scale_);
  return DeliverBlock(info);
}

Status MkvParser::DeliverBlock(BlockInfo& block) {
  size_t index = tracks_.size();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (tracks_[i].number == block.track) index = i;
  }
  if (index == tracks_.size()) {
    return Fail(MkvError::kTrackNumberMismatch, "block for track " + std::to_string(block.track) +
                                                    ", which Tracks does not declare");
  }
  if (options_.kvs_rules) {
    if (cluster_blocks_ == 0 && !block.key) {
      return Fail(MkvError::kFragmentNotKeyFrame,
                  "the first frame of the fragment is not a key frame");
    }
    if (have_previous_fragment_ && block.time_ns <= previous_max_ns_) {
      return Fail(MkvError::kTimecodeNotIncreasing,
                  "frame at " + std::to_string(block.time_ns / 1000000) +
                      " ms is not after the previous fragment's last frame at " +
                      std::to_string(previous_max_ns_ / 1000000) + " ms");
    }
    if (block.time_ns - cluster_ns_ > options_.max_fragment_duration_ns) {
      return Fail(MkvError::kFragmentTooLong,
                  "fragment longer than " +
                      std::to_string(options_.max_fragment_duration_ns / 1000000) + " ms");
    }
  }
  cluster_max_ns_ = cluster_blocks_ == 0 ? block.time_ns : std::max(cluster_max_ns_, block.time_ns);
  ++cluster_blocks_;
  cluster_track_mask_ |= uint32_t{1} << index;
  listener_.OnBlock(block);
  return Status::Ok();
}

Status MkvParser::CheckClusterComplete() {
  if (!cluster_has_timecode_) return Fail(MkvError::kInvalidMkvData, "Cluster without a Timecode");
  if (!options_.kvs_rules) return Status::Ok();
  uint32_t all = tracks_.size() >= 32 ? ~0u : (uint32_t{1} << tracks_.size()) - 1;
  if (cluster_blocks_ == 0 || cluster_track_mask_ != all) {
    return Fail(MkvError::kFramesMissingForTrack, "a fragment without frames for every track");
  }
  return Status::Ok();
}

void MkvParser::EndCluster(uint64_t end) {
  if (!CheckClusterComplete().ok()) return;  // the error is in status_
  stack_.pop_back();
  if (cluster_blocks_ > 0) {
    have_previous_fragment_ = true;
    previous_max_ns_ = std::max(previous_max_ns_, cluster_max_ns_);
  }
  listener_.OnClusterEnd(end);
}

void MkvParser::EndSegment(uint64_t end) {
  stack_.pop_back();
  listener_.OnSegmentEnd(end);
}

Status MkvParser::Finish() {
  if (!status_.ok() || finished_) return status_;
  if (skip_ > 0 || !buf_.empty()) {
    return Fail(MkvError::kInvalidMkvData, "the stream ends inside an element (truncated)");
  }
  while (!stack_.empty() && status_.ok()) {
    const Container& top = stack_.back();
    if (top.end != kUnknownSize && top.end != offset_) {
      return Fail(MkvError::kInvalidMkvData, "the stream ends inside a Segment or Cluster");
    }
    if (top.level == Level::kCluster) {
      EndCluster(offset_);
    } else {
      EndSegment(offset_);
    }
  }
  if (status_.ok() && seen_ebml_) {
    return Fail(MkvError::kInvalidMkvData, "EBML header without a Segment");
  }
  finished_ = true;
  return status_;
}

}  // namespace kedge::video::mkv
