#pragma once
// Media files for the video/file tests, made at test time by GStreamer and ffmpeg (the tests
// fail, not skip, when a tool is missing), and ffprobe's count of a file's video frames.

#include <string>

namespace kedge::video::testing {

enum class MediaKind {
  kMp4,       // ffmpeg libx264 (B-frames, GOP 30) in MP4
  kMkv,       // GStreamer x264enc + matroskamux
  kTs,        // GStreamer x264enc + mpegtsmux (Annex-B)
  kMpeg4Mp4,  // MPEG-4 part 2 video in MP4: not H.264
  kAudioM4a,  // AAC audio only
};

// Writes a file of `frames` frames (320x240, 30 fps, a key frame every 30) into `dir`;
// returns its path, or "" after reporting a test failure.
std::string MakeMediaFile(const std::string& dir, MediaKind kind, int frames = 90);
// The number of video packets (frames) in a file, as ffprobe counts them; -1 on failure.
int CountVideoFrames(const std::string& path);

}  // namespace kedge::video::testing
