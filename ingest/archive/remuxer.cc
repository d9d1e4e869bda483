#include "ingest/archive/remuxer.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace kedge::ingest {
namespace {

constexpr int kIoBufferBytes = 64 * 1024;

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

struct MemoryReader {
  const std::string* data;
  size_t pos = 0;
};

int ReadPacket(void* opaque, uint8_t* buf, int size) {
  auto* reader = static_cast<MemoryReader*>(opaque);
  size_t left = reader->data->size() - reader->pos;
  if (left == 0) return AVERROR_EOF;
  size_t n = std::min(left, static_cast<size_t>(size));
  std::memcpy(buf, reader->data->data() + reader->pos, n);
  reader->pos += n;
  return static_cast<int>(n);
}

int64_t SeekReader(void* opaque, int64_t offset, int whence) {
  auto* reader = static_cast<MemoryReader*>(opaque);
  int64_t size = static_cast<int64_t>(reader->data->size());
  if (whence == AVSEEK_SIZE) return size;
  int64_t base = whence == SEEK_CUR ? static_cast<int64_t>(reader->pos) : whence == SEEK_END ? size : 0;
  int64_t target = base + offset;
  if (target < 0 || target > size) return -1;
  reader->pos = static_cast<size_t>(target);
  return target;
}

#if LIBAVFORMAT_VERSION_MAJOR >= 61
int WritePacket(void* opaque, const uint8_t* buf, int size) {
#else
int WritePacket(void* opaque, uint8_t* buf, int size) {
#endif
  static_cast<std::string*>(opaque)->append(reinterpret_cast<const char*>(buf), size);
  return size;
}

// Owns the AVIOContext and its buffer.
struct IoDeleter {
  void operator()(AVIOContext* io) const {
    if (io == nullptr) return;
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
using IoPtr = std::unique_ptr<AVIOContext, IoDeleter>;

IoPtr MakeIo(bool write, void* opaque) {
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  if (buffer == nullptr) return nullptr;
  AVIOContext* io = avio_alloc_context(buffer, kIoBufferBytes, write ? 1 : 0, opaque,
                                       write ? nullptr : ReadPacket, write ? WritePacket : nullptr,
                                       write ? nullptr : SeekReader);
  if (io == nullptr) av_free(buffer);
  return IoPtr(io);
}

struct InputDeleter {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct OutputDeleter {
  void operator()(AVFormatContext* ctx) const { avformat_free_context(ctx); }
};

// Copies the packets of the video stream from `in` to `out`, shifting timestamps.
Status CopyPackets(AVFormatContext* in, AVFormatContext* out, int in_index, int64_t start_ms) {
  AVPacket* packet = av_packet_alloc();
  if (packet == nullptr) return InternalError("remux: out of memory");
  AVStream* in_stream = in->streams[in_index];
  AVStream* out_stream = out->streams[0];
  int64_t start = av_rescale_q(start_ms, AVRational{1, 1000}, in_stream->time_base);
  std::optional<int64_t> offset;  // set from the first timed packet
  Status status;
  int64_t last_dts = INT64_MIN;
  while (av_read_frame(in, packet) >= 0) {
    // Muxers need every packet timed and decode times strictly increasing; the demuxer can hand
    // out an untimed packet (seen with MPEG-TS), which carries nothing a player could use.
    if (packet->stream_index == in_index && packet->dts == AV_NOPTS_VALUE) packet->dts = packet->pts;
    if (packet->stream_index == in_index && packet->dts != AV_NOPTS_VALUE) {
      if (packet->pts == AV_NOPTS_VALUE) packet->pts = packet->dts;
      if (!offset) offset = packet->dts - start;
      packet->pts -= *offset;
      packet->dts -= *offset;
      if (last_dts != INT64_MIN && packet->dts <= last_dts) packet->dts = last_dts + 1;
      if (packet->pts < packet->dts) packet->pts = packet->dts;
      last_dts = packet->dts;
      av_packet_rescale_ts(packet, in_stream->time_base, out_stream->time_base);
      packet->stream_index = 0;
      packet->pos = -1;
      int rc = av_interleaved_write_frame(out, packet);
      if (rc < 0) {
        status = InternalError("remux: writing a frame: " + AvError(rc));
        av_packet_unref(packet);
        break;
      }
    }
    av_packet_unref(packet);
  }
  av_packet_free(&packet);
  return status;
}

}  // namespace

StatusOr<std::string> Remux(const std::string& mkv, const RemuxOptions& options) {
  // libavformat logs decoder complaints to stderr; the result is what matters here.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_FATAL); });
  MemoryReader reader{&mkv};
  IoPtr in_io = MakeIo(false, &reader);
  AVFormatContext* raw_in = avformat_alloc_context();
  if (!in_io || raw_in == nullptr) return InternalError("remux: out of memory");
  raw_in->pb = in_io.get();
  int rc = avformat_open_input(&raw_in, nullptr, av_find_input_format("matroska"), nullptr);
  if (rc < 0) return InvalidArgumentError("remux: cannot read the stored MKV: " + AvError(rc));
  std::unique_ptr<AVFormatContext, InputDeleter> in(raw_in);
  rc = avformat_find_stream_info(in.get(), nullptr);
  if (rc < 0) return InvalidArgumentError("remux: no stream info: " + AvError(rc));
  int video = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video < 0) return InvalidArgumentError("remux: the media has no video track");

  std::string output;
  IoPtr out_io = MakeIo(true, &output);
  AVFormatContext* raw_out = nullptr;
  const char* format = options.format == RemuxFormat::kMpegTs ? "mpegts" : "mp4";
  rc = avformat_alloc_output_context2(&raw_out, nullptr, format, nullptr);
  if (rc < 0 || !out_io) return InternalError("remux: no " + std::string(format) + " muxer");
  std::unique_ptr<AVFormatContext, OutputDeleter> out(raw_out);
  out->pb = out_io.get();
  out->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVStream* stream = avformat_new_stream(out.get(), nullptr);
  if (stream == nullptr) return InternalError("remux: cannot add a stream");
  rc = avcodec_parameters_copy(stream->codecpar, in->streams[video]->codecpar);
  if (rc < 0) return InternalError("remux: codec parameters: " + AvError(rc));
  stream->codecpar->codec_tag = 0;
  stream->time_base = in->streams[video]->time_base;
  AVDictionary* muxer_options = nullptr;
  if (options.format == RemuxFormat::kFragmentedMp4) {
    av_dict_set(&muxer_options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
  }
  rc = avformat_write_header(out.get(), &muxer_options);
  av_dict_free(&muxer_options);
  if (rc < 0) return InternalError("remux: writing the header: " + AvError(rc));
  KEDGE_RETURN_IF_ERROR(CopyPackets(in.get(), out.get(), video, options.start_ms));
  rc = av_write_trailer(out.get());
  if (rc < 0) return InternalError("remux: writing the trailer: " + AvError(rc));
  avio_flush(out_io.get());
  return output;
}

}  // namespace kedge::ingest
