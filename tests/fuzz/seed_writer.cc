// kedge_fuzz_seed_writer: writes the generated part of the seed corpora (tests/fuzz/corpus/<target>/)
// with kedge's own encoders, so the seeds are real: KPL aggregates from AggregatedRecordBuilder,
// PutMedia bodies from MkvFragmenter, requests signed by aws::SignRequest, CBOR from the same
// nlohmann encoder the client uses. Not a test; run it when a format changes:
//   ninja -C build kedge_fuzz_seed_writer && build/tests/fuzz/kedge_fuzz_seed_writer tests/fuzz/corpus
// The hand-written seeds (configs, ACK streams) live in the corpus directories beside these.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kpl/aggregated_record.h"
#include "platform/aws/sigv4.h"
#include "platform/crypto.h"
#include "tests/ingest/mkv_stream.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void KplAggregates() {
  kedge::kpl::AggregatedRecordBuilder b;  // keeps views: every string outlives it
  const std::string big(300, 'x');
  b.Add("sensor-1", "", "{\"t\":21.5}");
  Write("fuzz_kpl_aggregate", "one_record", b.Serialize());
  b.Add("sensor-2", "170141183460469231731687303715884105728", "{\"t\":19.0}");
  b.Add("sensor-1", "", "");
  b.Add("sensor-3", "170141183460469231731687303715884105728", big);
  std::string four = b.Serialize();
  Write("fuzz_kpl_aggregate", "four_records_shared_keys", four);
  // The protobuf alone: the target also wraps its input in magic + MD5.
  Write("fuzz_kpl_aggregate", "protobuf_only", four.substr(4, four.size() - 20));
}

void KinesisResponses() {
  std::vector<std::pair<std::string, json>> bodies = {
      {"put_records",
       {{"FailedRecordCount", 1},
        {"Records",
         {{{"SequenceNumber", "49590338271490256608559692538361571095921575989136588898"},
           {"ShardId", "shardId-000000000000"}},
          {{"ErrorCode", "ProvisionedThroughputExceededException"},
           {"ErrorMessage", "Rate exceeded for shard shardId-000000000001"}}}}}},
      {"list_shards",
       {{"Shards",
         {{{"ShardId", "shardId-000000000000"},
           {"HashKeyRange", {{"StartingHashKey", "0"},
                             {"EndingHashKey", "170141183460469231731687303715884105727"}}},
           {"SequenceNumberRange", {{"StartingSequenceNumber", "4959"}}}},
          {{"ShardId", "shardId-000000000001"},
           {"ParentShardId", "shardId-000000000000"},
           {"HashKeyRange", {{"StartingHashKey", "170141183460469231731687303715884105728"},
                             {"EndingHashKey", "340282366920938463463374607431768211455"}}},
           {"SequenceNumberRange",
            {{"StartingSequenceNumber", "4960"}, {"EndingSequenceNumber", "4970"}}}}}},
        {"NextToken", "AAAAAAAAAAGK9EEG"}}},
      {"describe_stream_summary",
       {{"StreamDescriptionSummary",
         {{"StreamName", "edge-logs"},
          {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/edge-logs"},
          {"StreamStatus", "ACTIVE"},
          {"OpenShardCount", 2},
          {"RetentionPeriodHours", 24}}}}},
      {"get_shard_iterator", {{"ShardIterator", "AAAAAAAAAAETYyAYzd665+8e0X7JTsASDM/Hr2rSwc0X2qz"}}},
      {"get_records",
       {{"NextShardIterator", "AAAAAAAAAAHsW8zCWf9164uy8Epue6WS3w6wmj4a4USt+CN"},
        {"MillisBehindLatest", 2100},
        {"Records",
         {{{"Data", "eyJ0IjoyMS41fQ=="},
           {"PartitionKey", "sensor-1"},
           {"SequenceNumber", "49590338271490256608559692540925702759324208523137515618"},
           {"ApproximateArrivalTimestamp", 1.7672256e9}}}}}},
      {"put_record_batch",
       {{"FailedPutCount", 0},
        {"RequestResponses", {{{"RecordId", "49543463076548007577105092703039560359975228518395012686"}}}}}},
  };
  for (const auto& [name, body] : bodies) {
    // Byte 0 = 0x08: status 200 and one record sent (kinesis_response_fuzz.cc).
    Write("fuzz_kinesis_json", name, "\x08" + body.dump());
    std::vector<uint8_t> cbor = json::to_cbor(body);
    if (name == "get_records") {  // in CBOR the service sends Data as a byte string
      json b = body;
      b["Records"][0]["Data"] = json::binary({'{', '"', 't', '"', ':', '1', '}'});
      cbor = json::to_cbor(b);
    }
    Write("fuzz_kinesis_cbor", name, "\x08" + std::string(cbor.begin(), cbor.end()));
  }
  std::string error = R"({"__type":"ResourceNotFoundException","message":"Stream edge-logs not found"})";
  Write("fuzz_kinesis_json", "error_400", "\x05" + error);
  std::vector<uint8_t> cbor = json::to_cbor(json::parse(error));
  Write("fuzz_kinesis_cbor", "error_400", "\x05" + std::string(cbor.begin(), cbor.end()));
}

// A request as raw HTTP/1.1 text, signed (byte 0 odd: the fuzz target's guarded router) or not.
std::string RawRequest(std::string method, std::string target, kedge::net::Headers headers,
                       std::string body, bool sign, bool chunked = false) {
  kedge::net::HttpRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:4567" + target;
  request.headers = std::move(headers);
  request.body = body;
  std::string out(1, sign ? '\x01' : '\x00');
  if (sign) {
    kedge::aws::SigningParams params;
    params.service = target == "/" ? "kinesis" : "kinesisvideo";
    params.region = "us-east-1";
    params.time = kedge::WallTime(std::chrono::seconds(1767225600));  // FakeClock's start
    kedge::aws::Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                        "", std::nullopt};
    std::string hash = chunked ? std::string(kedge::aws::kEmptyPayloadSha256) : "";
    if (!kedge::aws::SignRequest(&request, credentials, params, hash).ok()) std::abort();
  } else {
    request.headers.emplace_back("Host", "127.0.0.1:4567");
  }
  out += method + " " + target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : request.headers) out += name + ": " + value + "\r\n";
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n\r\n";
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", body.size());
    out += size + body + "\r\n0\r\n\r\n";
  } else {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  return out;
}

void IngestRequests(const std::string& mkv) {
  const std::string target = "fuzz_ingest_http";
  auto kinesis = [&](const std::string& op, const json& body) {
    kedge::net::Headers h = {{"Content-Type", "application/x-amz-json-1.1"},
                             {"X-Amz-Target", "Kinesis_20131202." + op}};
    Write(target, "kinesis_" + op, RawRequest("POST", "/", h, body.dump(), false));
    Write(target, "kinesis_" + op + "_signed", RawRequest("POST", "/", h, body.dump(), true));
  };
  kinesis("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}});
  kinesis("PutRecord", {{"StreamName", "s"}, {"Data", "aGVsbG8="}, {"PartitionKey", "pk"}});
  kinesis("PutRecords", {{"StreamName", "s"},
                         {"Records", {{{"Data", "aGVsbG8="}, {"PartitionKey", "a"}},
                                      {{"Data", "d29ybGQ="}, {"PartitionKey", "b"},
                                       {"ExplicitHashKey", "1"}}}}});
  kinesis("ListShards", {{"StreamName", "s"}});
  kinesis("GetShardIterator",
          {{"StreamName", "s"}, {"ShardId", "shardId-000000000000"},
           {"ShardIteratorType", "TRIM_HORIZON"}});
  kedge::net::Headers fh = {{"Content-Type", "application/x-amz-json-1.1"},
                            {"X-Amz-Target", "Firehose_20150804.PutRecordBatch"}};
  Write(target, "firehose_PutRecordBatch",
        RawRequest("POST", "/", fh,
                   R"({"DeliveryStreamName":"d","Records":[{"Data":"aGVsbG8K"}]})", false));
  kedge::net::Headers rest = {{"Content-Type", "application/json"}};
  for (const auto& [path, body] : std::vector<std::pair<std::string, json>>{
           {"/createStream", {{"StreamName", "cam"}, {"DataRetentionInHours", 24}}},
           {"/describeStream", {{"StreamName", "cam"}}},
           {"/getDataEndpoint", {{"StreamName", "cam"}, {"APIName", "PUT_MEDIA"}}},
           {"/listFragments", {{"StreamName", "cam"}}},
           {"/getMedia", {{"StreamName", "cam"}, {"StartSelector", {{"StartSelectorType", "EARLIEST"}}}}},
           {"/getHLSStreamingSessionURL", {{"StreamName", "cam"}, {"PlaybackMode", "LIVE"}}}}) {
    Write(target, "kvs_" + path.substr(1), RawRequest("POST", path, rest, body.dump(), false));
  }
  Write(target, "kvs_createStream_signed",
        RawRequest("POST", "/createStream", rest, R"({"StreamName":"cam2"})", true));
  kedge::net::Headers media = {{"x-amzn-stream-name", "cam"},
                               {"x-amzn-fragment-timecode-type", "ABSOLUTE"},
                               {"x-amzn-producer-start-timestamp", "1767225600.000"}};
  Write(target, "put_media", RawRequest("POST", "/putMedia", media, mkv, false, true));
  Write(target, "put_media_signed", RawRequest("POST", "/putMedia", media, mkv, true, true));
  Write(target, "hls_segment", RawRequest("GET", "/hls/v1/getHLSMediaPlaylist.m3u8?SessionToken=x",
                                          {}, "", false));
}

void SigV4Requests() {
  const std::string target = "fuzz_sigv4";
  Write(target, "kinesis_put_records",
        "POST\n/\nContent-Type:application/x-amz-json-1.1\n"
        "X-Amz-Target:Kinesis_20131202.PutRecords\nHost:kinesis.us-east-1.amazonaws.com\n"
        "X-Amz-Date:20260101T000000Z\n"
        "Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kinesis/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=0000000000000000000000000000000000000000000000000000000000000000\n"
        "\n{\"StreamName\":\"s\",\"Records\":[]}");
  Write(target, "get_with_query",
        "GET\n/path/./to/../file%20name?b=2&a=1&a=0&empty=&x=%7e\nHost:example.amazonaws.com\n"
        "My-Header1: a   b   c \nmy-header1:second\nX-Amz-Date:20260101T000000Z\n\n");
  Write(target, "put_media_host_port",
        "POST\n/putMedia\nHost:127.0.0.1:4567\nx-amzn-stream-name:cam\n"
        "x-amz-content-sha256:UNSIGNED-PAYLOAD\nX-Amz-Date:20260101T000000Z\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kedge_fuzz_seed_writer tests/fuzz/corpus\n");
    return 2;
  }
  g_root = argv[1];
  KplAggregates();
  KinesisResponses();
  kedge::FakeClock clock;
  kedge::ingest::testing::MkvStream stream = kedge::ingest::testing::MakeMkvStream(clock, 2, 3, 64);
  std::string mkv = stream.All();
  // Byte 0 picks the chunk size (1 + data[0] % 64) and multiple segments when odd.
  Write("fuzz_mkv_parser", "two_fragments_chunk_8", "\x07" + mkv);
  Write("fuzz_mkv_parser", "two_fragments_chunk_64", std::string(1, '\x3f') + mkv);
  Write("fuzz_mkv_parser", "header_only", std::string(1, '\x10') + stream.header);
  IngestRequests(mkv);
  SigV4Requests();
  return 0;
}
