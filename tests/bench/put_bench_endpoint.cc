// A Kinesis endpoint that answers at once, for benchmarking `kedge put` end to end:
// ListShards returns N shards splitting the hash key space evenly; PutRecords accepts every
// record. Prints "listening URL" and serves until stdin closes.
//
//   put_bench_endpoint [SHARDS]

#include <atomic>
#include <cstdio>
#include <vector>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "kpl/hash_key.h"
#include "tests/support/test_http_server.h"

using kedge::kpl::HashKey;
using nlohmann::json;

int main(int argc, char** argv) {
  unsigned shards = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 16;
  // Shard i covers hash keys whose top 64 bits are in [i, i+1) * 2^64 / n.
  json shard_list = json::array();
  std::vector<HashKey> ends;
  for (unsigned i = 0; i < shards; ++i) {
    uint64_t step = ~uint64_t{0} / shards;
    HashKey lo{step * i, 0};
    HashKey hi = i + 1 == shards ? HashKey::Max() : HashKey{step * (i + 1) - 1, ~uint64_t{0}};
    ends.push_back(hi);
    std::string start = lo.ToDecimal(), end = hi.ToDecimal();
    shard_list.push_back({{"ShardId", "shardId-" + std::to_string(i)},
                          {"HashKeyRange", {{"StartingHashKey", start}, {"EndingHashKey", end}}},
                          {"SequenceNumberRange", {{"StartingSequenceNumber", "0"}}}});
  }
  std::string list_answer = json{{"Shards", shard_list}}.dump();
  std::atomic<uint64_t> sequence{0};
  kedge::testing::TestHttpServer server([&](const kedge::testing::TestHttpRequest& r) {
    kedge::testing::TestHttpResponse out;
    out.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    std::string_view target = r.Header("x-amz-target");
    if (target.find("ListShards") != std::string_view::npos) {
      out.body = list_answer;
      return out;
    }
    json body = json::parse(r.body, nullptr, false);
    json records = json::array();
    size_t n = body.is_object() && body["Records"].is_array() ? body["Records"].size() : 0;
    for (size_t i = 0; i < n; ++i) {
      // Answer with the shard the record's hash key falls in, as the service does.
      const json& r = body["Records"][i];
      HashKey key = HashKey::FromPartitionKey(r.value("PartitionKey", ""));
      if (r.contains("ExplicitHashKey")) {
        auto explicit_key = HashKey::FromDecimal(r["ExplicitHashKey"].get<std::string>());
        if (explicit_key.ok()) key = *explicit_key;
      }
      size_t shard = 0;
      while (shard + 1 < ends.size() && ends[shard] < key) ++shard;
      records.push_back({{"ShardId", "shardId-" + std::to_string(shard)},
                         {"SequenceNumber", std::to_string(++sequence)}});
    }
    out.body = json{{"FailedRecordCount", 0}, {"Records", records}}.dump();
    return out;
  });
  if (!server.Start().ok()) return 1;
  std::printf("listening %s\n", server.Url("/").c_str());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
