#include "video/file/av_file_reader.h"

#include <algorithm>

#include "video/file/av_library.h"

namespace kedge::video {
namespace {

std::string AvError(const AvLibrary& av, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av.strerror(code, text, sizeof text);
  return text;
}

// value × time_base in nanoseconds, truncated (libavutil's rescale: no 128-bit integers on
// 32-bit ARM).
int64_t ToNs(const AvLibrary& av, int64_t value, AVRational time_base) {
  if (time_base.den == 0) return 0;
  return av.rescale_q_rnd(value, time_base, AVRational{1, 1000000000}, AV_ROUND_ZERO);
}

// "audio aac, subtitle subrip": what a file holds, for the error when there is no video.
std::string DescribeStreams(const AvLibrary& av, const AVFormatContext* ctx) {
  std::string out;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVCodecParameters* par = ctx->streams[i]->codecpar;
    const char* type = av.media_type_string(par->codec_type);
    if (!out.empty()) out += ", ";
    out += std::string(type ? type : "data") + " " + av.codec_name(par->codec_id);
  }
  return out.empty() ? "no tracks at all" : out;
}

}  // namespace

struct AvFileReader::Av {
  explicit Av(const AvLibrary& library) : lib(library) {}
  const AvLibrary& lib;
  AVFormatContext* ctx = nullptr;
  AVPacket* packet = nullptr;
  int stream = -1;
  ~Av() {
    lib.packet_free(&packet);
    lib.close_input(&ctx);
  }
  AVStream* st() const { return ctx->streams[stream]; }
};

StatusOr<std::unique_ptr<AvFileReader>> AvFileReader::Open(const std::string& path,
                                                           const Env& env) {
  if (!env.FileExists(path)) return NotFoundError(path + ": no such file");
  KEDGE_ASSIGN_OR_RETURN(const AvLibrary* lib, LoadAvLibrary());
  auto av = std::make_unique<Av>(*lib);
  int rc = lib->open_input(&av->ctx, path.c_str(), nullptr, nullptr);
  if (rc < 0) {
    return InvalidArgumentError(path + ": not a media file libavformat can read (" +
                                AvError(*lib, rc) + ")");
  }
  rc = lib->find_stream_info(av->ctx, nullptr);
  if (rc < 0) {
    return InvalidArgumentError(path + ": cannot read the tracks (" + AvError(*lib, rc) + ")");
  }
  av->packet = lib->packet_alloc();
  if (av->packet == nullptr) return ResourceExhaustedError("out of memory");
  std::unique_ptr<AvFileReader> reader(new AvFileReader(path, std::move(av)));
  KEDGE_RETURN_IF_ERROR(reader->Inspect());
  return reader;
}

AvFileReader::AvFileReader(std::string path, std::unique_ptr<Av> av)
    : path_(std::move(path)), av_(std::move(av)) {}

AvFileReader::~AvFileReader() = default;

Status AvFileReader::Inspect() {
  AVFormatContext* ctx = av_->ctx;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* st = ctx->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        (st->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 && av_->stream < 0) {
      av_->stream = static_cast<int>(i);
    } else {
      ctx->streams[i]->discard = AVDISCARD_ALL;
    }
  }
  if (av_->stream < 0) {
    return InvalidArgumentError(path_ + " has no video track (it holds " +
                                DescribeStreams(av_->lib, ctx) + ")");
  }
  AVStream* st = av_->st();
  const AVCodecParameters* par = st->codecpar;
  if (par->codec_id != AV_CODEC_ID_H264) {
    return InvalidArgumentError(
        path_ + ": the video is " + av_->lib.codec_name(par->codec_id) +
        ", not H.264; Kinesis Video playback needs H.264 (re-encode it, e.g. ffmpeg -i " + path_ +
        " -c:v libx264 -c:a copy out.mp4)");
  }
  info_.container = ctx->iformat && ctx->iformat->name ? ctx->iformat->name : "";
  info_.width = par->width;
  info_.height = par->height;
  AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  if (rate.num > 0 && rate.den > 0) {
    info_.fps_num = rate.num;
    info_.fps_den = rate.den;
  }
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    info_.duration_ns = ToNs(av_->lib, st->duration, st->time_base);
  } else if (ctx->duration != AV_NOPTS_VALUE && ctx->duration > 0) {
    info_.duration_ns = ToNs(av_->lib, ctx->duration, AVRational{1, AV_TIME_BASE});
  }
  info_.frames = st->nb_frames;
  start_pts_ = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  const uint8_t* extra = par->extradata;
  size_t extra_size = par->extradata_size > 0 ? static_cast<size_t>(par->extradata_size) : 0;
  if (extra_size > 0 && extra[0] == 1) {  // AVCDecoderConfigurationRecord: MP4, Matroska
    info_.codec_private.assign(extra, extra + extra_size);
    info_.nal_format = mkv::NalFormat::kAvc;
    return Status();
  }
  // Annex-B (MPEG-TS, raw .h264): parameter sets in-band, maybe also in the extradata.
  info_.nal_format = mkv::NalFormat::kAnnexB;
  if (extra_size > 0) {
    std::vector<mkv::NalUnit> nals = mkv::SplitAnnexB(extra, extra_size);
    StatusOr<std::vector<uint8_t>> record = mkv::AvcDecoderConfigFromNals(nals);
    if (record.ok()) info_.codec_private = std::move(*record);
  }
  return Status();
}

StatusOr<std::optional<Frame>> AvFileReader::Next() {
  AVPacket* pkt = av_->packet;
  while (true) {
    int rc = av_->lib.read_frame(av_->ctx, pkt);
    if (rc == AVERROR_EOF) return std::optional<Frame>();
    if (rc < 0) return DataLossError(path_ + ": read error (" + AvError(av_->lib, rc) + ")");
    if (pkt->stream_index != av_->stream || pkt->size <= 0) {
      av_->lib.packet_unref(pkt);
      continue;
    }
    AVRational tb = av_->st()->time_base;
    Frame frame;
    frame.data.assign(pkt->data, pkt->data + pkt->size);
    frame.key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (pts != AV_NOPTS_VALUE) {
      frame.pts_ns = std::max<int64_t>(0, ToNs(av_->lib, pts - start_pts_, tb));
    } else {  // no time at all (raw H.264): one frame interval after the last
      frame.pts_ns = last_pts_ns_ < 0 ? 0 : last_pts_ns_ + last_duration_ns_;
    }
    if (pkt->dts != AV_NOPTS_VALUE) frame.dts_ns = ToNs(av_->lib, pkt->dts - start_pts_, tb);
    if (pkt->duration > 0) {
      frame.duration_ns = ToNs(av_->lib, pkt->duration, tb);
    } else if (info_.fps_num > 0) {
      frame.duration_ns = 1000000000LL * info_.fps_den / info_.fps_num;
    }
    if (frame.duration_ns != kNoTime) last_duration_ns_ = frame.duration_ns;
    last_pts_ns_ = frame.pts_ns;
    av_->lib.packet_unref(pkt);
    return std::optional<Frame>(std::move(frame));
  }
}

int64_t AvFileReader::position() const {
  return av_->ctx->pb != nullptr ? av_->lib.io_seek(av_->ctx->pb, 0, SEEK_CUR) : 0;
}

int64_t AvFileReader::size() const {
  return av_->ctx->pb != nullptr ? std::max<int64_t>(0, av_->lib.io_size(av_->ctx->pb)) : 0;
}

}  // namespace kedge::video
