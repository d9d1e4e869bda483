#include "video/file/av_library.h"

#include <mutex>
#include <string>

#include "platform/shared_library.h"

namespace kedge::video {
namespace {

Status Load(AvLibrary* av) {
  SymbolLoader loader("kedge video upload reads files with it", "FFmpeg");
  auto open = [&loader](const char* name, int major) {
    return loader.Open(std::string("lib") + name + ".so." + std::to_string(major),
                       std::string("lib") + name + std::to_string(major));
  };
  void* util = open("avutil", LIBAVUTIL_VERSION_MAJOR);
  void* codec = open("avcodec", LIBAVCODEC_VERSION_MAJOR);
  void* format = open("avformat", LIBAVFORMAT_VERSION_MAJOR);
  loader.Resolve(format, "avformat_open_input", &av->open_input);
  loader.Resolve(format, "avformat_find_stream_info", &av->find_stream_info);
  loader.Resolve(format, "avformat_close_input", &av->close_input);
  loader.Resolve(format, "av_read_frame", &av->read_frame);
  loader.Resolve(format, "avio_seek", &av->io_seek);
  loader.Resolve(format, "avio_size", &av->io_size);
  loader.Resolve(codec, "av_packet_alloc", &av->packet_alloc);
  loader.Resolve(codec, "av_packet_free", &av->packet_free);
  loader.Resolve(codec, "av_packet_unref", &av->packet_unref);
  loader.Resolve(codec, "avcodec_get_name", &av->codec_name);
  loader.Resolve(util, "av_strerror", &av->strerror);
  loader.Resolve(util, "av_get_media_type_string", &av->media_type_string);
  loader.Resolve(util, "av_rescale_q_rnd", &av->rescale_q_rnd);
  loader.Resolve(util, "av_log_set_level", &av->log_set_level);
  KEDGE_RETURN_IF_ERROR(loader.status());
  av->log_set_level(AV_LOG_FATAL);  // what goes wrong comes back as a Status
  return Status();
}

}  // namespace

StatusOr<const AvLibrary*> LoadAvLibrary() {
  static AvLibrary library;
  static Status loaded;
  static std::once_flag once;
  std::call_once(once, [] { loaded = Load(&library); });
  if (!loaded.ok()) return loaded;
  return &library;
}

}  // namespace kedge::video
