#include "video/file/av_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace kedge::video {
namespace {

// Opens lib<name>.so.<major>; nullptr with *error set when it is not installed.
void* Open(const char* name, int major, std::string* error) {
  std::string soname = std::string("lib") + name + ".so." + std::to_string(major);
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr && error->empty()) {
    *error = soname +
             " is not installed, and kedge video upload reads files with it (install "
             "the lib" +
             name + std::to_string(major) + " package)";
  }
  return handle;
}

template <typename Fn>
bool Resolve(void* lib, const char* symbol, Fn* out, std::string* error) {
  *out = lib != nullptr ? reinterpret_cast<Fn>(dlsym(lib, symbol)) : nullptr;
  if (*out == nullptr && error->empty()) *error = std::string("FFmpeg has no ") + symbol;
  return *out != nullptr;
}

Status Load(AvLibrary* av) {
  std::string error;
  void* util = Open("avutil", LIBAVUTIL_VERSION_MAJOR, &error);
  void* codec = Open("avcodec", LIBAVCODEC_VERSION_MAJOR, &error);
  void* format = Open("avformat", LIBAVFORMAT_VERSION_MAJOR, &error);
  Resolve(format, "avformat_open_input", &av->open_input, &error);
  Resolve(format, "avformat_find_stream_info", &av->find_stream_info, &error);
  Resolve(format, "avformat_close_input", &av->close_input, &error);
  Resolve(format, "av_read_frame", &av->read_frame, &error);
  Resolve(format, "avio_seek", &av->io_seek, &error);
  Resolve(format, "avio_size", &av->io_size, &error);
  Resolve(codec, "av_packet_alloc", &av->packet_alloc, &error);
  Resolve(codec, "av_packet_free", &av->packet_free, &error);
  Resolve(codec, "av_packet_unref", &av->packet_unref, &error);
  Resolve(codec, "avcodec_get_name", &av->codec_name, &error);
  Resolve(util, "av_strerror", &av->strerror, &error);
  Resolve(util, "av_get_media_type_string", &av->media_type_string, &error);
  Resolve(util, "av_rescale_q_rnd", &av->rescale_q_rnd, &error);
  Resolve(util, "av_log_set_level", &av->log_set_level, &error);
  if (!error.empty()) return FailedPreconditionError(error);
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
