#include "kpl/aggregated_record.h"

#include <cstring>

#include "platform/crypto.h"

namespace kedge::kpl {
namespace {

// Protobuf wire tags: (field << 3) | wire type. Wire type 0 = varint, 2 = length-delimited.
constexpr uint8_t kPkTableTag = 0x0A;   // AggregatedRecord.partition_key_table = 1
constexpr uint8_t kEhkTableTag = 0x12;  // AggregatedRecord.explicit_hash_key_table = 2
constexpr uint8_t kRecordTag = 0x1A;    // AggregatedRecord.records = 3
constexpr uint8_t kPkIndexTag = 0x08;   // Record.partition_key_index = 1
constexpr uint8_t kEhkIndexTag = 0x10;  // Record.explicit_hash_key_index = 2
constexpr uint8_t kDataTag = 0x1A;      // Record.data = 3

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t LengthDelimitedSize(size_t len) { return 1 + VarintSize(len) + len; }

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutLengthDelimited(std::string* out, uint8_t tag, std::string_view bytes) {
  out->push_back(static_cast<char>(tag));
  PutVarint(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

}  // namespace

size_t AggregatedRecordBuilder::RecordBodySize(size_t pk_index, int64_t ehk_index,
                                               size_t data_size) {
  size_t body = 1 + VarintSize(pk_index) + LengthDelimitedSize(data_size);
  if (ehk_index >= 0) body += 1 + VarintSize(static_cast<uint64_t>(ehk_index));
  return body;
}

AggregatedRecordBuilder::Slot AggregatedRecordBuilder::Find(
    const std::unordered_map<std::string_view, uint32_t>& index, std::string_view key,
    size_t table_size) {
  auto it = index.find(key);
  return it == index.end() ? Slot{table_size, true} : Slot{it->second, false};
}

size_t AggregatedRecordBuilder::Growth(std::string_view pk, Slot pk_slot, std::string_view ehk,
                                       Slot ehk_slot, size_t data_size) {
  size_t growth = pk_slot.is_new ? LengthDelimitedSize(pk.size()) : 0;
  int64_t ehk_index = -1;
  if (!ehk.empty()) {
    ehk_index = static_cast<int64_t>(ehk_slot.index);
    if (ehk_slot.is_new) growth += LengthDelimitedSize(ehk.size());
  }
  return growth + LengthDelimitedSize(RecordBodySize(pk_slot.index, ehk_index, data_size));
}

size_t AggregatedRecordBuilder::SizeWith(std::string_view partition_key,
                                         std::string_view explicit_hash_key,
                                         size_t data_size) const {
  Slot pk = Find(pk_index_, partition_key, pk_table_.size());
  Slot ehk = explicit_hash_key.empty() ? Slot{0, false}
                                       : Find(ehk_index_, explicit_hash_key, ehk_table_.size());
  return Size() + Growth(partition_key, pk, explicit_hash_key, ehk, data_size);
}

bool AggregatedRecordBuilder::TryAdd(std::string_view partition_key,
                                     std::string_view explicit_hash_key, std::string_view data,
                                     size_t size_limit) {
  Slot pk = Find(pk_index_, partition_key, pk_table_.size());
  Slot ehk = explicit_hash_key.empty() ? Slot{0, false}
                                       : Find(ehk_index_, explicit_hash_key, ehk_table_.size());
  size_t growth = Growth(partition_key, pk, explicit_hash_key, ehk, data.size());
  if (!records_.empty() && Size() + growth > size_limit) return false;
  proto_size_ += growth;
  if (pk.is_new) {
    pk_index_.emplace(partition_key, static_cast<uint32_t>(pk.index));
    pk_table_.push_back(partition_key);
  }
  int64_t ehk_index = -1;
  if (!explicit_hash_key.empty()) {
    if (ehk.is_new) {
      ehk_index_.emplace(explicit_hash_key, static_cast<uint32_t>(ehk.index));
      ehk_table_.push_back(explicit_hash_key);
    }
    ehk_index = static_cast<int64_t>(ehk.index);
  }
  records_.push_back(Entry{static_cast<uint32_t>(pk.index), ehk_index, data});
  return true;
}

std::string AggregatedRecordBuilder::Serialize() const {
  std::string out;
  out.reserve(kAggregatedFixedOverhead + proto_size_);
  out.append(kAggregatedMagic, sizeof(kAggregatedMagic));
  for (std::string_view pk : pk_table_) PutLengthDelimited(&out, kPkTableTag, pk);
  for (std::string_view ehk : ehk_table_) PutLengthDelimited(&out, kEhkTableTag, ehk);
  for (const Entry& e : records_) {
    out.push_back(static_cast<char>(kRecordTag));
    PutVarint(&out, RecordBodySize(e.pk_index, e.ehk_index, e.data.size()));
    // partition_key_index is `required`: written even when it is 0.
    out.push_back(static_cast<char>(kPkIndexTag));
    PutVarint(&out, e.pk_index);
    if (e.ehk_index >= 0) {
      out.push_back(static_cast<char>(kEhkIndexTag));
      PutVarint(&out, static_cast<uint64_t>(e.ehk_index));
    }
    PutLengthDelimited(&out, kDataTag, e.data);
  }
  Md5Digest md5 = Md5(std::string_view(out).substr(sizeof(kAggregatedMagic)));
  out.append(reinterpret_cast<const char*>(md5.data()), md5.size());
  return out;
}

void AggregatedRecordBuilder::Clear() {
  pk_table_.clear();
  ehk_table_.clear();
  pk_index_.clear();
  ehk_index_.clear();
  records_.clear();
  proto_size_ = 0;
}

// ---- decoding ----

namespace {

// A bounds-checked reader over protobuf bytes.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : p_(bytes.data()), end_(p_ + bytes.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t b = static_cast<uint8_t>(*p_++);
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(std::string_view* out) {
    uint64_t len = 0;
    if (!Varint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, static_cast<size_t>(len));
    p_ += len;
    return true;
  }
  // Skips a field of an unknown number (tags, fields added later).
  bool Skip(uint32_t wire_type) {
    uint64_t ignored = 0;
    std::string_view ignored_bytes;
    switch (wire_type) {
      case 0: return Varint(&ignored);
      case 1: return Advance(8);
      case 2: return Bytes(&ignored_bytes);
      case 5: return Advance(4);
      default: return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const char* p_;
  const char* end_;
};

struct RawRecord {
  uint64_t pk_index = 0;
  bool has_pk_index = false;
  uint64_t ehk_index = 0;
  bool has_ehk_index = false;
  std::string_view data;
  bool has_data = false;
};

bool ParseRecord(std::string_view bytes, RawRecord* r) {
  WireReader in(bytes);
  while (!in.done()) {
    uint64_t tag = 0;
    if (!in.Varint(&tag)) return false;
    uint32_t field = static_cast<uint32_t>(tag >> 3), type = static_cast<uint32_t>(tag & 7);
    if (field == 1 && type == 0) {
      if (!in.Varint(&r->pk_index)) return false;
      r->has_pk_index = true;
    } else if (field == 2 && type == 0) {
      if (!in.Varint(&r->ehk_index)) return false;
      r->has_ehk_index = true;
    } else if (field == 3 && type == 2) {
      if (!in.Bytes(&r->data)) return false;
      r->has_data = true;
    } else if (!in.Skip(type)) {
      return false;
    }
  }
  return r->has_pk_index && r->has_data;
}

}  // namespace

bool IsAggregated(std::string_view data) {
  return data.size() > kAggregatedFixedOverhead &&
         std::memcmp(data.data(), kAggregatedMagic, sizeof(kAggregatedMagic)) == 0;
}

StatusOr<std::vector<DecodedUserRecord>> DecodeAggregated(std::string_view data) {
  if (!IsAggregated(data)) return DataLossError("not a KPL aggregated record (no magic)");
  std::string_view proto = data.substr(4, data.size() - kAggregatedFixedOverhead);
  Md5Digest md5 = Md5(proto);
  if (std::memcmp(md5.data(), data.data() + data.size() - 16, 16) != 0) {
    return DataLossError("KPL aggregated record: MD5 checksum mismatch");
  }
  std::vector<std::string_view> pks, ehks;
  std::vector<RawRecord> raw;
  WireReader in(proto);
  while (!in.done()) {
    uint64_t tag = 0;
    std::string_view bytes;
    if (!in.Varint(&tag)) return DataLossError("KPL aggregated record: truncated protobuf");
    uint32_t field = static_cast<uint32_t>(tag >> 3), type = static_cast<uint32_t>(tag & 7);
    bool ok = true;
    if (field >= 1 && field <= 3 && type == 2) {
      ok = in.Bytes(&bytes);
      if (ok && field == 1) pks.push_back(bytes);
      if (ok && field == 2) ehks.push_back(bytes);
      if (ok && field == 3) {
        raw.emplace_back();
        ok = ParseRecord(bytes, &raw.back());
      }
    } else {
      ok = in.Skip(type);
    }
    if (!ok) return DataLossError("KPL aggregated record: malformed protobuf");
  }
  std::vector<DecodedUserRecord> out;
  out.reserve(raw.size());
  for (const RawRecord& r : raw) {
    if (r.pk_index >= pks.size() || (r.has_ehk_index && r.ehk_index >= ehks.size())) {
      return DataLossError("KPL aggregated record: key index out of range");
    }
    DecodedUserRecord u;
    u.partition_key = std::string(pks[r.pk_index]);
    if (r.has_ehk_index) u.explicit_hash_key = std::string(ehks[r.ehk_index]);
    u.data = std::string(r.data);
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<DecodedUserRecord> Deaggregate(std::string_view data, std::string_view partition_key,
                                           std::string_view explicit_hash_key) {
  if (IsAggregated(data)) {
    auto decoded = DecodeAggregated(data);
    if (decoded.ok()) return std::move(decoded).value();
  }
  return {DecodedUserRecord{std::string(partition_key), std::string(explicit_hash_key),
                            std::string(data)}};
}

}  // namespace kedge::kpl
