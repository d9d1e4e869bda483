#include "video/kvs/fragment_payload.h"

#include <cstdint>

#include "video/mkv/ebml.h"

namespace kedge::video::kvs {
namespace {

namespace id = mkv::id;

// Reads an element head at payload[*pos]; advances *pos past it.
bool ReadHead(std::string_view payload, size_t* pos, uint32_t* element, uint64_t* size) {
  const auto* data = reinterpret_cast<const uint8_t*>(payload.data());
  size_t avail = payload.size() - *pos;
  int n = mkv::ReadId(data + *pos, avail, element);
  if (n <= 0) return false;
  *pos += static_cast<size_t>(n);
  n = mkv::ReadSizeVint(data + *pos, payload.size() - *pos, size);
  if (n <= 0) return false;
  *pos += static_cast<size_t>(n);
  return true;
}

}  // namespace

StatusOr<size_t> SessionHeaderLength(std::string_view payload) {
  Status bad = DataLossError("fragment payload: malformed MKV session header");
  size_t pos = 0;
  uint32_t element = 0;
  uint64_t size = 0;
  if (!ReadHead(payload, &pos, &element, &size)) return bad;
  if (element != id::kEbml) return size_t{0};
  if (size == mkv::kUnknownSize || size > payload.size() - pos) return bad;
  pos += size;
  if (!ReadHead(payload, &pos, &element, &size) || element != id::kSegment) return bad;
  while (pos < payload.size()) {
    size_t start = pos;
    if (!ReadHead(payload, &pos, &element, &size)) return bad;
    if (element == id::kCluster || element == id::kTags) return start;
    if (size == mkv::kUnknownSize || size > payload.size() - pos) return bad;
    pos += size;
  }
  return bad;  // a header with no fragment after it
}

}  // namespace kedge::video::kvs
