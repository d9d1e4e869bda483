#pragma once
// AvFileReader: reads the H.264 video track of a media file (MP4, Matroska, MPEG-TS, anything
// libavformat demuxes) as a sequence of access units for the MKV fragmenter, without decoding.
// The adapter to libavformat (FFmpeg 4.2 or later API); nothing outside this file sees it.
//
// Frames keep the packets' framing: AVC (length-prefixed, MP4/Matroska, with the codec private
// data from the track's extradata) or Annex-B (MPEG-TS; the codec private data is built from
// the SPS/PPS in the extradata, or by the fragmenter from the first key frame). Times are
// nanoseconds from the track's start.
//
// Errors (Open): NotFound for a missing file; InvalidArgument naming what was found for a file
// libavformat cannot read, a file without a video track, or a video track that is not H.264.
// Next: DataLoss for a read error in the middle. One thread; not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/env.h"
#include "platform/status.h"
#include "video/mkv/frame.h"
#include "video/mkv/h264.h"

namespace kedge::video {

struct VideoFileInfo {
  std::string container;  // libavformat's short name: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
  int width = 0;
  int height = 0;
  int fps_num = 0;  // 0 when unknown
  int fps_den = 1;
  int64_t duration_ns = 0;             // of the video track (or the file), 0 when unknown
  int64_t frames = 0;                  // frame count the container declares, 0 when unknown
  std::vector<uint8_t> codec_private;  // AVCDecoderConfigurationRecord, empty when unknown
  mkv::NalFormat nal_format = mkv::NalFormat::kAvc;
};

class AvFileReader {
 public:
  static StatusOr<std::unique_ptr<AvFileReader>> Open(const std::string& path, const Env& env);
  ~AvFileReader();
  AvFileReader(const AvFileReader&) = delete;
  AvFileReader& operator=(const AvFileReader&) = delete;

  const VideoFileInfo& info() const { return info_; }
  // The next access unit of the video track; nullopt at the end of the file.
  StatusOr<std::optional<Frame>> Next();
  // Bytes of the file read so far and its size (0 when unknown), for progress.
  int64_t position() const;
  int64_t size() const;

 private:
  struct Av;
  AvFileReader(std::string path, std::unique_ptr<Av> av);
  Status Inspect();

  std::string path_;
  std::unique_ptr<Av> av_;
  VideoFileInfo info_;
  int64_t start_pts_ = 0;  // in the track's time base
  int64_t last_pts_ns_ = -1;
  int64_t last_duration_ns_ = 0;
};

}  // namespace kedge::video
