#include "kpl/spool/sqlite_spool.h"

#include <gtest/gtest.h>

#include "tests/kpl/spool/spool_test_util.h"

namespace kedge::kpl {
namespace {

using testing::Data;
using testing::Ids;
using testing::Rec;

class SqliteSpoolTest : public testing::SpoolTestBase {};

TEST_F(SqliteSpoolTest, AppendedRecordsAreLeasedOnlyAfterCommit) {
  options_.commit_records = 1000;
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  auto seq = spool->Append({Rec("logs", "a"), Rec("logs", "b")});
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(spool->durable_sequence(), 0u);
  auto before = spool->Lease("logs", 10, 1 << 20);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->empty());

  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(spool->durable_sequence(), *seq);
  auto after = spool->Lease("logs", 10, 1 << 20);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Data(*after), (std::vector<std::string>{"a", "b"}));
  EXPECT_LT((*after)[0].id, (*after)[1].id);
  EXPECT_EQ((*after)[0].partition_key, "pk");
  EXPECT_EQ((*after)[0].created_ms, ToUnixMillis(clock_.WallNow()));
}

TEST_F(SqliteSpoolTest, GroupCommitsWhenCountReached) {
  options_.commit_records = 3;
  std::vector<uint64_t> durable;
  options_.on_durable = [&](uint64_t seq) { durable.push_back(seq); };
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2")}).ok());
  EXPECT_TRUE(durable.empty());
  auto seq = spool->Append({Rec("s", "3")});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(durable, std::vector<uint64_t>{*seq});
  EXPECT_EQ(spool->stats().commits, 1u);
}

TEST_F(SqliteSpoolTest, OnDurableMayAppendAgain) {
  options_.commit_records = 1;
  SqliteSpool* self = nullptr;
  std::vector<uint64_t> durable;
  options_.on_durable = [&](uint64_t seq) {
    durable.push_back(seq);
    if (durable.size() == 1) {
      ASSERT_TRUE(self->Append({Rec("s", "from callback")}).ok());
    }
  };
  auto spool = OpenSpool();
  self = spool.get();
  auto seq = spool->Append({Rec("s", "first")});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 1u);
  EXPECT_EQ(durable, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"first", "from callback"}));
}

TEST_F(SqliteSpoolTest, GroupCommitsWhenIntervalElapses) {
  options_.commit_records = 1000;
  options_.commit_interval = std::chrono::milliseconds(50);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  auto seq = spool->Append({Rec("s", "x")});
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(spool->TimeUntilCommit(), std::chrono::milliseconds(50));
  clock_.Advance(std::chrono::milliseconds(49));
  ASSERT_TRUE(spool->MaybeCommit().ok());
  EXPECT_EQ(spool->durable_sequence(), 0u);
  EXPECT_EQ(spool->TimeUntilCommit(), std::chrono::milliseconds(1));
  clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(spool->MaybeCommit().ok());
  EXPECT_EQ(spool->durable_sequence(), *seq);
}

TEST_F(SqliteSpoolTest, AckedRecordsAreGoneAfterReopen) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "keep"), Rec("s", "sent")}).ok());
    ASSERT_TRUE(spool->Commit().ok());
    auto batch = spool->Lease("s", 10, 1 << 20);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->size(), 2u);
    ASSERT_TRUE(spool->Ack({(*batch)[1].id}).ok());
  }  // closing commits the ack; the unacked lease is not persisted
  auto spool = OpenSpool();
  EXPECT_EQ(spool->stats().records, 1u);
  EXPECT_EQ(Drain(*spool, "s"), std::vector<std::string>{"keep"});
}

TEST_F(SqliteSpoolTest, LeasedRecordsAreNotLeasedTwice) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2"), Rec("s", "3")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto first = spool->Lease("s", 2, 1 << 20);
  auto second = spool->Lease("s", 2, 1 << 20);
  auto third = spool->Lease("s", 2, 1 << 20);
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(Data(*first), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(Data(*second), (std::vector<std::string>{"3"}));
  EXPECT_TRUE(third->empty());
  EXPECT_EQ(spool->stats().leased, 3u);
}

TEST_F(SqliteSpoolTest, LeaseRespectsByteBudgetButReturnsAtLeastOne) {
  auto spool = OpenSpool();
  std::string big(1000, 'b');
  ASSERT_TRUE(spool->Append({Rec("s", big), Rec("s", "small"), Rec("s", "tiny")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto first = spool->Lease("s", 10, 100);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Data(*first), std::vector<std::string>{big});
  auto rest = spool->Lease("s", 10, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Data(*rest), (std::vector<std::string>{"small", "tiny"}));
}

TEST_F(SqliteSpoolTest, SinksAreLeasedIndependently) {
  auto spool = OpenSpool();
  ASSERT_TRUE(
      spool->Append({Rec("a", "a1"), Rec("b", "b1"), Rec("a", "a2"), Rec("b", "b2")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(Drain(*spool, "b"), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(Drain(*spool, "a"), (std::vector<std::string>{"a1", "a2"}));
  auto unknown = spool->Lease("nope", 10, 1 << 20);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
}

TEST_F(SqliteSpoolTest, NackedRecordsComeBackFirstWithAttemptCounted) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2"), Rec("s", "3")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto first = spool->Lease("s", 2, 1 << 20);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(spool->Nack(Ids(*first)).ok());
  auto again = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(Data(*again), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ((*again)[0].attempts, 1);
  EXPECT_EQ((*again)[2].attempts, 0);
  // The attempt count is persisted.
  ASSERT_TRUE(spool->Nack({(*again)[0].id}).ok());
  spool.reset();
  spool = OpenSpool();
  auto after_restart = spool->Lease("s", 1, 1 << 20);
  ASSERT_TRUE(after_restart.ok());
  ASSERT_EQ(after_restart->size(), 1u);
  EXPECT_EQ((*after_restart)[0].attempts, 2);
}

TEST_F(SqliteSpoolTest, ExpiredLeasesAreReleased) {
  options_.lease_timeout = std::chrono::seconds(30);
  auto spool = OpenSpool();
  EXPECT_EQ(spool->TimeUntilCommit(), SqliteSpool::kIdleWait);
  ASSERT_TRUE(spool->Append({Rec("s", "1")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  ASSERT_EQ(spool->Lease("s", 10, 1 << 20)->size(), 1u);
  EXPECT_EQ(spool->TimeUntilCommit(), std::chrono::seconds(30));  // wake to expire it
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_TRUE(spool->Lease("s", 10, 1 << 20)->empty());
  clock_.Advance(std::chrono::seconds(1));
  auto again = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Data(*again), std::vector<std::string>{"1"});
}

TEST_F(SqliteSpoolTest, LeasesAreReleasedByRestart) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2")}).ok());
    ASSERT_TRUE(spool->Commit().ok());
    ASSERT_EQ(spool->Lease("s", 10, 1 << 20)->size(), 2u);
  }
  auto spool = OpenSpool();
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"1", "2"}));
}

TEST_F(SqliteSpoolTest, DeadLettersAreKeptCountedAndListed) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "bad"), Rec("s", "good")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto batch = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(spool->DeadLetter({(*batch)[0].id}, "ValidationException: too big").ok());
  ASSERT_TRUE(spool->Ack({(*batch)[1].id}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.records, 0u);
  EXPECT_EQ(stats.dead_letters, 1u);
  ASSERT_EQ(stats.sinks.size(), 1u);
  EXPECT_EQ(stats.sinks[0].dead_letters, 1u);
  spool.reset();
  spool = OpenSpool();
  EXPECT_EQ(spool->stats().dead_letters, 1u);
  auto dead = spool->ListDeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].data, "bad");
  EXPECT_EQ((*dead)[0].sink, "s");
  EXPECT_EQ((*dead)[0].reason, "ValidationException: too big");
}

TEST_F(SqliteSpoolTest, RecordsGoToDeadLettersAfterMaxAttempts) {
  options_.max_attempts = 3;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "flaky")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  for (int i = 0; i < 3; ++i) {
    auto batch = spool->Lease("s", 10, 1 << 20);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->size(), 1u) << "attempt " << i;
    ASSERT_TRUE(spool->Nack(Ids(*batch)).ok());
  }
  EXPECT_TRUE(spool->Lease("s", 10, 1 << 20)->empty());
  ASSERT_TRUE(spool->Commit().ok());
  auto dead = spool->ListDeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].reason, "gave up after 3 attempts");
}

TEST_F(SqliteSpoolTest, DeadLetterTableIsBounded) {
  options_.max_dead_letters = 2;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2"), Rec("s", "3")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto batch = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(spool->DeadLetter(Ids(*batch), "fatal").ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto dead = spool->ListDeadLetters(10);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(testing::DeadData(*dead), (std::vector<std::string>{"3", "2"}));
  EXPECT_EQ(spool->stats().dead_letters, 2u);
}

TEST_F(SqliteSpoolTest, CheckpointCommitsWithItsRecords) {
  options_.commit_records = 1000;
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "line1")}, {{"app.log", "inode=7 offset=6"}}).ok());
    auto pending = spool->GetCheckpoint("app.log");
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->value_or(""), "inode=7 offset=6");
    ASSERT_TRUE(spool->Commit().ok());
    ASSERT_TRUE(spool->Append({Rec("s", "line2")}, {{"app.log", "inode=7 offset=12"}}).ok());
    ASSERT_TRUE(spool->Commit().ok());
  }
  auto spool = OpenSpool();
  auto checkpoint = spool->GetCheckpoint("app.log");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->value_or(""), "inode=7 offset=12");
  auto missing = spool->GetCheckpoint("other");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"line1", "line2"}));
}

TEST_F(SqliteSpoolTest, IdsAreNeverReusedAfterTheSpoolEmpties) {
  int64_t last_id = 0;
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2")}).ok());
    ASSERT_TRUE(spool->Commit().ok());
    auto batch = spool->Lease("s", 10, 1 << 20);
    last_id = batch->back().id;
    ASSERT_TRUE(spool->Ack(Ids(*batch)).ok());
  }
  auto spool = OpenSpool();
  EXPECT_EQ(spool->stats().records, 0u);
  ASSERT_TRUE(spool->Append({Rec("s", "3")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto batch = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_GT((*batch)[0].id, last_id);
}

TEST_F(SqliteSpoolTest, StatsCountRecordsBytesAndOldestPerSink) {
  auto spool = OpenSpool();
  SpoolRecord old_record = Rec("s", "old");
  old_record.created_ms = 1000;
  ASSERT_TRUE(spool->Append({old_record, Rec("s", "new"), Rec("t", "oth")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.records, 3u);
  uint64_t per_record = SqliteSpool::kRecordOverheadBytes + 2 /* "pk" */ + 3;
  EXPECT_EQ(stats.bytes, 3 * per_record);
  ASSERT_EQ(stats.sinks.size(), 2u);
  EXPECT_EQ(stats.sinks[0].sink, "s");
  EXPECT_EQ(stats.sinks[0].records, 2u);
  EXPECT_EQ(stats.sinks[0].oldest_created_ms.value_or(0), 1000);
  // Acking the oldest moves the age forward.
  auto batch = spool->Lease("s", 1, 1 << 20);
  ASSERT_TRUE(spool->Ack(Ids(*batch)).ok());
  EXPECT_EQ(spool->stats().sinks[0].oldest_created_ms.value_or(0),
            ToUnixMillis(clock_.WallNow()));
  spool.reset();
  spool = OpenSpool();  // counts are rebuilt from the file
  stats = spool->stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.bytes, 2 * per_record);
}

TEST_F(SqliteSpoolTest, CommitThatRemovesEveryStoredRecordKeepsTheNewOnesAndDeadLetters) {
  options_.commit_records = 1000;  // commit only when told
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "a"), Rec("s", "b"), Rec("t", "c")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto s_batch = spool->Lease("s", 10, 1 << 20);
  auto t_batch = spool->Lease("t", 10, 1 << 20);
  ASSERT_EQ(s_batch->size(), 2u);
  ASSERT_EQ(t_batch->size(), 1u);
  // Every stored record leaves in one commit that also adds new ones.
  ASSERT_TRUE(spool->Ack(Ids(*s_batch)).ok());
  ASSERT_TRUE(spool->DeadLetter(Ids(*t_batch), "rejected").ok());
  ASSERT_TRUE(spool->Append({Rec("s", "d"), Rec("t", "e")}).ok());
  ASSERT_TRUE(spool->Commit().ok());

  spool.reset();
  spool = OpenSpool();  // what the file holds
  EXPECT_EQ(spool->stats().records, 2u);
  EXPECT_EQ(Drain(*spool, "s"), std::vector<std::string>{"d"});
  EXPECT_EQ(Drain(*spool, "t"), std::vector<std::string>{"e"});
  auto dead = spool->ListDeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].data, "c");
  // Ids still only grow after the table was emptied.
  ASSERT_TRUE(spool->Commit().ok());
  ASSERT_TRUE(spool->Append({Rec("s", "f")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto next = spool->Lease("s", 10, 1 << 20);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_GT((*next)[0].id, Ids(*s_batch).back());
}

TEST_F(SqliteSpoolTest, ExplicitHashKeyRoundTrips) {
  auto spool = OpenSpool();
  SpoolRecord record = Rec("s", "d");
  record.explicit_hash_key = "170141183460469231731687303715884105728";
  ASSERT_TRUE(spool->Append({record, Rec("s", "")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto batch = spool->Lease("s", 10, 1 << 20);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].explicit_hash_key, record.explicit_hash_key);
  EXPECT_EQ((*batch)[1].explicit_hash_key, "");
  EXPECT_EQ((*batch)[1].data, "");
}

TEST_F(SqliteSpoolTest, RejectsRecordsWithoutSinkOrLargerThanTheSpool) {
  options_.max_bytes = 1000;
  auto spool = OpenSpool();
  auto no_sink = spool->Append({Rec("", "x")});
  EXPECT_EQ(no_sink.status().code(), StatusCode::kInvalidArgument);
  auto huge = spool->Append({Rec("s", std::string(2000, 'x'))});
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(huge.status().message().find(options_.path), std::string::npos);
}

TEST_F(SqliteSpoolTest, LateAckOfAnExpiredLeaseStillDeletes) {
  options_.lease_timeout = std::chrono::seconds(10);
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "slow")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto first = spool->Lease("s", 10, 1 << 20);
  clock_.Advance(std::chrono::seconds(11));
  ASSERT_TRUE(spool->MaybeCommit().ok());  // expires the lease
  ASSERT_TRUE(spool->Ack(Ids(*first)).ok());
  EXPECT_TRUE(spool->Lease("s", 10, 1 << 20)->empty());
  EXPECT_EQ(spool->stats().records, 0u);
}

TEST_F(SqliteSpoolTest, StalledSinkDoesNotHoldUpAnother) {
  auto spool = OpenSpool();
  std::vector<SpoolRecord> backlog;
  for (int i = 0; i < 500; ++i) backlog.push_back(Rec("stalled", "x"));
  ASSERT_TRUE(spool->Append(std::move(backlog)).ok());
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(spool->Append({Rec("live", std::to_string(round))}).ok());
    ASSERT_TRUE(spool->Commit().ok());
    EXPECT_EQ(Drain(*spool, "live"), std::vector<std::string>{std::to_string(round)});
  }
  EXPECT_EQ(spool->stats().records, 500u);
}

TEST(SpoolParseTest, ParsesConfigWordsAndNamesTheChoices) {
  EXPECT_EQ(*ParseWhenFull("block"), WhenFull::kBlock);
  EXPECT_EQ(*ParseWhenFull("drop_oldest"), WhenFull::kDropOldest);
  EXPECT_EQ(*ParseSpoolSync("normal"), SpoolSync::kNormal);
  EXPECT_EQ(*ParseSpoolSync("full"), SpoolSync::kFull);
  auto bad = ParseWhenFull("drop_newest");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("block, drop_oldest"), std::string::npos);
  EXPECT_FALSE(ParseSpoolSync("off").ok());
}

}  // namespace
}  // namespace kedge::kpl
