#include "video/mkv/ebml.h"

#include <cstring>

namespace kedge::video::mkv {

int SizeVintLength(uint64_t value) {
  for (int len = 1; len <= 8; ++len) {
    uint64_t all_ones = (uint64_t{1} << (7 * len)) - 1;
    if (value < all_ones) return len;
  }
  return 8;  // only kUnknownSize itself lands here; callers never write it as a known size
}

int IdLength(uint32_t element_id) {
  if (element_id <= 0xFF) return 1;
  if (element_id <= 0xFFFF) return 2;
  if (element_id <= 0xFFFFFF) return 3;
  return 4;
}

void EbmlWriter::PutId(uint32_t element_id) {
  for (int i = IdLength(element_id) - 1; i >= 0; --i) {
    buf_.push_back(static_cast<uint8_t>(element_id >> (8 * i)));
  }
}

void EbmlWriter::PutSize(uint64_t size, int width) {
  int len = width > 0 ? width : SizeVintLength(size);
  uint64_t encoded = size | (uint64_t{1} << (7 * len));
  for (int i = len - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(encoded >> (8 * i)));
}

void EbmlWriter::PutUint(uint32_t element_id, uint64_t value) {
  int len = 1;
  while (len < 8 && (value >> (8 * len)) != 0) ++len;
  PutId(element_id);
  PutSize(len);
  for (int i = len - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void EbmlWriter::PutInt(uint32_t element_id, int64_t value) {
  int len = 1;
  // Shortest two's complement encoding that sign-extends back to `value`.
  while (len < 8) {
    int64_t lo = -(int64_t{1} << (8 * len - 1));
    int64_t hi = (int64_t{1} << (8 * len - 1)) - 1;
    if (value >= lo && value <= hi) break;
    ++len;
  }
  PutId(element_id);
  PutSize(len);
  uint64_t bits = static_cast<uint64_t>(value);
  for (int i = len - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void EbmlWriter::PutFloat(uint32_t element_id, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  PutId(element_id);
  PutSize(8);
  for (int i = 7; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void EbmlWriter::PutString(uint32_t element_id, std::string_view value) {
  PutBinary(element_id, reinterpret_cast<const uint8_t*>(value.data()), value.size());
}

void EbmlWriter::PutBinary(uint32_t element_id, const uint8_t* data, size_t size) {
  PutId(element_id);
  PutSize(size);
  PutRaw(data, size);
}

void EbmlWriter::PutRaw(const uint8_t* data, size_t size) {
  if (size > 0) buf_.insert(buf_.end(), data, data + size);
}

size_t EbmlWriter::StartMaster(uint32_t element_id) {
  PutId(element_id);
  return buf_.size();
}

void EbmlWriter::EndMaster(size_t handle) {
  uint64_t body = buf_.size() - handle;
  int len = SizeVintLength(body);
  uint64_t encoded = body | (uint64_t{1} << (7 * len));
  uint8_t size_bytes[8];
  for (int i = 0; i < len; ++i)
    size_bytes[i] = static_cast<uint8_t>(encoded >> (8 * (len - 1 - i)));
  // Masters kedge writes with a known size are small (Info, Tracks, Tags), so the insert is cheap.
  buf_.insert(buf_.begin() + static_cast<std::ptrdiff_t>(handle), size_bytes, size_bytes + len);
}

void EbmlWriter::StartUnknownSizeMaster(uint32_t element_id) {
  PutId(element_id);
  PutSize(kUnknownSize, 8);  // 0x01FFFFFFFFFFFFFF
}

int ReadSizeVint(const uint8_t* data, size_t avail, uint64_t* value) {
  if (avail == 0) return 0;
  uint8_t first = data[0];
  if (first == 0) return -1;
  int len = 1;
  while (!(first & (0x80 >> (len - 1)))) ++len;
  if (avail < static_cast<size_t>(len)) return 0;
  uint64_t v = first & (0xFF >> len);
  bool all_ones = v == (0xFFu >> len);
  for (int i = 1; i < len; ++i) {
    v = (v << 8) | data[i];
    all_ones = all_ones && data[i] == 0xFF;
  }
  *value = all_ones ? kUnknownSize : v;
  return len;
}

int ReadId(const uint8_t* data, size_t avail, uint32_t* element_id) {
  if (avail == 0) return 0;
  uint8_t first = data[0];
  int len;
  if (first & 0x80) {
    len = 1;
  } else if (first & 0x40) {
    len = 2;
  } else if (first & 0x20) {
    len = 3;
  } else if (first & 0x10) {
    len = 4;
  } else {
    return -1;
  }
  if (avail < static_cast<size_t>(len)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | data[i];
  *element_id = v;
  return len;
}

bool DecodeUint(const uint8_t* data, size_t size, uint64_t* value) {
  if (size > 8) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) v = (v << 8) | data[i];
  *value = v;
  return true;
}

bool DecodeFloat(const uint8_t* data, size_t size, double* value) {
  uint64_t bits;
  if (size == 8) {
    DecodeUint(data, 8, &bits);
    std::memcpy(value, &bits, 8);
    return true;
  }
  if (size == 4) {
    DecodeUint(data, 4, &bits);
    uint32_t b32 = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b32, 4);
    *value = f;
    return true;
  }
  if (size == 0) {
    *value = 0;
    return true;
  }
  return false;
}

}  // namespace kedge::video::mkv
