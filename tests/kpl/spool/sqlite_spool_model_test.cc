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
    auto seq = spool_->Append(std::move(records));
    if (drop_policy_ && seq.status().code() == StatusCode::kResourceExhausted) {
      // Everything older is in flight: refused as a whole, so the model forgets them too.
      for (int i = 0; i < n; ++i) model_.erase("r" + std::to_string(next_ - 1 - i));
      return;
    }
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
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
    const uint64_t before = spool_->stats().records;
    ASSERT_TRUE(spool_->Ack(ack).ok());
    ASSERT_TRUE(spool_->Nack(nack).ok());
    ASSERT_TRUE(spool_->DeadLetter(dead, "model").ok());
    // Every settled record was still there: nothing in flight is ever dropped.
    EXPECT_EQ(spool_->stats().records, before - ack.size() - dead.size());
  }

  void ExpireAll() {
    clock_.Advance(options_.lease_timeout);
    ASSERT_TRUE(spool_->MaybeCommit().ok());
    for (auto& [id, data] : leased_) model_[data].second = State::kAvailable;
    leased_.clear();
  }

  void Reopen() {
    dropped_before_ += spool_->stats().dropped;
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
    EXPECT_EQ(stats.records + dropped_before_ + stats.dropped, model_.size());
    EXPECT_LE(stats.bytes, options_.max_bytes);
    EXPECT_EQ(stats.leased, leased_.size());
  }

  const char* const kSinks[3] = {"a", "b", "c"};
  std::unique_ptr<SqliteSpool> spool_;
  std::map<std::string, std::pair<std::string, State>> model_;  // data -> sink, state
  std::map<int64_t, std::string> leased_;                       // id -> data
  int next_ = 0;
  uint64_t commits_seen_ = 0;
  bool drop_policy_ = false;
  uint64_t dropped_before_ = 0;  // by earlier opens of the spool

  void RunRandomOperations(std::mt19937& rng) {
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
    Reopen();
  }

  // What is left per sink, in append order, according to the model.
  std::vector<std::string> Expected(const std::string& sink) const {
    std::vector<std::string> expected;
    for (auto& [data, entry] : model_) {
      if (entry.first == sink) expected.push_back(data);
    }
    std::sort(expected.begin(), expected.end(), [](const std::string& x, const std::string& y) {
      return std::stoi(x.substr(1)) < std::stoi(y.substr(1));
    });
    return expected;
  }
};

TEST_P(SqliteSpoolModelTest, RandomOperationsKeepEveryRecordExactlyOnce) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  options_.commit_records = 1 + GetParam() % 40;
  RunRandomOperations(rng);
  // Everything left must come out, once, in append order per sink.
  for (const char* sink : kSinks) EXPECT_EQ(Drain(*spool_, sink), Expected(sink)) << sink;
}

TEST_P(SqliteSpoolModelTest, DropOldestOnlyEverDropsRecordsNotInFlight) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  options_.commit_records = 1 + GetParam() % 40;
  options_.when_full = WhenFull::kDropOldest;
  options_.max_bytes = 40 * SqliteSpool::AccountedBytes(Rec("a", "r1000"));
  drop_policy_ = true;
  RunRandomOperations(rng);
  // What is left is the model minus the dropped records, still in order.
  size_t left = 0;
  for (const char* sink : kSinks) {
    std::vector<std::string> got = Drain(*spool_, sink);
    std::vector<std::string> expected = Expected(sink);
    EXPECT_TRUE(std::includes(expected.begin(), expected.end(), got.begin(), got.end(),
                              [](const std::string& x, const std::string& y) {
                                return std::stoi(x.substr(1)) < std::stoi(y.substr(1));
                              }))
        << sink;
    left += got.size();
  }
  EXPECT_GT(dropped_before_, 0u);
  EXPECT_EQ(left + dropped_before_, model_.size());
}

INSTANTIATE_TEST_SUITE_P(Seeds, SqliteSpoolModelTest, ::testing::Range(1, 9));

}  // namespace
}  // namespace kedge::kpl
