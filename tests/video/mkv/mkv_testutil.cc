#include "tests/video/mkv/mkv_testutil.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "video/mkv/h264.h"

namespace kedge::video::mkv::testing {
namespace {

class BitWriter {
 public:
  void Bits(uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i) Bit((v >> i) & 1);
  }
  void Bit(uint32_t b) {
    if (bits_ % 8 == 0) out_.push_back(0);
    if (b) out_.back() |= static_cast<uint8_t>(0x80 >> (bits_ % 8));
    ++bits_;
  }
  void Ue(uint32_t v) {
    uint64_t x = uint64_t{v} + 1;
    int len = 0;
    while ((x >> len) > 1) ++len;
    Bits(0, len);
    Bits(static_cast<uint32_t>(x), len + 1);
  }
  // rbsp_trailing_bits, then emulation prevention.
  Bytes Finish(uint8_t nal_header) {
    Bit(1);
    while (bits_ % 8 != 0) Bit(0);
    Bytes nal = {nal_header};
    int zeros = 0;
    for (uint8_t b : out_) {
      if (zeros >= 2 && b <= 3) {
        nal.push_back(3);
        zeros = 0;
      }
      nal.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return nal;
  }

 private:
  Bytes out_;
  size_t bits_ = 0;
};

}  // namespace

Bytes MakeSps(uint32_t width, uint32_t height, bool high, bool needs_escape) {
  BitWriter w;
  w.Bits(high ? 100 : 66, 8);
  w.Bits(high || needs_escape ? 0 : 0xC0, 8);
  w.Bits(needs_escape ? 0 : 30, 8);  // level 3.0
  w.Ue(needs_escape ? 63 : 0);       // sps id
  if (high) {
    w.Ue(1);   // chroma_format_idc 4:2:0
    w.Ue(0);   // bit depth luma - 8
    w.Ue(0);   // bit depth chroma - 8
    w.Bit(0);  // qpprime
    w.Bit(0);  // no scaling matrix
  }
  w.Ue(0);  // log2_max_frame_num - 4
  w.Ue(2);  // poc type 2
  w.Ue(1);  // max_num_ref_frames
  w.Bit(0);
  uint32_t mbs_w = (width + 15) / 16, mbs_h = (height + 15) / 16;
  w.Ue(mbs_w - 1);
  w.Ue(mbs_h - 1);
  w.Bit(1);  // frame_mbs_only
  w.Bit(1);  // direct_8x8
  bool crop = mbs_w * 16 != width || mbs_h * 16 != height;
  w.Bit(crop);
  if (crop) {
    w.Ue(0);
    w.Ue((mbs_w * 16 - width) / 2);
    w.Ue(0);
    w.Ue((mbs_h * 16 - height) / 2);
  }
  w.Bit(0);  // no VUI
  return w.Finish(0x67);
}

Bytes MakePps() { return {0x68, 0xCE, 0x38, 0x80}; }

Bytes MakeCodecPrivate(uint32_t width, uint32_t height) {
  Bytes sps = MakeSps(width, height), pps = MakePps();
  auto cpd = BuildAvcDecoderConfig({{sps.data(), sps.size()}}, {{pps.data(), pps.size()}});
  EXPECT_TRUE(cpd.ok()) << cpd.status().ToString();
  return cpd.ok() ? *cpd : Bytes{};
}

Frame MakeFrame(int64_t pts_ns, bool key, size_t payload_size, bool annex_b, uint32_t width,
                uint32_t height) {
  Frame f;
  f.pts_ns = pts_ns;
  f.dts_ns = pts_ns;
  f.key = key;
  std::vector<Bytes> nals;
  if (annex_b && key) {
    nals.push_back(MakeSps(width, height));
    nals.push_back(MakePps());
  }
  Bytes slice(payload_size < 2 ? 2 : payload_size, 0xAB);
  slice[0] = key ? 0x65 : 0x41;
  slice[1] = static_cast<uint8_t>(0x80 | ((pts_ns / 1000000) & 0x7F));  // distinguishable
  nals.push_back(slice);
  for (const Bytes& n : nals) {
    if (annex_b) {
      f.data.insert(f.data.end(), {0, 0, 0, 1});
    } else {
      for (int s = 24; s >= 0; s -= 8) f.data.push_back(static_cast<uint8_t>(n.size() >> s));
    }
    f.data.insert(f.data.end(), n.begin(), n.end());
  }
  return f;
}

void RecordingListener::OnEbmlHeader(const EbmlHeaderInfo& h, uint64_t offset) {
  events.push_back("ebml " + h.doc_type + " @" + std::to_string(offset));
}
void RecordingListener::OnSegmentStart(const SegmentStart& s) {
  events.push_back("segment @" + std::to_string(s.offset) +
                   (s.size == kUnknownSize ? " unknown" : " " + std::to_string(s.size)));
}
void RecordingListener::OnSegmentInfo(uint64_t scale) {
  events.push_back("info scale=" + std::to_string(scale));
}
void RecordingListener::OnTracks(const std::vector<TrackInfo>& t, uint64_t end) {
  tracks = t;
  events.push_back("tracks n=" + std::to_string(t.size()) + " end=" + std::to_string(end));
}
void RecordingListener::OnTags(const std::vector<Tag>& tags, uint64_t offset, uint64_t end) {
  std::string line = "tags";
  for (const Tag& t : tags) line += " " + t.name + "=" + t.value;
  events.push_back(line);
}
void RecordingListener::OnClusterStart(const ClusterStart& c) {
  clusters.push_back(c);
  events.push_back("cluster tc=" + std::to_string(c.timecode) + " @" + std::to_string(c.offset));
}
void RecordingListener::OnBlock(const BlockInfo& b) {
  blocks.push_back({b.track, b.time_ns, b.key, Bytes(b.data, b.data + b.size)});
  events.push_back("block t=" + std::to_string(b.track) +
                   " rel=" + std::to_string(b.relative_timecode) + (b.key ? " key" : "") +
                   " size=" + std::to_string(b.size));
}
void RecordingListener::OnClusterEnd(uint64_t end) {
  events.push_back("cluster end @" + std::to_string(end));
}
void RecordingListener::OnSegmentEnd(uint64_t end) {
  events.push_back("segment end @" + std::to_string(end));
}

Status ParseInChunks(const Bytes& data, size_t chunk, RecordingListener& listener,
                     MkvParser::Options options, MkvError* error) {
  MkvParser parser(options, listener);
  Status s;
  for (size_t pos = 0; pos < data.size() && s.ok(); pos += chunk) {
    s = parser.Feed(data.data() + pos, std::min(chunk, data.size() - pos));
  }
  if (s.ok()) s = parser.Finish();
  if (error) *error = parser.error();
  return s;
}

int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output->append(buf, n);
  int rc = pclose(pipe);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool RequireTool(const std::string& name) {
  std::string out;
  if (RunCommand("command -v " + name, &out) == 0) return true;
  ADD_FAILURE() << name << " is not installed; scripts/install-deps installs it "
                << "(mkvtoolnix, ffmpeg, gstreamer1.0-tools, gstreamer1.0-plugins-ugly)";
  return false;
}

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool WriteFileBytes(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

}  // namespace kedge::video::mkv::testing
