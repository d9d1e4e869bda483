#include "kpl/kinesis_client.h"

#include "platform/crypto.h"

namespace kedge::kpl {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::string();
  return it->get<std::string>();
}

// A double as int64, 0 when out of range or NaN (converting those is undefined behaviour).
int64_t ToInt64(double d) {
  return d > -9.2e18 && d < 9.2e18 ? static_cast<int64_t>(d) : 0;
}

int64_t IntField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return 0;
  if (it->is_number_float()) return ToInt64(it->get<double>());
  return it->get<int64_t>();
}

Status Malformed(const std::string& what, const std::string& why) {
  return InternalError(what + ": malformed answer from the endpoint: " + why);
}

// Appends `text` as a JSON string. Printable ASCII without quote or backslash (stream names,
// base64, nearly every partition key) is copied as it is; anything else goes through the json
// library, which escapes it and refuses invalid UTF-8 exactly as a json tree's dump() does.
void AppendJsonString(std::string* out, std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      *out += json(std::string(text)).dump();
      return;
    }
  }
  *out += '"';
  out->append(text);
  *out += '"';
}

// The PutRecords body in the JSON protocol, written directly: a json tree costs an allocation
// per field and a per-byte escaping pass over every base64 blob.
std::string PutRecordsJsonBody(const std::string& stream,
                               const std::vector<PutRecordsEntry>& entries) {
  size_t size = 64 + stream.size();
  for (const PutRecordsEntry& e : entries) {
    size += 64 + (e.data.size() + 2) / 3 * 4 + e.partition_key.size() + e.explicit_hash_key.size();
  }
  std::string body;
  body.reserve(size);
  body += "{\"StreamName\":";
  AppendJsonString(&body, stream);
  body += ",\"Records\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    const PutRecordsEntry& e = entries[i];
    body += i == 0 ? "{\"Data\":\"" : ",{\"Data\":\"";
    body += Base64Encode(e.data);
    body += "\",\"PartitionKey\":";
    AppendJsonString(&body, e.partition_key);
    if (!e.explicit_hash_key.empty()) {
      body += ",\"ExplicitHashKey\":";
      AppendJsonString(&body, e.explicit_hash_key);
    }
    body += '}';
  }
  body += "]}";
  return body;
}

}  // namespace

KinesisClient::KinesisClient(net::HttpClient& http, aws::CredentialsProvider& credentials,
                             Clock& clock, const KinesisClientOptions& options)
    : rpc_(http, credentials, clock,
           AwsJsonClientOptions{options.endpoint, options.region, "kinesis", "Kinesis_20131202",
                                options.protocol, options.timeout}) {}

StatusOr<PutRecordsResult> ParsePutRecordsResponse(const json& body, size_t sent) {
  const std::string what = "PutRecords";
  auto records = body.find("Records");
  if (!body.is_object() || records == body.end() || !records->is_array()) {
    return Malformed(what, "no Records array");
  }
  if (records->size() != sent) {
    return Malformed(what, "answered " + std::to_string(records->size()) + " records for " +
                               std::to_string(sent) + " sent");
  }
  PutRecordsResult result;
  result.failed_record_count = static_cast<int>(IntField(body, "FailedRecordCount"));
  result.records.reserve(sent);
  for (const json& entry : *records) {
    if (!entry.is_object()) return Malformed(what, "a Records entry is not an object");
    PutRecordsResultEntry out;
    out.shard_id = StringField(entry, "ShardId");
    out.sequence_number = StringField(entry, "SequenceNumber");
    out.error_code = StringField(entry, "ErrorCode");
    out.error_message = StringField(entry, "ErrorMessage");
    if (out.error_code.empty() && out.sequence_number.empty()) {
      return Malformed(what, "a Records entry has neither SequenceNumber nor ErrorCode");
    }
    result.records.push_back(std::move(out));
  }
  return result;
}

StatusOr<std::vector<Shard>> ParseShards(const json& shards) {
  if (!shards.is_array()) return Malformed("ListShards", "no Shards array");
  std::vector<Shard> out;
  out.reserve(shards.size());
  for (const json& s : shards) {
    if (!s.is_object()) return Malformed("ListShards", "a shard is not an object");
    Shard shard;
    shard.shard_id = StringField(s, "ShardId");
    shard.parent_shard_id = StringField(s, "ParentShardId");
    shard.adjacent_parent_shard_id = StringField(s, "AdjacentParentShardId");
    auto range = s.find("HashKeyRange");
    if (shard.shard_id.empty() || range == s.end() || !range->is_object()) {
      return Malformed("ListShards", "a shard lacks ShardId or HashKeyRange");
    }
    shard.starting_hash_key = StringField(*range, "StartingHashKey");
    shard.ending_hash_key = StringField(*range, "EndingHashKey");
    auto seq = s.find("SequenceNumberRange");
    shard.open = seq == s.end() || !seq->is_object() ||
                 StringField(*seq, "EndingSequenceNumber").empty();
    out.push_back(std::move(shard));
  }
  return out;
}

void KinesisClient::PutRecords(const std::string& stream,
                               const std::vector<PutRecordsEntry>& entries,
                               Callback<PutRecordsResult> done) {
  size_t sent = entries.size();
  std::string what = "PutRecords to stream " + stream;
  auto parse = [sent, done = std::move(done)](StatusOr<json> body) {
    if (!body.ok()) return done(body.status());
    done(ParsePutRecordsResponse(*body, sent));
  };
  if (rpc_.options().protocol == WireProtocol::kJson) {
    rpc_.CallEncoded("PutRecords", PutRecordsJsonBody(stream, entries), what, std::move(parse));
    return;
  }
  json records = json::array();
  for (const PutRecordsEntry& e : entries) {
    json r = {{"Data", rpc_.Blob(e.data)}, {"PartitionKey", e.partition_key}};
    if (!e.explicit_hash_key.empty()) r["ExplicitHashKey"] = e.explicit_hash_key;
    records.push_back(std::move(r));
  }
  rpc_.Call("PutRecords", json{{"StreamName", stream}, {"Records", std::move(records)}}, what,
            std::move(parse));
}

void KinesisClient::ListShards(const std::string& stream, Callback<std::vector<Shard>> done) {
  ListShardsPage(stream, "", {}, std::move(done));
}

void KinesisClient::ListShardsPage(const std::string& stream, const std::string& next_token,
                                   std::vector<Shard> shards, Callback<std::vector<Shard>> done) {
  // With NextToken, the service refuses StreamName: the token names the stream.
  json request = next_token.empty() ? json{{"StreamName", stream}, {"MaxResults", 1000}}
                                    : json{{"NextToken", next_token}, {"MaxResults", 1000}};
  rpc_.Call("ListShards", request, "ListShards of stream " + stream,
            [this, stream, shards = std::move(shards),
             done = std::move(done)](StatusOr<json> body) mutable {
              if (!body.ok()) return done(body.status());
              auto page = ParseShards(body->value("Shards", json()));
              if (!page.ok()) return done(page.status());
              for (Shard& s : *page) shards.push_back(std::move(s));
              std::string token = StringField(*body, "NextToken");
              if (token.empty()) return done(std::move(shards));
              ListShardsPage(stream, token, std::move(shards), std::move(done));
            });
}

void KinesisClient::DescribeStreamSummary(const std::string& stream,
                                          Callback<StreamSummary> done) {
  rpc_.Call("DescribeStreamSummary", json{{"StreamName", stream}},
            "DescribeStreamSummary of stream " + stream,
            [done = std::move(done)](StatusOr<json> body) {
              if (!body.ok()) return done(body.status());
              auto it = body->find("StreamDescriptionSummary");
              if (it == body->end() || !it->is_object()) {
                return done(Malformed("DescribeStreamSummary", "no StreamDescriptionSummary"));
              }
              StreamSummary s;
              s.stream_name = StringField(*it, "StreamName");
              s.stream_arn = StringField(*it, "StreamARN");
              s.stream_status = StringField(*it, "StreamStatus");
              s.open_shard_count = static_cast<int>(IntField(*it, "OpenShardCount"));
              s.retention_period_hours = static_cast<int>(IntField(*it, "RetentionPeriodHours"));
              done(std::move(s));
            });
}

void KinesisClient::CreateStream(const std::string& stream, int shard_count,
                                 Callback<bool> done) {
  rpc_.Call("CreateStream", json{{"StreamName", stream}, {"ShardCount", shard_count}},
            "CreateStream " + stream, [done = std::move(done)](StatusOr<json> body) {
              if (!body.ok()) return done(body.status());
              done(true);
            });
}

void KinesisClient::GetShardIterator(const std::string& stream, const std::string& shard_id,
                                     const std::string& type, const std::string& sequence_number,
                                     Callback<std::string> done) {
  json request = {{"StreamName", stream}, {"ShardId", shard_id}, {"ShardIteratorType", type}};
  if (!sequence_number.empty()) request["StartingSequenceNumber"] = sequence_number;
  rpc_.Call("GetShardIterator", request, "GetShardIterator of " + stream + "/" + shard_id,
            [done = std::move(done)](StatusOr<json> body) {
              if (!body.ok()) return done(body.status());
              std::string iterator = StringField(*body, "ShardIterator");
              if (iterator.empty()) return done(Malformed("GetShardIterator", "no ShardIterator"));
              done(std::move(iterator));
            });
}

void KinesisClient::GetRecords(const std::string& shard_iterator, int limit,
                               Callback<GetRecordsResult> done) {
  rpc_.Call("GetRecords", json{{"ShardIterator", shard_iterator}, {"Limit", limit}}, "GetRecords",
            [done = std::move(done)](StatusOr<json> body) {
              if (!body.ok()) return done(body.status());
              GetRecordsResult result;
              result.next_shard_iterator = StringField(*body, "NextShardIterator");
              result.millis_behind_latest = IntField(*body, "MillisBehindLatest");
              auto records = body->find("Records");
              if (records == body->end() || !records->is_array()) {
                return done(Malformed("GetRecords", "no Records array"));
              }
              for (const json& r : *records) {
                if (!r.is_object() || !r.contains("Data")) {
                  return done(Malformed("GetRecords", "a record lacks Data"));
                }
                auto data = AwsJsonClient::BlobValue(r["Data"]);
                if (!data.ok()) return done(Malformed("GetRecords", data.status().message()));
                GetRecordsResult::Record out;
                out.data = std::move(*data);
                out.partition_key = StringField(r, "PartitionKey");
                out.sequence_number = StringField(r, "SequenceNumber");
                auto ts = r.find("ApproximateArrivalTimestamp");
                if (ts != r.end() && ts->is_number()) {
                  out.approximate_arrival_ms = ToInt64(ts->get<double>() * 1000);
                }
                result.records.push_back(std::move(out));
              }
              done(std::move(result));
            });
}

}  // namespace kedge::kpl
