// `kedge put` against a real Kinesis implementation (kinesalite, started by scripts/test),
// through a proxy that verifies every request's SigV4 signature the way AWS does.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/cli/aws_context.h"
#include "kpl/aggregated_record.h"
#include "kpl/aws_json_client.h"
#include "kpl/kinesis_client.h"
#include "platform/aws/credential_providers.h"
#include "platform/crypto.h"
#include "tests/integration/kinesis_test_proxy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace kedge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
using testing::kTestAccessKeyId;
using testing::kTestSecretKey;

using u128 = unsigned __int128;

u128 ParseDecimal128(const std::string& s) {
  u128 v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

u128 Md5As128(const std::string& key) {
  Md5Digest d = Md5(key);
  u128 v = 0;
  for (uint8_t b : d) v = (v << 8) | b;
  return v;
}

class PutIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = testing::RequireEnv("KEDGE_TEST_KINESIS_ENDPOINT");
    ASSERT_FALSE(upstream_.empty());
    http_ = net::NewCurlHttpClient({});
    api_ = std::make_unique<kpl::KinesisClient>(*http_, credentials_, Clock::Real(),
                                                kpl::KinesisClientOptions{upstream_, "us-east-1"});
    dir_ = testing::MakeTempDir("kedge-put-it");
  }

  std::string NewStream(int shards) {
    static int n = 0;
    std::string name = "put-it-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    auto created = agent::Await<bool>(
        *http_, [&](auto done) { api_->CreateStream(name, shards, std::move(done)); });
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return name;
  }

  std::string WriteInput(const std::vector<std::string>& lines) {
    std::string path = dir_ + "/input.jsonl";
    std::ofstream f(path);
    for (const auto& l : lines) f << l << "\n";
    return path;
  }

  testing::ProcessResult Put(std::vector<std::string> args, const std::string& secret) {
    args.insert(args.begin(), {testing::BinaryPath("agent/kedge"), "put"});
    return testing::RunProcess(args, {{"AWS_ACCESS_KEY_ID", kTestAccessKeyId},
                                      {"AWS_SECRET_ACCESS_KEY", secret},
                                      {"AWS_SESSION_TOKEN", "\x01unset"},
                                      {"AWS_PROFILE", "\x01unset"},
                                      {"AWS_REGION", "us-east-1"},
                                      {"HOME", dir_}});
  }

  struct ReadRecord {
    std::string shard_id, partition_key, data;  // as stored: aggregates are not opened
  };
  std::vector<ReadRecord> ReadAll(const std::string& stream, std::vector<kpl::Shard>* shards) {
    kpl::KinesisApi* api = api_.get();
    const int limit = 10000;
    std::vector<ReadRecord> out;
    auto listed = agent::Await<std::vector<kpl::Shard>>(
        *http_, [&](auto done) { api->ListShards(stream, std::move(done)); });
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (!listed.ok()) return out;
    *shards = *listed;
    for (const auto& shard : *listed) {
      auto it = agent::Await<std::string>(*http_, [&](auto done) {
        api->GetShardIterator(stream, shard.shard_id, "TRIM_HORIZON", "", std::move(done));
      });
      EXPECT_TRUE(it.ok()) << it.status().ToString();
      std::string iterator = it.value_or("");
      while (!iterator.empty()) {
        auto page = agent::Await<kpl::GetRecordsResult>(
            *http_, [&](auto done) { api->GetRecords(iterator, limit, std::move(done)); });
        EXPECT_TRUE(page.ok()) << page.status().ToString();
        if (!page.ok() || page->records.empty()) break;
        for (auto& r : page->records) out.push_back({shard.shard_id, r.partition_key, r.data});
        iterator = page->next_shard_iterator;
      }
    }
    return out;
  }

  // Aggregates opened into their user records (kedge's own decoder; the official library is
  // checked in AggregatesTwentyThousandRecordsDecodableByTheOfficialLibrary).
  static std::vector<ReadRecord> Opened(const std::vector<ReadRecord>& stored) {
    std::vector<ReadRecord> out;
    for (const ReadRecord& r : stored) {
      for (auto& u : kpl::Deaggregate(r.data, r.partition_key, "")) {
        out.push_back({r.shard_id, u.partition_key, u.data});
      }
    }
    return out;
  }

  std::string upstream_;
  std::string dir_;
  aws::StaticCredentialsProvider credentials_{
      aws::Credentials{kTestAccessKeyId, kTestSecretKey, "", std::nullopt}};
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<kpl::KinesisClient> api_;
};

TEST_F(PutIntegrationTest, Delivers2000JsonRecordsPartitionedByFieldToTwoShardsAllSigned) {
  testing::KinesisTestProxy proxy(upstream_);
  ASSERT_TRUE(proxy.Start().ok());
  std::string stream = NewStream(2);
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    lines.push_back(nlohmann::json{{"device_id", "sensor-" + std::to_string(i % 37)},
                                   {"seq", i},
                                   {"temp_c", 20.5 + i % 10}}
                        .dump());
  }
  auto result = Put({"--stream", stream, "--endpoint", proxy.Url(), "--partition-key-field",
                     "device_id", WriteInput(lines)},
                    kTestSecretKey);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("2000 records"));
  EXPECT_EQ(proxy.rejected(), 0);
  EXPECT_GE(proxy.verified(), 2);  // ListShards and PutRecords, each signature checked

  std::vector<kpl::Shard> shards;
  std::vector<ReadRecord> got = Opened(ReadAll(stream, &shards));
  ASSERT_EQ(shards.size(), 2u);
  ASSERT_EQ(got.size(), 2000u);
  std::set<std::string> want(lines.begin(), lines.end()), seen;
  std::map<std::string, int> per_shard;
  for (const ReadRecord& r : got) {
    seen.insert(r.data);
    ++per_shard[r.shard_id];
    auto doc = nlohmann::json::parse(r.data);
    EXPECT_EQ(r.partition_key, doc["device_id"].get<std::string>());
    // The stream put it on the shard whose hash range holds MD5(partition key).
    for (const auto& s : shards) {
      if (s.shard_id != r.shard_id) continue;
      u128 h = Md5As128(r.partition_key);
      EXPECT_GE(h, ParseDecimal128(s.starting_hash_key));
      EXPECT_LE(h, ParseDecimal128(s.ending_hash_key));
    }
  }
  EXPECT_EQ(seen, want);
  EXPECT_EQ(per_shard.size(), 2u);  // 37 devices spread over both shards
}

// The KPL case: 20,000 JSON records over 50 keys into 4 shards, aggregated. The official AWS
// de-aggregation library (npm aws-kinesis-agg, checksums on) must read every Kinesis record,
// and every user record must lie on the shard its key hashes to. A 1.1 MiB line is refused
// naming its line and the limit, and the rest still arrive.
TEST_F(PutIntegrationTest, AggregatesTwentyThousandRecordsDecodableByTheOfficialLibrary) {
  testing::KinesisTestProxy proxy(upstream_);
  ASSERT_TRUE(proxy.Start().ok());
  std::string stream = NewStream(4);
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i) {
    lines.push_back(nlohmann::json{{"device_id", "dev-" + std::to_string(i % 50)},
                                   {"i", i},
                                   {"v", "reading"}}
                        .dump());
  }
  std::vector<std::string> input = lines;
  input.insert(input.begin() + 1000,  // line 1001: 1.1 MiB
               json{{"device_id", "dev-1"}, {"blob", std::string(1100 * 1024, 'x')}}.dump());
  auto result = Put({"--stream", stream, "--endpoint", proxy.Url(), "--partition-key-field",
                     "device_id", WriteInput(input)},
                    kTestSecretKey);
  EXPECT_EQ(result.exit_code, 1) << result.err;  // not every line could be sent
  EXPECT_THAT(result.err, HasSubstr("line 1001: "));
  EXPECT_THAT(result.err, HasSubstr("1048576 bytes"));
  EXPECT_THAT(result.err, HasSubstr("20000 records"));
  EXPECT_EQ(proxy.rejected(), 0);

  std::vector<kpl::Shard> shards;
  std::vector<ReadRecord> stored = ReadAll(stream, &shards);
  ASSERT_EQ(shards.size(), 4u);
  EXPECT_LE(stored.size(), 1000u);
  EXPECT_GE(stored.size(), 4u);

  // Hand every stored Kinesis record to the official library.
  json manifest = json::array();
  for (size_t i = 0; i < stored.size(); ++i) {
    std::string file = dir_ + "/kinesis-record-" + std::to_string(i);
    std::ofstream(file, std::ios::binary) << stored[i].data;
    manifest.push_back({{"file", file}, {"partitionKey", stored[i].partition_key}});
  }
  std::ofstream(dir_ + "/manifest.json") << manifest.dump();
  auto node = testing::RunProcess({"/usr/bin/env", "node",
                                   testing::SourceDir() + "/tests/kpl/deagg_check.js",
                                   testing::SourceDir() + "/.peers", dir_ + "/manifest.json"});
  ASSERT_EQ(node.exit_code, 0) << node.err;
  json decoded = json::parse(node.out);
  ASSERT_EQ(decoded.size(), stored.size());
  std::multiset<std::string> got;
  for (size_t i = 0; i < stored.size(); ++i) {
    ASSERT_TRUE(decoded[i]["error"].is_null()) << decoded[i]["error"];
    const kpl::Shard* shard = nullptr;
    for (const auto& s : shards) {
      if (s.shard_id == stored[i].shard_id) shard = &s;
    }
    ASSERT_NE(shard, nullptr);
    for (const auto& user : decoded[i]["records"]) {
      auto data = Base64Decode(user["data"].get<std::string>());
      ASSERT_TRUE(data.ok());
      got.insert(*data);
      std::string key = user["partitionKey"];
      EXPECT_EQ(key, json::parse(*data)["device_id"].get<std::string>());
      u128 h = Md5As128(key);
      EXPECT_GE(h, ParseDecimal128(shard->starting_hash_key)) << key << " on " << shard->shard_id;
      EXPECT_LE(h, ParseDecimal128(shard->ending_hash_key)) << key << " on " << shard->shard_id;
    }
  }
  EXPECT_EQ(got, std::multiset<std::string>(lines.begin(), lines.end()));
}

TEST_F(PutIntegrationTest, WrongSecretEndsNonZeroWithOneClearLineAndNoSecret) {
  testing::KinesisTestProxy proxy(upstream_);
  ASSERT_TRUE(proxy.Start().ok());
  std::string stream = NewStream(1);
  auto result = Put({"--stream", stream, "--endpoint", proxy.Url(), WriteInput({"{\"a\":1}"})},
                    "not-the-right-secret-123");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("InvalidSignatureException"));
  EXPECT_THAT(result.err, HasSubstr("secret access key is wrong"));
  EXPECT_THAT(result.err, Not(HasSubstr("not-the-right-secret-123")));
  EXPECT_GE(proxy.rejected(), 1);
}

TEST_F(PutIntegrationTest, UnknownStreamEndsNonZeroNamingIt) {
  testing::KinesisTestProxy proxy(upstream_);
  ASSERT_TRUE(proxy.Start().ok());
  auto result = Put({"--stream", "no-such-stream-kedge", "--endpoint", proxy.Url(),
                     WriteInput({"x"})},
                    kTestSecretKey);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("ResourceNotFoundException"));
  EXPECT_THAT(result.err, HasSubstr("no-such-stream-kedge"));
}

TEST_F(PutIntegrationTest, UnreachableEndpointEndsNonZeroNamingTheAddress) {
  // A port that was just free: bind, read the port, close.
  testing::TestHttpServer closed([](const testing::TestHttpRequest&) {
    return testing::TestHttpResponse{};
  });
  ASSERT_TRUE(closed.Start().ok());
  std::string url = closed.Url("/");
  closed.Stop();
  auto result = Put({"--stream", "s", "--endpoint", url, WriteInput({"x"})}, kTestSecretKey);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("Connection refused"));
}

TEST_F(PutIntegrationTest, UntrustedCertificateEndsNonZeroNamingTheCause) {
  testing::KinesisTestProxy proxy(upstream_, /*tls=*/true);
  ASSERT_TRUE(proxy.Start().ok());
  auto result = Put({"--stream", "s", "--endpoint", proxy.Url(), WriteInput({"x"})},
                    kTestSecretKey);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("not trusted"));
  EXPECT_EQ(proxy.verified(), 0);
}

TEST_F(PutIntegrationTest, TlsWithCustomCaDeliversInJsonAndCbor) {
  testing::KinesisTestProxy proxy(upstream_, /*tls=*/true);
  ASSERT_TRUE(proxy.Start().ok());
  std::string json_stream = NewStream(1), cbor_stream = NewStream(1);
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) lines.push_back("line " + std::to_string(i));
  std::string input = WriteInput(lines);
  const std::string& ca = testing::TestPki::Shared().ca_file();
  auto json = Put({"--stream", json_stream, "--endpoint", proxy.Url(), "--ca-file", ca, input},
                  kTestSecretKey);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto cbor = Put({"--stream", cbor_stream, "--endpoint", proxy.Url(), "--ca-file", ca,
                   "--protocol", "cbor", input},
                  kTestSecretKey);
  ASSERT_EQ(cbor.exit_code, 0) << cbor.err;
  std::vector<kpl::Shard> shards;
  EXPECT_EQ(Opened(ReadAll(json_stream, &shards)).size(), 50u);
  // kinesalite keeps records that arrived in CBOR as a Node Buffer and answers GetRecords with
  // {"type":"Buffer","data":[bytes]} instead of a blob, so read those raw.
  kpl::AwsJsonClient raw(*http_, credentials_, Clock::Real(),
                         {upstream_, "us-east-1", "kinesis", "Kinesis_20131202"});
  auto iterator = agent::Await<nlohmann::json>(*http_, [&](auto done) {
    raw.Call("GetShardIterator",
             {{"StreamName", cbor_stream},
              {"ShardId", "shardId-000000000000"},
              {"ShardIteratorType", "TRIM_HORIZON"}},
             "GetShardIterator", std::move(done));
  });
  ASSERT_TRUE(iterator.ok()) << iterator.status().ToString();
  auto page = agent::Await<nlohmann::json>(*http_, [&](auto done) {
    raw.Call("GetRecords", {{"ShardIterator", (*iterator)["ShardIterator"]}}, "GetRecords",
             std::move(done));
  });
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::vector<std::string> via_cbor;
  for (const auto& r : (*page)["Records"]) {
    std::string bytes;
    for (int b : r["Data"]["data"]) bytes.push_back(static_cast<char>(b));
    for (auto& u : kpl::Deaggregate(bytes, r["PartitionKey"].get<std::string>(), "")) {
      via_cbor.push_back(u.data);
    }
  }
  EXPECT_EQ(via_cbor, lines);
  EXPECT_EQ(proxy.rejected(), 0);
}

TEST_F(PutIntegrationTest, LineWithoutTheKeyFieldIsReportedByNumberAndFailsTheRun) {
  std::string stream = NewStream(1);
  testing::KinesisTestProxy proxy(upstream_);
  ASSERT_TRUE(proxy.Start().ok());
  auto result = Put({"--stream", stream, "--endpoint", proxy.Url(), "--partition-key-field",
                     "device_id", WriteInput({"{\"device_id\":\"a\"}", "{\"other\":1}"})},
                    kTestSecretKey);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("line 2: no field 'device_id'"));
  std::vector<kpl::Shard> shards;
  EXPECT_EQ(Opened(ReadAll(stream, &shards)).size(), 1u);
}

}  // namespace
}  // namespace kedge
