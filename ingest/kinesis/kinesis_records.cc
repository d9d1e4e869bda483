// KinesisService: the record operations (PutRecord(s), GetShardIterator, GetRecords).
#include <cstdint>
#include <cmath>

#include "ingest/kinesis/kinesis_errors.h"
#include "ingest/kinesis/kinesis_service.h"
#include "platform/crypto.h"

namespace kedge::ingest {
namespace {

using kinesis_internal::FromStatus;
using kinesis_internal::Invalid;
using nlohmann::json;

constexpr size_t kMaxRecordBytes = 1024 * 1024;
constexpr size_t kMaxPutRecordsBytes = 5 * 1024 * 1024;
constexpr size_t kMaxPutRecordsCount = 500;
constexpr int64_t kIteratorLifetimeMs = 5 * 60 * 1000;
constexpr size_t kMaxGetRecordsBytes = 10 * 1024 * 1024;
constexpr int kMaxGetRecordsCount = 10000;

struct Iterator {
  int64_t stream_id = 0;
  int shard_index = 0;
  int64_t after = 0;  // the next record has a sequence number above this
  int64_t issued_ms = 0;
  std::string stream;
};

std::string EncodeIterator(const Iterator& it) {
  return Base64Encode("kedge1|" + std::to_string(it.stream_id) + "|" +
                      std::to_string(it.shard_index) + "|" + std::to_string(it.after) + "|" +
                      std::to_string(it.issued_ms) + "|" + it.stream);
}

std::optional<Iterator> DecodeIterator(const std::string& text) {
  StatusOr<std::string> raw = Base64Decode(text);
  if (!raw.ok()) return std::nullopt;
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t bar = raw->find('|', start);
    if (bar == std::string::npos) return std::nullopt;
    parts.push_back(raw->substr(start, bar - start));
    start = bar + 1;
  }
  if (parts[0] != "kedge1") return std::nullopt;
  Iterator it;
  try {
    it.stream_id = std::stoll(parts[1]);
    it.shard_index = std::stoi(parts[2]);
    it.after = std::stoll(parts[3]);
    it.issued_ms = std::stoll(parts[4]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  it.stream = raw->substr(start);
  return it;
}

// One entry of PutRecord / PutRecords, checked against the service's limits.
StatusOr<KdsRecordIn> ParseEntry(const json& entry, Wire wire) {
  if (!entry.is_object()) return InvalidArgumentError("a record must be an object");
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> data, GetBlob(entry, "Data", wire));
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> key, GetString(entry, "PartitionKey"));
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> hash, GetString(entry, "ExplicitHashKey"));
  if (!data) return InvalidArgumentError("Data is required");
  if (!key || key->empty() || key->size() > 256) {
    return InvalidArgumentError("PartitionKey must be 1 to 256 characters long");
  }
  if (data->size() + key->size() > kMaxRecordBytes) {
    return InvalidArgumentError("a record (data plus partition key) must not exceed 1 MiB, got " +
                                std::to_string(data->size() + key->size()) + " bytes");
  }
  KdsRecordIn record{std::move(*data), std::move(*key), std::nullopt};
  if (hash) {
    StatusOr<HashKey> parsed = HashKey::FromDecimal(*hash);
    if (!parsed.ok()) return parsed.status();
    record.explicit_hash_key = *parsed;
  }
  return record;
}

}  // namespace

ApiReply KinesisService::PutRecord(const json& input, Wire wire) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  StatusOr<KdsRecordIn> record = ParseEntry(input, wire);
  if (!record.ok()) return Invalid(record.status().message());
  StatusOr<std::vector<KdsPutResult>> put = store_.Put(*stream, {std::move(*record)});
  if (!put.ok()) return FromStatus(put.status());
  const KdsPutResult& result = put->front();
  return json{{"ShardId", stream->shards[result.shard_index].Id()},
              {"SequenceNumber", FormatSequenceNumber(result.sequence)},
              {"EncryptionType", "NONE"}};
}

ApiReply KinesisService::PutRecords(const json& input, Wire wire) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  auto entries = input.find("Records");
  if (entries == input.end() || !entries->is_array() || entries->empty() ||
      entries->size() > kMaxPutRecordsCount) {
    return Invalid("Records must hold 1 to 500 records");
  }
  std::vector<KdsRecordIn> records;
  records.reserve(entries->size());
  size_t total = 0;
  for (const json& entry : *entries) {
    StatusOr<KdsRecordIn> record = ParseEntry(entry, wire);
    if (!record.ok()) {
      return Invalid("record " + std::to_string(records.size()) + ": " + record.status().message());
    }
    total += record->data.size() + record->partition_key.size();
    records.push_back(std::move(*record));
  }
  if (total > kMaxPutRecordsBytes) {
    return Invalid("the records of one PutRecords must not exceed 5 MiB, got " +
                   std::to_string(total) + " bytes");
  }
  StatusOr<std::vector<KdsPutResult>> put = store_.Put(*stream, records);
  if (!put.ok()) return FromStatus(put.status());
  json results = json::array();
  for (const KdsPutResult& result : *put) {
    results.push_back({{"ShardId", stream->shards[result.shard_index].Id()},
                       {"SequenceNumber", FormatSequenceNumber(result.sequence)}});
  }
  return json{{"FailedRecordCount", 0}, {"Records", results}, {"EncryptionType", "NONE"}};
}

ApiReply KinesisService::GetShardIterator(const json& input) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  std::string shard_id = input.value("ShardId", "");
  const KdsShard* shard = stream->FindShard(shard_id);
  if (shard == nullptr) {
    return ApiError{400, "ResourceNotFoundException",
                    "Shard " + shard_id + " in stream " + stream->name + " under account " +
                        identity_.account_id + " does not exist"};
  }
  Iterator it{stream->id, shard->index, 0, ToUnixMillis(clock_.WallNow()), stream->name};
  std::string type = input.value("ShardIteratorType", "");
  if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    StatusOr<int64_t> seq = ParseSequenceNumber(input.value("StartingSequenceNumber", ""));
    if (!seq.ok()) return Invalid("StartingSequenceNumber: " + seq.status().message());
    it.after = type == "AT_SEQUENCE_NUMBER" ? *seq - 1 : *seq;
  } else if (type == "TRIM_HORIZON") {
    it.after = shard->first_sequence - 1;
  } else if (type == "LATEST") {
    StatusOr<int64_t> last = store_.LastSequence(stream->id, shard->index);
    if (!last.ok()) return FromStatus(last.status());
    it.after = *last;
  } else if (type == "AT_TIMESTAMP") {
    auto ts = input.find("Timestamp");
    if (ts == input.end() || !ts->is_number()) return Invalid("AT_TIMESTAMP needs a Timestamp");
    // Epoch seconds in JSON; epoch milliseconds in CBOR (values past year 33658 as seconds).
    double value = ts->get<double>();
    int64_t ms = value > 1e12 ? static_cast<int64_t>(value) : std::llround(value * 1000.0);
    StatusOr<int64_t> before = store_.LastSequenceBefore(stream->id, shard->index, ms);
    if (!before.ok()) return FromStatus(before.status());
    it.after = *before;
  } else {
    return Invalid("ShardIteratorType '" + type + "' is not one of AT_SEQUENCE_NUMBER, "
                   "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP");
  }
  return json{{"ShardIterator", EncodeIterator(it)}};
}

ApiReply KinesisService::GetRecords(const json& input, Wire wire) {
  std::optional<Iterator> it = DecodeIterator(input.value("ShardIterator", ""));
  if (!it) return Invalid("ShardIterator is not a valid iterator");
  int64_t now = ToUnixMillis(clock_.WallNow());
  if (now - it->issued_ms > kIteratorLifetimeMs) {
    return ApiError{400, "ExpiredIteratorException",
                    "Iterator expired. The iterator was created at time " +
                        std::to_string(it->issued_ms) + " while right now it is " +
                        std::to_string(now) + " which is further in the future than the " +
                        "tolerated delay of 300000 milliseconds."};
  }
  StatusOr<KdsStream> stream = store_.GetStream(it->stream);
  if (!stream.ok() || stream->id != it->stream_id) {
    return ApiError{400, "ResourceNotFoundException",
                    "Stream " + it->stream + " under account " + identity_.account_id + " not found."};
  }
  int limit = input.value("Limit", kMaxGetRecordsCount);
  if (limit < 1 || limit > kMaxGetRecordsCount) return Invalid("Limit must be between 1 and 10000");
  StatusOr<std::vector<KdsRecordOut>> records =
      store_.Read(it->stream_id, it->shard_index, it->after, limit, kMaxGetRecordsBytes);
  if (!records.ok()) return FromStatus(records.status());
  json out = json::array();
  for (const KdsRecordOut& record : *records) {
    out.push_back({{"SequenceNumber", FormatSequenceNumber(record.sequence)},
                   {"ApproximateArrivalTimestamp", MakeTimestamp(record.arrival_ms, wire)},
                   {"Data", MakeBlob(record.data, wire)},
                   {"PartitionKey", record.partition_key}});
  }
  int64_t behind = 0;
  if (!records->empty()) {
    StatusOr<int64_t> last = store_.LastSequence(it->stream_id, it->shard_index);
    if (last.ok() && *last > records->back().sequence) behind = now - records->back().arrival_ms;
    it->after = records->back().sequence;
  }
  it->issued_ms = now;
  return json{{"Records", out},
              {"NextShardIterator", EncodeIterator(*it)},
              {"MillisBehindLatest", behind < 0 ? 0 : behind}};
}

}  // namespace kedge::ingest
