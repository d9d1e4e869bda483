#include "tests/faults/kinesis_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "agent/cli/aws_context.h"
#include "tests/integration/kinesis_test_proxy.h"

namespace kedge::testing {

KinesisReader::KinesisReader(const std::string& endpoint)
    : credentials_(aws::Credentials{kTestAccessKeyId, kTestSecretKey, "", std::nullopt}),
      http_(net::NewCurlHttpClient({})),
      api_(std::make_unique<kpl::KinesisClient>(*http_, credentials_, Clock::Real(),
                                                kpl::KinesisClientOptions{endpoint, "us-east-1"})) {}

bool KinesisReader::CreateStream(const std::string& name, int shards) {
  auto created = agent::Await<bool>(
      *http_, [&](auto done) { api_->CreateStream(name, shards, std::move(done)); });
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return created.ok();
}

std::vector<kpl::DecodedUserRecord> KinesisReader::ReadRecords(const std::string& stream) {
  std::vector<kpl::DecodedUserRecord> out;
  auto shards = agent::Await<std::vector<kpl::Shard>>(
      *http_, [&](auto done) { api_->ListShards(stream, std::move(done)); });
  if (!shards.ok()) return out;
  for (const auto& shard : *shards) {
    auto it = agent::Await<std::string>(*http_, [&](auto done) {
      api_->GetShardIterator(stream, shard.shard_id, "TRIM_HORIZON", "", std::move(done));
    });
    std::string iterator = it.value_or("");
    while (!iterator.empty()) {
      auto page = agent::Await<kpl::GetRecordsResult>(
          *http_, [&](auto done) { api_->GetRecords(iterator, 10000, std::move(done)); });
      if (!page.ok() || page->records.empty()) break;
      for (auto& r : page->records) {
        for (auto& u : kpl::Deaggregate(r.data, r.partition_key, "")) out.push_back(std::move(u));
      }
      iterator = page->next_shard_iterator;
    }
  }
  return out;
}

std::vector<std::string> KinesisReader::ReadAll(const std::string& stream) {
  std::vector<std::string> out;
  for (auto& record : ReadRecords(stream)) out.push_back(std::move(record.data));
  return out;
}

std::vector<std::string> KinesisReader::WaitForDistinct(const std::string& stream,
                                                        size_t distinct,
                                                        std::chrono::seconds limit) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  std::vector<std::string> got;
  while (true) {
    got = ReadAll(stream);
    if (std::set<std::string>(got.begin(), got.end()).size() >= distinct) break;
    if (std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return got;
}

std::string UniqueStreamName(const std::string& prefix) {
  static int n = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

}  // namespace kedge::testing
