// A full spool under each when_full policy.

#include <gtest/gtest.h>

#include "kpl/spool/sqlite_spool.h"
#include "tests/kpl/spool/spool_test_util.h"

namespace kedge::kpl {
namespace {

using testing::Data;
using testing::Ids;
using testing::Rec;

class SqliteSpoolFullTest : public testing::SpoolTestBase {
 protected:
  // Each record below costs exactly this much: 8 bytes of data, "pk", and the overhead.
  static constexpr uint64_t kRecordBytes = 8 + 2 + SqliteSpool::kRecordOverheadBytes;

  static SpoolRecord Numbered(const std::string& sink, int n) {
    char data[9];
    std::snprintf(data, sizeof data, "rec%05d", n);
    return Rec(sink, data);
  }
};

TEST_F(SqliteSpoolFullTest, BlockPolicyRefusesAppendsUntilAcksMakeRoom) {
  options_.max_bytes = 3 * kRecordBytes;
  options_.when_full = WhenFull::kBlock;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Numbered("s", 0), Numbered("s", 1), Numbered("s", 2)}).ok());
  ASSERT_TRUE(spool->Commit().ok());

  auto refused = spool->Append({Numbered("s", 3)});
  ASSERT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("spool full"), std::string::npos);
  EXPECT_NE(refused.status().message().find(options_.path), std::string::npos);
  EXPECT_TRUE(spool->stats().full);
  EXPECT_EQ(spool->stats().dropped, 0u);

  EXPECT_EQ(spool->FreeBytes(), 0u);
  auto batch = spool->Lease("s", 1, 1 << 20);
  ASSERT_TRUE(spool->Ack(Ids(*batch)).ok());
  EXPECT_EQ(spool->FreeBytes(), kRecordBytes);  // room for one: the source may resume
  ASSERT_TRUE(spool->Append({Numbered("s", 3)}).ok());
  EXPECT_FALSE(spool->stats().full);
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"rec00001", "rec00002", "rec00003"}));
}

TEST_F(SqliteSpoolFullTest, BlockPolicyRefusesTheWholeAppendAndItsCheckpoint) {
  options_.max_bytes = 2 * kRecordBytes;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Numbered("s", 0)}, {{"src", "1"}}).ok());
  auto refused = spool->Append({Numbered("s", 1), Numbered("s", 2)}, {{"src", "3"}});
  ASSERT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  auto checkpoint = spool->GetCheckpoint("src");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->value_or(""), "1");
  EXPECT_EQ(spool->stats().records, 1u);
}

TEST_F(SqliteSpoolFullTest, DropOldestDeletesOldestUnleasedRecordsAndCountsThemPerSink) {
  options_.max_bytes = 4 * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Numbered("a", 0), Numbered("b", 1), Numbered("a", 2),
                             Numbered("b", 3)})
                  .ok());
  ASSERT_TRUE(spool->Commit().ok());
  // rec00000 is in flight: it must survive; the next oldest (b's rec00001, then a's
  // rec00002) make room.
  auto in_flight = spool->Lease("a", 1, 1 << 20);
  ASSERT_EQ(Data(*in_flight), std::vector<std::string>{"rec00000"});

  ASSERT_TRUE(spool->Append({Numbered("a", 4), Numbered("a", 5)}).ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.dropped, 2u);
  EXPECT_EQ(stats.records, 4u);
  EXPECT_LE(stats.bytes, options_.max_bytes);
  ASSERT_EQ(stats.sinks.size(), 2u);
  EXPECT_EQ(stats.sinks[0].sink, "a");
  EXPECT_EQ(stats.sinks[0].dropped, 1u);
  EXPECT_EQ(stats.sinks[1].dropped, 1u);

  ASSERT_TRUE(spool->Ack(Ids(*in_flight)).ok());
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(Drain(*spool, "a"), (std::vector<std::string>{"rec00004", "rec00005"}));
  EXPECT_EQ(Drain(*spool, "b"), (std::vector<std::string>{"rec00003"}));
}

TEST_F(SqliteSpoolFullTest, DropOldestStepsOverRecordsAckedOutOfOrderButNotYetDeleted) {
  options_.max_bytes = 4 * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  options_.commit_records = 1000;  // the acks' deletes stay pending
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Numbered("s", 0), Numbered("s", 1), Numbered("s", 2),
                             Numbered("s", 3)})
                  .ok());
  ASSERT_TRUE(spool->Commit().ok());
  auto batch = spool->Lease("s", 2, 1 << 20);
  ASSERT_EQ(Data(*batch), (std::vector<std::string>{"rec00000", "rec00001"}));
  std::vector<int64_t> ids = Ids(*batch);
  ASSERT_TRUE(spool->Ack({ids[1], ids[0]}).ok());  // newest first

  // Four new records need the room of the two acked ones and of two more: rec00002 and
  // rec00003 are dropped; the acked ones are not dropped (or counted) a second time.
  ASSERT_TRUE(spool->Append({Numbered("s", 4), Numbered("s", 5), Numbered("s", 6),
                             Numbered("s", 7)})
                  .ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.dropped, 2u);
  EXPECT_EQ(stats.records, 4u);
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(Drain(*spool, "s"),
            (std::vector<std::string>{"rec00004", "rec00005", "rec00006", "rec00007"}));
}

TEST_F(SqliteSpoolFullTest, DropOldestCommitsPendingRecordsToDropThem) {
  options_.max_bytes = 2 * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  options_.commit_records = 1000;
  auto spool = OpenSpool();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(spool->Append({Numbered("s", i)}).ok()) << i;
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(spool->stats().dropped, 8u);
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"rec00008", "rec00009"}));
}

TEST_F(SqliteSpoolFullTest, DropOldestRefusesWhenEverythingIsInFlight) {
  options_.max_bytes = 2 * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Numbered("s", 0), Numbered("s", 1)}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  ASSERT_EQ(spool->Lease("s", 10, 1 << 20)->size(), 2u);
  auto refused = spool->Append({Numbered("s", 2)});
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(spool->stats().dropped, 0u);
}

TEST_F(SqliteSpoolFullTest, DropOldestLooksPastMoreThanOneScanBatchOfLeasedRecords) {
  // The victim scan reads 256 rows at a time; 300 leased records fill more than one batch.
  constexpr int kTotal = 400;
  constexpr int kLeased = 300;
  options_.max_bytes = kTotal * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  auto spool = OpenSpool();
  std::vector<SpoolRecord> records;
  for (int i = 0; i < kTotal; ++i) records.push_back(Numbered("s", i));
  ASSERT_TRUE(spool->Append(std::move(records)).ok());
  ASSERT_TRUE(spool->Commit().ok());
  std::vector<int64_t> in_flight;
  while (in_flight.size() < static_cast<size_t>(kLeased)) {
    auto batch = spool->Lease("s", kLeased - in_flight.size(), 1 << 20);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_FALSE(batch->empty());
    for (int64_t id : Ids(*batch)) in_flight.push_back(id);
  }

  auto appended = spool->Append({Numbered("s", kTotal), Numbered("s", kTotal + 1)});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(spool->stats().dropped, 2u);
  EXPECT_EQ(spool->stats().records, static_cast<uint64_t>(kTotal));
  EXPECT_FALSE(spool->stats().full);

  ASSERT_TRUE(spool->Ack(in_flight).ok());
  ASSERT_TRUE(spool->Commit().ok());
  std::vector<std::string> left = Drain(*spool, "s");
  ASSERT_EQ(left.size(), static_cast<size_t>(kTotal - kLeased));
  EXPECT_EQ(left.front(), "rec00302");  // rec00300 and rec00301 were the oldest unleased
  EXPECT_EQ(left.back(), "rec00401");
}

TEST_F(SqliteSpoolFullTest, DroppedRecordsStayDroppedAfterReopen) {
  options_.max_bytes = 2 * kRecordBytes;
  options_.when_full = WhenFull::kDropOldest;
  {
    auto spool = OpenSpool();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->Append({Numbered("s", i)}).ok());
  }
  auto spool = OpenSpool();
  EXPECT_EQ(spool->stats().records, 2u);
  EXPECT_EQ(Drain(*spool, "s"), (std::vector<std::string>{"rec00003", "rec00004"}));
}

}  // namespace
}  // namespace kedge::kpl
