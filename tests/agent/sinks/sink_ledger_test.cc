// SinkLedger's in-flight budget: a sink may hold at most a quarter of spool.max_bytes.

#include "agent/sinks/sink_ledger.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "kpl/spool/sqlite_spool.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class SinkLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("kedge-ledger");
    kpl::SqliteSpoolOptions options;
    options.path = dir_ + "/spool.db";
    options.max_bytes = 1 << 20;
    auto spool = kpl::SqliteSpool::Open(options, clock_, Env::Default());
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    spool_ = std::move(*spool);
  }
  void TearDown() override {
    spool_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<kpl::SqliteSpool> spool_;
};

TEST_F(SinkLedgerTest, StopsLeasingAtAQuarterOfTheSpoolAndResumesAsRecordsSettle) {
  SinkLedger ledger("logs", *spool_, clock_, metrics_);
  constexpr uint64_t kBudget = (1 << 20) / 4;
  EXPECT_TRUE(ledger.Leasable());
  EXPECT_EQ(ledger.LeaseBytes(4 << 20), kBudget) << "a lease asks for no more than the budget";
  ledger.Leased(kBudget - 100);
  EXPECT_TRUE(ledger.Leasable());
  EXPECT_EQ(ledger.LeaseBytes(4 << 20), 100u);
  ledger.Leased(100);
  EXPECT_FALSE(ledger.Leasable());
  ledger.Released(1);
  EXPECT_TRUE(ledger.Leasable());
  EXPECT_EQ(ledger.LeaseBytes(10), 1u);
}

}  // namespace
}  // namespace kedge::agent
