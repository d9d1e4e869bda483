// Checks aggregates from our encoder against the AWS de-aggregation library for Node
// (npm aws-kinesis-agg, installed into .peers/ by scripts/install-deps), with checksums on.
// Fails, never skips, when node or the package is missing.

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "kpl/aggregator.h"
#include "platform/crypto.h"
#include "tests/kpl/test_records.h"
#include "tests/support/test_util.h"

namespace kedge::kpl {
namespace {

using testing::MakePending;

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Runs a shell command, returning its stdout; fails the test when it exits non-zero.
std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << command;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "command failed (" << status << "): " << command;
  return out;
}

struct Case {
  std::vector<PendingRecordPtr> users;  // what went in
  KinesisRecordPtr record;              // what came out
};

class DeaggNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peers_ = kedge::testing::SourceDir() + "/.peers";
    ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0)
        << "node is not installed: run scripts/install-deps (Node.js is a test dependency)";
    ASSERT_TRUE(Exists(peers_ + "/node_modules/aws-kinesis-agg/package.json"))
        << "the npm package aws-kinesis-agg is missing from " << peers_
        << ": run scripts/install-deps (or: cd .peers && npm install aws-kinesis-agg@4)";
    dir_ = kedge::testing::MakeTempDir("kedge-deagg");
  }
  void TearDown() override {
    if (!dir_.empty()) RunCommand("rm -rf '" + dir_ + "'");
  }

  // Aggregates `users` (all for one shard) into Kinesis records.
  std::vector<KinesisRecordPtr> Aggregate(std::vector<PendingRecordPtr> users, size_t max_size) {
    std::vector<KinesisRecordPtr> out;
    Aggregator::Options o;
    o.max_size = max_size;
    Aggregator a(o, [&out](KinesisRecordPtr r) { out.push_back(std::move(r)); });
    for (auto& u : users) a.Add(std::move(u));
    a.FlushAll();
    return out;
  }

  // Writes each record to a file, runs deagg_check.js, returns its parsed output.
  nlohmann::json Check(const std::vector<const KinesisRecord*>& records) {
    nlohmann::json manifest = nlohmann::json::array();
    for (size_t i = 0; i < records.size(); ++i) {
      std::string file = dir_ + "/record-" + std::to_string(i) + ".bin";
      std::ofstream(file, std::ios::binary) << records[i]->data;
      manifest.push_back({{"file", file},
                          {"partitionKey", records[i]->partition_key},
                          {"explicitHashKey", records[i]->explicit_hash_key}});
    }
    std::ofstream(dir_ + "/manifest.json") << manifest.dump();
    std::string out = RunCommand("node '" + kedge::testing::SourceDir() + "/tests/kpl/deagg_check.js' '" +
                          peers_ + "' '" + dir_ + "/manifest.json'");
    return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }

  std::string peers_;
  std::string dir_;
};

TEST_F(DeaggNodeTest, OfficialLibraryReadsOurAggregatesWithChecksums) {
  std::mt19937 rng(5);
  std::vector<PendingRecordPtr> users;
  std::vector<std::tuple<std::string, std::string, std::string>> expected;  // pk, ehk, data
  for (int i = 0; i < 3000; ++i) {
    std::string pk = i % 7 == 0 ? "ключ-" + std::to_string(i % 11) : "device-" + std::to_string(i % 97);
    std::string data(std::vector<size_t>{0, 1, 100, 127, 128, 300, 16384}[rng() % 7], '\0');
    for (char& c : data) c = static_cast<char>(rng());
    auto u = MakePending(pk, data, 0);
    if (i % 5 == 0) {
      HashKey k{rng(), rng()};
      u->record.explicit_hash_key = k.ToDecimal();
      u->hash_key = k;
    }
    expected.emplace_back(pk, u->record.explicit_hash_key, data);
    users.push_back(std::move(u));
  }
  auto records = Aggregate(std::move(users), 51200);
  ASSERT_GT(records.size(), 10u);
  std::vector<const KinesisRecord*> ptrs;
  for (const auto& r : records) ptrs.push_back(r.get());
  nlohmann::json result = Check(ptrs);
  ASSERT_TRUE(result.is_array()) << "deagg_check.js printed no JSON";
  ASSERT_EQ(result.size(), records.size());

  size_t next = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(result[i]["error"].is_null()) << "record " << i << ": " << result[i]["error"];
    const auto& got = result[i]["records"];
    ASSERT_EQ(got.size(), records[i]->items.size()) << "record " << i;
    for (size_t j = 0; j < got.size(); ++j, ++next) {
      const auto& [pk, ehk, data] = expected[next];
      EXPECT_EQ(got[j]["partitionKey"].get<std::string>(), pk);
      // aws-kinesis-agg (protobufjs) reads an absent explicit_hash_key_index as 0, so for a
      // record without an explicit hash key it reports the table's first entry, if any. The KCL
      // checks hasExplicitHashKeyIndex(); KPL aggregates look the same to both.
      if (!ehk.empty() || records[i]->items.size() == 1) {
        EXPECT_EQ(got[j]["explicitHashKey"].get<std::string>(), ehk);
      }
      EXPECT_EQ(Base64Decode(got[j]["data"].get<std::string>()).value(), data);
      if (records[i]->items.size() > 1) {
        EXPECT_EQ(got[j]["subSequenceNumber"].get<size_t>(), j);
      }
    }
  }
  EXPECT_EQ(next, expected.size());
}

TEST_F(DeaggNodeTest, OfficialLibraryRejectsACorruptedChecksum) {
  std::vector<PendingRecordPtr> users;
  for (int i = 0; i < 3; ++i) users.push_back(MakePending("k" + std::to_string(i), "data", 0));
  auto records = Aggregate(std::move(users), 51200);
  ASSERT_EQ(records.size(), 1u);
  records[0]->data[records[0]->data.size() - 1] ^= 0x01;
  nlohmann::json result = Check({records[0].get()});
  ASSERT_TRUE(result.is_array());
  EXPECT_FALSE(result[0]["error"].is_null()) << "a bad MD5 went unnoticed: checksums are off";
}

TEST_F(DeaggNodeTest, OfficialLibraryReadsANearlyOneMebibyteAggregate) {
  std::vector<PendingRecordPtr> users;
  for (int i = 0; i < 20; ++i) users.push_back(MakePending("k" + std::to_string(i), std::string(50000, 'a' + i), 0));
  auto records = Aggregate(std::move(users), 1048576);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_GT(records[0]->WireSize(), 1000000u);
  nlohmann::json result = Check({records[0].get()});
  ASSERT_TRUE(result.is_array());
  ASSERT_TRUE(result[0]["error"].is_null()) << result[0]["error"];
  EXPECT_EQ(result[0]["records"].size(), 20u);
}

}  // namespace
}  // namespace kedge::kpl
