#include "tests/video/file/media_files.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::video::testing {

using mkv::testing::RequireTool;
using mkv::testing::RunCommand;

std::string MakeMediaFile(const std::string& dir, MediaKind kind, int frames) {
  std::string n = std::to_string(frames);
  std::string gst = "gst-launch-1.0 -q videotestsrc num-buffers=" + n +
                    " ! video/x-raw,width=320,height=240,framerate=30/1 ! x264enc "
                    "key-int-max=30 bitrate=300 ! h264parse ! ";
  std::string ffmpeg = "ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=30 -frames:v " +
                       n + " -g 30 -pix_fmt yuv420p ";
  std::string path, command;
  switch (kind) {
    case MediaKind::kMp4:
      path = dir + "/clip.mp4";
      command = ffmpeg + "-c:v libx264 " + path;
      break;
    case MediaKind::kMkv:
      path = dir + "/clip.mkv";
      command = gst + "matroskamux ! filesink location=" + path;
      break;
    case MediaKind::kTs:
      path = dir + "/clip.ts";
      command = gst + "mpegtsmux ! filesink location=" + path;
      break;
    case MediaKind::kMpeg4Mp4:
      path = dir + "/mpeg4.mp4";
      command = ffmpeg + "-c:v mpeg4 " + path;
      break;
    case MediaKind::kAudioM4a:
      path = dir + "/sound.m4a";
      command = "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=1 -c:a aac " + path;
      break;
  }
  bool gst_kind = kind == MediaKind::kMkv || kind == MediaKind::kTs;
  if (!RequireTool(gst_kind ? "gst-launch-1.0" : "ffmpeg")) return "";
  std::string output;
  int rc = RunCommand(command, &output);
  if (rc != 0) {
    ADD_FAILURE() << command << " failed: " << output;
    return "";
  }
  return path;
}

int CountVideoFrames(const std::string& path) {
  if (!RequireTool("ffprobe")) return -1;
  std::string output;
  int rc = RunCommand(
      "ffprobe -v error -select_streams v:0 -count_packets -show_entries "
      "stream=nb_read_packets -of csv=p=0 " +
          path,
      &output);
  if (rc != 0) {
    ADD_FAILURE() << "ffprobe " << path << ": " << output;
    return -1;
  }
  return std::atoi(output.c_str());
}

}  // namespace kedge::video::testing
