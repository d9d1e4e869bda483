#include "video/mkv/h264.h"

#include <string>

namespace kedge::video::mkv {
namespace {

// Reads bits MSB-first from an RBSP (emulation prevention already removed). Reading past the
// end sets a flag instead of failing each call, so parsing code stays linear; callers check ok().
class BitReader {
 public:
  explicit BitReader(const std::vector<uint8_t>& data) : data_(data) {}

  uint32_t Bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | Bit();
    return v;
  }
  uint32_t Bit() {
    if (pos_ >= data_.size() * 8) {
      overrun_ = true;
      return 0;
    }
    uint32_t b = (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    ++pos_;
    return b;
  }
  // Unsigned exp-Golomb.
  uint32_t Ue() {
    int zeros = 0;
    while (Bit() == 0) {
      if (overrun_ || ++zeros > 31) {
        overrun_ = true;
        return 0;
      }
    }
    if (zeros == 0) return 0;
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + Bits(zeros));
  }
  // Signed exp-Golomb.
  int32_t Se() {
    uint32_t k = Ue();
    return (k & 1) ? static_cast<int32_t>((k + 1) / 2) : -static_cast<int32_t>(k / 2);
  }
  bool ok() const { return !overrun_; }

 private:
  const std::vector<uint8_t>& data_;
  size_t pos_ = 0;
  bool overrun_ = false;
};

std::vector<uint8_t> Unescape(const uint8_t* data, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size);
  int zeros = 0;
  for (size_t i = 0; i < size; ++i) {
    if (zeros >= 2 && data[i] == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = data[i] == 0 ? zeros + 1 : 0;
    out.push_back(data[i]);
  }
  return out;
}

bool HasChromaInfo(int profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

void SkipScalingList(BitReader& r, int count) {
  int last = 8, next = 8;
  for (int j = 0; j < count && r.ok(); ++j) {
    if (next != 0) next = (last + r.Se() + 256) % 256;
    last = next == 0 ? last : next;
  }
}

// Reads the fields up to pic_order_cnt and beyond; fills the chroma fields of `info`.
void ReadChromaAndScaling(BitReader& r, SpsInfo* info, bool* separate_planes) {
  info->chroma_format_idc = static_cast<int>(r.Ue());
  if (info->chroma_format_idc == 3) *separate_planes = r.Bit();
  info->bit_depth_luma = static_cast<int>(r.Ue()) + 8;
  info->bit_depth_chroma = static_cast<int>(r.Ue()) + 8;
  r.Bit();        // qpprime_y_zero_transform_bypass_flag
  if (r.Bit()) {  // seq_scaling_matrix_present_flag
    int lists = info->chroma_format_idc != 3 ? 8 : 12;
    for (int i = 0; i < lists && r.ok(); ++i) {
      if (r.Bit()) SkipScalingList(r, i < 6 ? 16 : 64);
    }
  }
}

void PutBe16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::vector<NalUnit> SplitAnnexB(const uint8_t* data, size_t size) {
  std::vector<NalUnit> nals;
  size_t i = 0;
  size_t start = SIZE_MAX;
  auto close = [&](size_t end) {
    while (end > start && data[end - 1] == 0) --end;  // trailing zeros / next 4-byte code
    if (start != SIZE_MAX && end > start) nals.push_back({data + start, end - start});
  };
  while (i + 3 <= size) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      close(i);
      i += 3;
      start = i;
      continue;
    }
    ++i;
  }
  close(size);
  return nals;
}

StatusOr<std::vector<NalUnit>> SplitAvc(const uint8_t* data, size_t size, int length_size) {
  if (length_size != 1 && length_size != 2 && length_size != 4) {
    return InvalidArgumentError("AVC NAL length size must be 1, 2 or 4");
  }
  std::vector<NalUnit> nals;
  size_t pos = 0;
  while (pos < size) {
    if (size - pos < static_cast<size_t>(length_size)) {
      return InvalidArgumentError("AVC frame: truncated NAL length field");
    }
    size_t len = 0;
    for (int i = 0; i < length_size; ++i) len = (len << 8) | data[pos + i];
    pos += length_size;
    if (len > size - pos) return InvalidArgumentError("AVC frame: NAL length runs past the end");
    if (len > 0) nals.push_back({data + pos, len});
    pos += len;
  }
  return nals;
}

std::vector<uint8_t> AnnexBToAvc(const uint8_t* data, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size + 16);
  for (const NalUnit& n : SplitAnnexB(data, size)) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(n.size >> shift));
    out.insert(out.end(), n.data, n.data + n.size);
  }
  return out;
}

StatusOr<SpsInfo> ParseSps(const uint8_t* nal, size_t size) {
  if (size < 4 || (nal[0] & 0x1F) != nal::kSps) {
    return InvalidArgumentError("H.264 SPS: not a sequence parameter set NAL unit");
  }
  std::vector<uint8_t> rbsp = Unescape(nal + 1, size - 1);
  BitReader r(rbsp);
  SpsInfo info;
  info.profile_idc = static_cast<int>(r.Bits(8));
  info.constraint_flags = static_cast<int>(r.Bits(8));
  info.level_idc = static_cast<int>(r.Bits(8));
  r.Ue();  // seq_parameter_set_id
  bool separate_planes = false;
  if (HasChromaInfo(info.profile_idc)) ReadChromaAndScaling(r, &info, &separate_planes);
  r.Ue();  // log2_max_frame_num_minus4
  uint32_t poc_type = r.Ue();
  if (poc_type == 0) {
    r.Ue();  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    r.Bit();
    r.Se();
    r.Se();
    uint32_t cycle = r.Ue();
    if (cycle > 255)
      return InvalidArgumentError("H.264 SPS: num_ref_frames_in_pic_order_cnt_cycle > 255");
    for (uint32_t i = 0; i < cycle && r.ok(); ++i) r.Se();
  }
  r.Ue();   // max_num_ref_frames
  r.Bit();  // gaps_in_frame_num_value_allowed_flag
  uint32_t width_mbs = r.Ue() + 1;
  uint32_t height_map_units = r.Ue() + 1;
  uint32_t frame_mbs_only = r.Bit();
  if (!frame_mbs_only) r.Bit();  // mb_adaptive_frame_field_flag
  r.Bit();                       // direct_8x8_inference_flag
  uint32_t crop[4] = {0, 0, 0, 0};
  if (r.Bit()) {
    for (uint32_t& c : crop) c = r.Ue();
  }
  if (!r.ok()) return InvalidArgumentError("H.264 SPS: truncated");
  if (info.chroma_format_idc > 3 || width_mbs > 1024 || height_map_units > 1024) {
    return InvalidArgumentError("H.264 SPS: values out of range");
  }
  int chroma_array_type = separate_planes ? 0 : info.chroma_format_idc;
  uint32_t crop_x = 1, crop_y = 2 - frame_mbs_only;
  if (chroma_array_type != 0) {
    crop_x = chroma_array_type == 3 ? 1 : 2;
    crop_y = (chroma_array_type == 1 ? 2 : 1) * (2 - frame_mbs_only);
  }
  uint64_t width = uint64_t{width_mbs} * 16;
  uint64_t height = uint64_t{height_map_units} * 16 * (2 - frame_mbs_only);
  uint64_t crop_w = uint64_t{crop_x} * (uint64_t{crop[0]} + crop[1]);
  uint64_t crop_h = uint64_t{crop_y} * (uint64_t{crop[2]} + crop[3]);
  if (crop_w >= width || crop_h >= height)
    return InvalidArgumentError("H.264 SPS: cropping exceeds the picture");
  info.width = static_cast<uint32_t>(width - crop_w);
  info.height = static_cast<uint32_t>(height - crop_h);
  return info;
}

StatusOr<AvcConfig> ParseAvcDecoderConfig(const uint8_t* data, size_t size) {
  if (size < 7) return InvalidArgumentError("AVCDecoderConfigurationRecord: shorter than 7 bytes");
  if (data[0] != 1) return InvalidArgumentError("AVCDecoderConfigurationRecord: version is not 1");
  AvcConfig cfg;
  cfg.profile_idc = data[1];
  cfg.constraint_flags = data[2];
  cfg.level_idc = data[3];
  cfg.length_size = (data[4] & 0x03) + 1;
  if (cfg.length_size == 3)
    return InvalidArgumentError("AVCDecoderConfigurationRecord: NAL length size 3");
  size_t pos = 5;
  for (int list = 0; list < 2; ++list) {
    if (pos >= size) return InvalidArgumentError("AVCDecoderConfigurationRecord: truncated");
    int count = list == 0 ? (data[pos] & 0x1F) : data[pos];
    ++pos;
    for (int i = 0; i < count; ++i) {
      if (size - pos < 2) return InvalidArgumentError("AVCDecoderConfigurationRecord: truncated");
      size_t len = (size_t{data[pos]} << 8) | data[pos + 1];
      pos += 2;
      if (len == 0 || len > size - pos) {
        return InvalidArgumentError(
            "AVCDecoderConfigurationRecord: parameter set runs past the end");
      }
      (list == 0 ? cfg.sps : cfg.pps).emplace_back(data + pos, data + pos + len);
      pos += len;
    }
  }
  if (cfg.sps.empty()) return InvalidArgumentError("AVCDecoderConfigurationRecord: no SPS");
  if (cfg.pps.empty()) return InvalidArgumentError("AVCDecoderConfigurationRecord: no PPS");
  return cfg;
}

StatusOr<std::vector<uint8_t>> BuildAvcDecoderConfig(const std::vector<NalUnit>& sps,
                                                     const std::vector<NalUnit>& pps) {
  if (sps.empty() || pps.empty()) {
    return InvalidArgumentError("H.264: need an SPS and a PPS to build the codec private data");
  }
  if (sps.size() > 31 || pps.size() > 255)
    return InvalidArgumentError("H.264: too many parameter sets");
  KEDGE_ASSIGN_OR_RETURN(SpsInfo info, ParseSps(sps[0].data, sps[0].size));
  std::vector<uint8_t> out = {1,
                              static_cast<uint8_t>(info.profile_idc),
                              static_cast<uint8_t>(info.constraint_flags),
                              static_cast<uint8_t>(info.level_idc),
                              0xFF /* 4-byte lengths */,
                              static_cast<uint8_t>(0xE0 | sps.size())};
  for (const NalUnit& n : sps) {
    if (n.size > 0xFFFF) return InvalidArgumentError("H.264: SPS larger than 64 KiB");
    PutBe16(out, n.size);
    out.insert(out.end(), n.data, n.data + n.size);
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const NalUnit& n : pps) {
    if (n.size > 0xFFFF) return InvalidArgumentError("H.264: PPS larger than 64 KiB");
    PutBe16(out, n.size);
    out.insert(out.end(), n.data, n.data + n.size);
  }
  // ISO/IEC 14496-15: profiles other than Baseline, Main and Extended append chroma format and
  // bit depths (as FFmpeg writes it).
  if (info.profile_idc != 66 && info.profile_idc != 77 && info.profile_idc != 88) {
    out.push_back(static_cast<uint8_t>(0xFC | info.chroma_format_idc));
    out.push_back(static_cast<uint8_t>(0xF8 | (info.bit_depth_luma - 8)));
    out.push_back(static_cast<uint8_t>(0xF8 | (info.bit_depth_chroma - 8)));
    out.push_back(0);  // numOfSequenceParameterSetExt
  }
  return out;
}

StatusOr<std::vector<uint8_t>> AvcDecoderConfigFromNals(const std::vector<NalUnit>& nals) {
  std::vector<NalUnit> sps, pps;
  for (const NalUnit& n : nals) {
    if (n.type() == nal::kSps) sps.push_back(n);
    if (n.type() == nal::kPps) pps.push_back(n);
  }
  return BuildAvcDecoderConfig(sps, pps);
}

StatusOr<SpsInfo> InspectAvcCodecPrivate(const uint8_t* data, size_t size) {
  KEDGE_ASSIGN_OR_RETURN(AvcConfig cfg, ParseAvcDecoderConfig(data, size));
  return ParseSps(cfg.sps[0].data(), cfg.sps[0].size());
}

}  // namespace kedge::video::mkv
