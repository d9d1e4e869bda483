// Random operation sequences against a simple model of what the spool must do: a lease never
// hands out a record that is in flight, acked or dead-lettered, nor one that is not yet
// committed; counts match; and at the end every record that was not acked or dead-lettered is
// still there, once.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "kpl/spool/sqlite_spool.h"
#include "tests/kpl/spool/spool_test_util.h"

namespace kedge::kpl {
namespace {

using testing::Rec;

enum class State { kPending, kAvailable, kLeased };

class SqliteSpoolModelTest : public testing::SpoolTestBase,
                             public ::testing::WithParamInterface<int> {
 protected:
  void Append(std::mt19937& rng) {
    std::vector<SpoolRecord> records;
    int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      std::string sink = kSinks[rng() % 3];
      std::string data = "r" + std::to_string(next_++);
      model_[data] = {sink, State::kPending};
      records.push_back(Rec(sink, data));
    }
    ASSERT_TRUE(spool_->Append(std::move(records)).ok());
  }

  void CommitModel() {
    for (auto& [data, entry] : model_) {
      if (entry.second == State::kPending) entry.second = State::kAvailable;
    }
  }

  void Lease(std::mt19937& rng) {
    const std::string sink = kSinks[rng() % 3];
    auto batch = spool_->Lease(sink, 1 + rng() % 8, 1 << 20);
    ASSERT_TRUE(batch.ok());
    int64_t last_id = 0;
    for (const SpooledRecord& r : *batch) {
      auto it = model_.find(r.data);
      ASSERT_NE(it, model_.end()) << r.data << " was acked or dead-lettered but leased again";
      EXPECT_EQ(it->second.first, sink);
      ASSERT_EQ(it->second.second, State::kAvailable) << r.data << " leased while not available";
      EXPECT_GT(r.id, last_id);
      last_id = r.id;
      it->second.second = State::kLeased;
      leased_[r.id] = r.data;
    }
  }

  // Acks, nacks or dead-letters a random subset of what is in flight.
  void Settle(std::mt19937& rng) {
    std::vector<int64_t> ack, nack, dead;
    for (auto it = leased_.begin(); it != leased_.end();) {
      auto choice = rng() % 4;
      if (choice == 3) {
        ++it;
        continue;
      }
      (choice == 0 ? nack : choice == 1 ? dead : ack).push_back(it->first);
      if (choice == 0) {
        model_[it->second].second = State::kAvailable;
      } else {
        model_.erase(it->second);
      }
      it = leased_.erase(it);
    }
    ASSERT_TRUE(spool_->Ack(ack).ok());
    ASSERT_TRUE(spool_->Nack(nack).ok());
    ASSERT_TRUE(spool_->DeadLetter(dead, "model").ok());
  }

  void ExpireAll() {
    clock_.Advance(options_.lease_timeout);
    ASSERT_TRUE(spool_->MaybeCommit().ok());
    for (auto& [id, data] : leased_) model_[data].second = State::kAvailable;
    leased_.clear();
  }

  void Reopen() {
    spool_.reset();
    CommitModel();
    for (auto& [id, data] : leased_) model_[data].second = State::kAvailable;
    leased_.clear();
    spool_ = OpenSpool();
    ASSERT_NE(spool_, nullptr);
    commits_seen_ = 0;
  }

  // Also notices count-triggered group commits, which any operation may cause.
  void CheckCounts() {
    SpoolStats stats = spool_->stats();
    // A commit during the last operation committed every record appended before it, and
    // only Append adds records, at its very start.
    if (stats.commits != commits_seen_) CommitModel();
    commits_seen_ = stats.commits;
    EXPECT_EQ(stats.records, model_.size());
    EXPECT_EQ(stats.leased, leased_.size());
  }

  const char* const kSinks[3] = {"a", "b", "c"};
  std::unique_ptr<SqliteSpool> spool_;
  std::map<std::string, std::pair<std::string, State>> model_;  // data -> sink, state
  std::map<int64_t, std::string> leased_;                       // id -> data
  int next_ = 0;
  uint64_t commits_seen_ = 0;
};

TEST_P(SqliteSpoolModelTest, RandomOperationsKeepEveryRecordExactlyOnce) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  options_.commit_records = 1 + GetParam() % 40;
  options_.max_attempts = 0;
  spool_ = OpenSpool();
  ASSERT_NE(spool_, nullptr);
  for (int step = 0; step < 1500 && !HasFatalFailure(); ++step) {
    switch (rng() % 12) {
      case 0: case 1: case 2: case 3: Append(rng); break;
      case 4: ASSERT_TRUE(spool_->Commit().ok()); CommitModel(); break;
      case 5: case 6: case 7: Lease(rng); break;
      case 8: case 9: Settle(rng); break;
      case 10: ExpireAll(); break;
      case 11: if (rng() % 8 == 0) Reopen(); break;
    }
    CheckCounts();
  }
  // Everything left must come out, once, in append order per sink.
  Reopen();
  for (const char* sink : kSinks) {
    std::vector<std::string> expected;
    for (auto& [data, entry] : model_) {
      if (entry.first == sink) expected.push_back(data);
    }
    std::vector<std::string> got = Drain(*spool_, sink);
    std::sort(expected.begin(), expected.end(), [](const std::string& x, const std::string& y) {
      return std::stoi(x.substr(1)) < std::stoi(y.substr(1));
    });
    EXPECT_EQ(got, expected) << "sink " << sink;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SqliteSpoolModelTest, ::testing::Range(1, 9));

}  // namespace
}  // namespace kedge::kpl
