#include "video/mkv/elements.h"

#include <algorithm>

namespace kedge::video::mkv {
namespace {

constexpr uint64_t kMaxTimecodeScale = 1000000000;

// Calls fn(id, body, size) for each child in a complete element body. Children of unknown size
// or running past the parent are malformed.
template <typename F>
Status ForEachChild(const uint8_t* p, size_t n, const char* parent, F&& fn) {
  size_t pos = 0;
  while (pos < n) {
    uint32_t child = 0;
    uint64_t size = 0;
    int a = ReadId(p + pos, n - pos, &child);
    int b = a > 0 ? ReadSizeVint(p + pos + a, n - pos - a, &size) : -1;
    if (a <= 0 || b <= 0)
      return InvalidArgumentError(std::string("malformed element in ") + parent);
    size_t body = pos + a + b;
    if (size == kUnknownSize || size > n - body) {
      return InvalidArgumentError(std::string("element runs past the end of its ") + parent);
    }
    KEDGE_RETURN_IF_ERROR(fn(child, p + body, static_cast<size_t>(size)));
    pos = body + size;
  }
  return Status::Ok();
}

Status ReadUint(const uint8_t* p, size_t n, uint64_t* v) {
  return DecodeUint(p, n, v) ? Status::Ok() : InvalidArgumentError("integer element over 8 bytes");
}

std::string AsString(const uint8_t* p, size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  s.erase(std::find(s.begin(), s.end(), '\0'), s.end());  // EBML strings may be zero-padded
  return s;
}

Status ReadVideo(const uint8_t* p, size_t n, TrackInfo* t) {
  return ForEachChild(p, n, "Video", [&](uint32_t child, const uint8_t* b, size_t s) {
    uint64_t v = 0;
    if (child == id::kPixelWidth || child == id::kPixelHeight) {
      KEDGE_RETURN_IF_ERROR(ReadUint(b, s, &v));
      if (v > 65535) return InvalidArgumentError("pixel size over 65535");
      (child == id::kPixelWidth ? t->width : t->height) = static_cast<uint32_t>(v);
    }
    return Status::Ok();
  });
}

Status ReadTrackEntry(const uint8_t* p, size_t n, TrackInfo* t) {
  return ForEachChild(p, n, "TrackEntry", [&](uint32_t child, const uint8_t* b, size_t s) {
    switch (child) {
      case id::kTrackNumber:
        return ReadUint(b, s, &t->number);
      case id::kTrackUid:
        return ReadUint(b, s, &t->uid);
      case id::kTrackType:
        return ReadUint(b, s, &t->type);
      case id::kCodecId:
        t->codec_id = AsString(b, s);
        break;
      case id::kName:
        t->name = AsString(b, s);
        break;
      case id::kCodecPrivate:
        t->codec_private.assign(b, b + s);
        break;
      case id::kVideo:
        return ReadVideo(b, s, t);
      default:
        break;
    }
    return Status::Ok();
  });
}

}  // namespace

StatusOr<EbmlHeaderInfo> ReadEbmlHeader(const uint8_t* body, size_t size) {
  EbmlHeaderInfo h;
  KEDGE_RETURN_IF_ERROR(
      ForEachChild(body, size, "EBML header", [&](uint32_t c, const uint8_t* b, size_t n) {
        switch (c) {
          case id::kDocType:
            h.doc_type = AsString(b, n);
            break;
          case id::kDocTypeVersion:
            return ReadUint(b, n, &h.doc_type_version);
          case id::kDocTypeReadVersion:
            return ReadUint(b, n, &h.doc_type_read_version);
          case id::kEbmlReadVersion:
            return ReadUint(b, n, &h.read_version);
          case id::kEbmlMaxIdLength:
            return ReadUint(b, n, &h.max_id_length);
          case id::kEbmlMaxSizeLength:
            return ReadUint(b, n, &h.max_size_length);
          default:
            break;
        }
        return Status::Ok();
      }));
  return h;
}

StatusOr<uint64_t> ReadTimecodeScale(const uint8_t* body, size_t size) {
  uint64_t scale = kTimecodeScaleNs;
  KEDGE_RETURN_IF_ERROR(
      ForEachChild(body, size, "Info", [&](uint32_t c, const uint8_t* b, size_t n) {
        return c == id::kTimecodeScale ? ReadUint(b, n, &scale) : Status::Ok();
      }));
  if (scale == 0 || scale > kMaxTimecodeScale) {
    return InvalidArgumentError("TimecodeScale out of range: " + std::to_string(scale));
  }
  return scale;
}

StatusOr<std::vector<TrackInfo>> ReadTracks(const uint8_t* body, size_t size) {
  std::vector<TrackInfo> tracks;
  KEDGE_RETURN_IF_ERROR(
      ForEachChild(body, size, "Tracks", [&](uint32_t c, const uint8_t* b, size_t n) {
        if (c != id::kTrackEntry) return Status::Ok();
        if (tracks.size() >= kMaxTracks) return InvalidArgumentError("more than 32 tracks");
        tracks.emplace_back();
        return ReadTrackEntry(b, n, &tracks.back());
      }));
  if (tracks.empty()) return InvalidArgumentError("Tracks without a TrackEntry");
  for (size_t i = 0; i < tracks.size(); ++i) {
    if (tracks[i].number == 0) return InvalidArgumentError("TrackEntry without a TrackNumber");
    for (size_t j = 0; j < i; ++j) {
      if (tracks[j].number == tracks[i].number)
        return InvalidArgumentError("duplicate TrackNumber");
    }
  }
  return tracks;
}

StatusOr<std::vector<Tag>> ReadTags(const uint8_t* body, size_t size) {
  std::vector<Tag> tags;
  auto simple_tag = [&](uint32_t c, const uint8_t* b, size_t n) {
    if (c != id::kSimpleTag) return Status::Ok();
    Tag t;
    KEDGE_RETURN_IF_ERROR(
        ForEachChild(b, n, "SimpleTag", [&](uint32_t f, const uint8_t* v, size_t m) {
          if (f == id::kTagName) t.name = AsString(v, m);
          if (f == id::kTagString) t.value = AsString(v, m);
          return Status::Ok();  // nested SimpleTags are not metadata KVS knows; ignored
        }));
    tags.push_back(std::move(t));
    return Status::Ok();
  };
  KEDGE_RETURN_IF_ERROR(
      ForEachChild(body, size, "Tags", [&](uint32_t c, const uint8_t* b, size_t n) {
        return c == id::kTag ? ForEachChild(b, n, "Tag", simple_tag) : Status::Ok();
      }));
  return tags;
}

StatusOr<BlockHeader> ReadBlock(const uint8_t* body, size_t size, bool simple) {
  const uint8_t* block = body;
  size_t block_size = size;
  bool has_reference = false;
  if (!simple) {
    block = nullptr;
    KEDGE_RETURN_IF_ERROR(
        ForEachChild(body, size, "BlockGroup", [&](uint32_t c, const uint8_t* b, size_t n) {
          if (c == id::kBlock) {
            block = b;
            block_size = n;
          }
          if (c == id::kReferenceBlock) has_reference = true;
          return Status::Ok();
        }));
    if (block == nullptr) return InvalidArgumentError("BlockGroup without a Block");
  }
  BlockHeader h;
  int n = ReadSizeVint(block, block_size, &h.track);
  if (n <= 0 || block_size < static_cast<size_t>(n) + 3 || h.track == kUnknownSize) {
    return InvalidArgumentError("malformed block header");
  }
  uint8_t flags = block[n + 2];
  if (flags & 0x06) return InvalidArgumentError("laced blocks are not supported");
  h.relative_timecode = static_cast<int16_t>((block[n] << 8) | block[n + 1]);
  h.key = simple ? (flags & 0x80) != 0 : !has_reference;
  h.data = block + n + 3;
  h.size = block_size - n - 3;
  return h;
}

}  // namespace kedge::video::mkv
