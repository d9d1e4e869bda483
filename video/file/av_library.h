#pragma once
// AvLibrary: the FFmpeg functions AvFileReader calls, loaded with dlopen the first time a file
// is opened. kedge links no FFmpeg library: libavcodec and libavformat pull in some forty more
// shared libraries (codecs, network protocols) whose mapped pages would cost every kedge process
// (a camera, the daemon) about 15 MB of resident memory for a command few of them run.
// The sonames are those of the headers kedge was built with (libavformat.so.<major>), so the
// structures AvFileReader reads have the layout it was compiled for.
// Thread-safe; the libraries stay loaded for the life of the process.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include "platform/status.h"

namespace kedge::video {

struct AvLibrary {
  decltype(&avformat_open_input) open_input;
  decltype(&avformat_find_stream_info) find_stream_info;
  decltype(&avformat_close_input) close_input;
  decltype(&av_read_frame) read_frame;
  decltype(&::avio_seek) io_seek;
  decltype(&::avio_size) io_size;
  decltype(&av_packet_alloc) packet_alloc;
  decltype(&av_packet_free) packet_free;
  decltype(&av_packet_unref) packet_unref;
  decltype(&avcodec_get_name) codec_name;
  decltype(&av_strerror) strerror;
  decltype(&av_get_media_type_string) media_type_string;
  decltype(&av_log_set_level) log_set_level;
  decltype(&av_rescale_q_rnd) rescale_q_rnd;
};

// The loaded functions, or FailedPrecondition naming the library that is missing and the
// package that provides it.
StatusOr<const AvLibrary*> LoadAvLibrary();

}  // namespace kedge::video
