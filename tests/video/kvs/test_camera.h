#pragma once
// The test camera the video integration and fault tests stream: videotestsrc + x264enc at
// 320x240, 30 fps, one-second fragments, uploading to `endpoint` (creating the stream), with
// short backoffs so recoveries show within a test's time. Callers adjust what they need.

#include <string>

#include "video/kvs/video_stream.h"

namespace kedge::testing {

inline video::kvs::VideoStreamOptions TestCameraOptions(const std::string& stream,
                                                        const std::string& endpoint,
                                                        const std::string& store_dir, int frames,
                                                        bool live) {
  video::kvs::VideoStreamOptions o;
  o.camera.name = stream;
  o.camera.source.kind = video::SourceKind::kTest;
  o.camera.width = 320;
  o.camera.height = 240;
  o.camera.fps = 30;
  o.camera.bitrate_kbps = 500;
  o.camera.fragment_duration_ms = 1000;
  o.camera.encoder = video::EncoderChoice::kX264;
  o.camera.num_buffers = frames;
  o.camera.test_live = live;
  o.store.dir = store_dir;
  o.upload.stream_name = stream;
  o.upload.region = "us-east-1";
  o.upload.control_endpoint = endpoint;
  o.upload.create_stream = true;
  o.upload.backoff_initial = Millis(100);
  o.upload.backoff_max = Millis(500);
  return o;
}

}  // namespace kedge::testing
