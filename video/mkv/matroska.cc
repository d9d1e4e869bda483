#include "video/mkv/matroska.h"

namespace kedge::video::mkv {

Bytes BuildSessionHeader(const SessionHeaderConfig& config) {
  EbmlWriter w;
  size_t ebml = w.StartMaster(id::kEbml);
  w.PutUint(id::kEbmlVersion, 1);
  w.PutUint(id::kEbmlReadVersion, 1);
  w.PutUint(id::kEbmlMaxIdLength, 4);
  w.PutUint(id::kEbmlMaxSizeLength, 8);
  w.PutString(id::kDocType, "matroska");
  w.PutUint(id::kDocTypeVersion, 2);  // 2: SimpleBlock
  w.PutUint(id::kDocTypeReadVersion, 2);
  w.EndMaster(ebml);

  w.StartUnknownSizeMaster(id::kSegment);

  size_t info = w.StartMaster(id::kInfo);
  w.PutBinary(id::kSegmentUid, config.segment_uid.data(), config.segment_uid.size());
  w.PutUint(id::kTimecodeScale, kTimecodeScaleNs);
  w.PutString(id::kMuxingApp, config.writing_app);
  w.PutString(id::kWritingApp, config.writing_app);
  w.EndMaster(info);

  const TrackHeader& t = config.track;
  size_t tracks = w.StartMaster(id::kTracks);
  size_t entry = w.StartMaster(id::kTrackEntry);
  w.PutUint(id::kTrackNumber, kVideoTrackNumber);
  w.PutUint(id::kTrackUid, t.track_uid == 0 ? 1 : t.track_uid);
  w.PutUint(id::kTrackType, 1);  // video
  w.PutUint(id::kFlagLacing, 0);
  if (t.default_duration_ns > 0) w.PutUint(id::kDefaultDuration, t.default_duration_ns);
  w.PutString(id::kName, t.track_name);
  w.PutString(id::kCodecId, kAvcCodecId);
  w.PutBinary(id::kCodecPrivate, t.codec_private);
  size_t video = w.StartMaster(id::kVideo);
  w.PutUint(id::kPixelWidth, t.width);
  w.PutUint(id::kPixelHeight, t.height);
  w.EndMaster(video);
  w.EndMaster(entry);
  w.EndMaster(tracks);
  return w.Release();
}

void WriteTags(EbmlWriter& w, const std::vector<Tag>& tags) {
  if (tags.empty()) return;
  size_t all = w.StartMaster(id::kTags);
  size_t tag = w.StartMaster(id::kTag);
  for (const Tag& t : tags) {
    size_t simple = w.StartMaster(id::kSimpleTag);
    w.PutString(id::kTagName, t.name);
    w.PutString(id::kTagString, t.value);
    w.EndMaster(simple);
  }
  w.EndMaster(tag);
  w.EndMaster(all);
}

void WriteClusterStart(EbmlWriter& w, uint64_t timecode_ms) {
  w.StartUnknownSizeMaster(id::kCluster);
  w.PutUint(id::kTimecode, timecode_ms);
}

void WriteSimpleBlock(EbmlWriter& w, int16_t relative_ms, bool key, const uint8_t* data,
                      size_t size) {
  w.PutId(id::kSimpleBlock);
  w.PutSize(4 + size);
  w.PutRawByte(static_cast<uint8_t>(0x80 | kVideoTrackNumber));  // track number as a 1-byte vint
  uint16_t rel = static_cast<uint16_t>(relative_ms);
  w.PutRawByte(static_cast<uint8_t>(rel >> 8));
  w.PutRawByte(static_cast<uint8_t>(rel));
  w.PutRawByte(key ? 0x80 : 0x00);
  w.PutRaw(data, size);
}

}  // namespace kedge::video::mkv
