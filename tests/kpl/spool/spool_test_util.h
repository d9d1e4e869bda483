#pragma once
// Helpers shared by the spool tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kpl/spool/sqlite_spool.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "tests/support/test_util.h"

namespace kedge::kpl::testing {

inline SpoolRecord Rec(const std::string& sink, const std::string& data,
                       const std::string& partition_key = "pk") {
  SpoolRecord record;
  record.sink = sink;
  record.partition_key = partition_key;
  record.data = data;
  return record;
}

inline std::vector<int64_t> Ids(const std::vector<SpooledRecord>& records) {
  std::vector<int64_t> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

inline std::vector<std::string> Data(const std::vector<SpooledRecord>& records) {
  std::vector<std::string> data;
  for (const auto& r : records) data.push_back(r.data);
  return data;
}

inline std::vector<std::string> DeadData(const std::vector<DeadLetterRecord>& records) {
  std::vector<std::string> data;
  for (const auto& r : records) data.push_back(r.data);
  return data;
}

class SpoolTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = kedge::testing::MakeTempDir("kedge-spool");
    options_.path = dir_ + "/spool.db";
  }

  std::unique_ptr<SqliteSpool> OpenSpool() {
    auto spool = SqliteSpool::Open(options_, clock_, env_);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return spool.ok() ? std::move(spool).value() : nullptr;
  }

  // Leases everything `sink` has, in batches, and returns the data.
  static std::vector<std::string> Drain(SqliteSpool& spool, const std::string& sink) {
    std::vector<std::string> all;
    while (true) {
      auto batch = spool.Lease(sink, 100, 1 << 20);
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok() || batch->empty()) break;
      for (auto& r : *batch) all.push_back(r.data);
      EXPECT_TRUE(spool.Ack(Ids(*batch)).ok());
    }
    return all;
  }

  std::string dir_;
  FakeClock clock_;
  PosixEnv env_;
  SqliteSpoolOptions options_;
};

}  // namespace kedge::kpl::testing
