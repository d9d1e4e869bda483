#pragma once
// Test helpers for video/mkv: synthetic H.264 parameter sets and frames, a recording
// MkvListener, and running external tools.

#include <cstdint>
#include <string>
#include <vector>

#include "video/mkv/ebml.h"
#include "video/mkv/frame.h"
#include "video/mkv/parser.h"

namespace kedge::video::mkv::testing {

// A baseline (or, with high=true, High profile) SPS NAL unit for a width x height picture;
// sizes that are not multiples of 16 get frame cropping. `needs_escape` writes constraint and
// level 0 and sps id 63, so the RBSP holds 00 00 02 and needs an emulation prevention byte.
Bytes MakeSps(uint32_t width, uint32_t height, bool high = false, bool needs_escape = false);
Bytes MakePps();
// An AVCDecoderConfigurationRecord for MakeSps(width, height) + MakePps().
Bytes MakeCodecPrivate(uint32_t width, uint32_t height);

// A frame of `payload_size` bytes of one NAL unit (IDR for key frames), AVC 4-byte framed, or
// Annex-B with SPS/PPS before key frames when annex_b is true.
Frame MakeFrame(int64_t pts_ns, bool key, size_t payload_size = 100, bool annex_b = false,
                uint32_t width = 320, uint32_t height = 240);

// Records every parser event as one line of text, plus the blocks.
class RecordingListener : public MkvListener {
 public:
  void OnEbmlHeader(const EbmlHeaderInfo& h, uint64_t offset) override;
  void OnSegmentStart(const SegmentStart& s) override;
  void OnSegmentInfo(uint64_t scale) override;
  void OnTracks(const std::vector<TrackInfo>& tracks, uint64_t end) override;
  void OnTags(const std::vector<Tag>& tags, uint64_t offset, uint64_t end) override;
  void OnClusterStart(const ClusterStart& c) override;
  void OnBlock(const BlockInfo& b) override;
  void OnClusterEnd(uint64_t end) override;
  void OnSegmentEnd(uint64_t end) override;

  std::vector<std::string> events;
  std::vector<TrackInfo> tracks;
  std::vector<ClusterStart> clusters;
  struct Block {
    uint64_t track;
    int64_t time_ns;
    bool key;
    Bytes data;
  };
  std::vector<Block> blocks;
};

// Parses `data` fed in chunks of `chunk` bytes; returns the parser's final status.
Status ParseInChunks(const Bytes& data, size_t chunk, RecordingListener& listener,
                     MkvParser::Options options = MkvParser::Options(), MkvError* error = nullptr);

// Runs a shell command; returns its exit code and fills `output` with stdout+stderr.
int RunCommand(const std::string& command, std::string* output);
// Fails the current test (not skips) when a required tool is missing.
bool RequireTool(const std::string& name);

Bytes ReadFileBytes(const std::string& path);
bool WriteFileBytes(const std::string& path, const Bytes& data);

}  // namespace kedge::video::mkv::testing
