// Retention and the video disk cap.
#include "ingest/maintenance.h"

#include <gtest/gtest.h>

#include "ingest/kvs/put_media.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/support/test_util.h"

namespace kedge::ingest {
namespace {

class NullStream : public ResponseStream {
 public:
  void Write(std::string) override {}
  void Finish() override {}
  size_t queued_bytes() const override { return 0; }
};

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = kedge::testing::MakeTempDir("kedge-maintenance");
    db_ = std::move(Database::Open(dir_ + "/ingest.db")).value();
    kinesis_ = std::move(KinesisStore::Open(*db_, clock_)).value();
    kvs_ = std::move(KvsStore::Open(*db_, clock_)).value();
    files_ = std::make_unique<FragmentFiles>(dir_, Env::Default());
    firehose_ = std::make_unique<DeliveryWriter>(dir_ + "/firehose", 1 << 20, std::chrono::seconds(60),
                                                 clock_, Env::Default());
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  // Uploads `fragments` one-second fragments to a new stream with the retention given.
  void Upload(const std::string& name, int retention_hours, int fragments) {
    KvsStream stream;
    stream.name = name;
    stream.retention_hours = retention_hours;
    ASSERT_TRUE(kvs_->CreateStream(stream, "us-east-1", "000000000000", {}).ok());
    PutMediaService service(*kvs_, *files_, clock_);
    HttpRequest head;
    head.headers = {{"x-amzn-stream-name", name}};
    NullStream out;
    StreamStart start = service.Open(head, out);
    ASSERT_TRUE(start.handler);
    start.handler->OnBody(testing::MakeMkvStream(clock_, fragments, 25, 1000).All());
    start.handler->OnEnd(Status::Ok());
  }
  int64_t Count(const std::string& name) {
    FragmentQuery q;
    q.stream_id = kvs_->GetStream(name)->id;
    return static_cast<int64_t>(kvs_->ListFragments(q)->size());
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<KinesisStore> kinesis_;
  std::unique_ptr<KvsStore> kvs_;
  std::unique_ptr<FragmentFiles> files_;
  std::unique_ptr<DeliveryWriter> firehose_;
};

TEST_F(MaintenanceTest, DropsRecordsAndFragmentsPastTheirRetention) {
  ASSERT_TRUE(kinesis_->CreateStream("logs", 1, "PROVISIONED").ok());
  KdsStream logs = *kinesis_->GetStream("logs");
  ASSERT_TRUE(kinesis_->Put(logs, {{"old", "k", std::nullopt}}).ok());
  Upload("one-hour", 1, 2);
  Upload("live", 0, 2);
  Maintenance maintenance(*kinesis_, *kvs_, *files_, *firehose_, 0);

  clock_.Advance(std::chrono::minutes(10));  // past the 5 minutes kept for retention 0
  MaintenanceReport first = *maintenance.RunOnce();
  EXPECT_EQ(first.fragments_expired, 2);
  EXPECT_EQ(Count("live"), 0);
  EXPECT_EQ(Count("one-hour"), 2);
  EXPECT_EQ(first.records_trimmed, 0);

  clock_.Advance(std::chrono::hours(25));
  MaintenanceReport later = *maintenance.RunOnce();
  EXPECT_EQ(later.fragments_expired, 2);
  EXPECT_EQ(later.records_trimmed, 1);
  EXPECT_EQ(Count("one-hour"), 0);
  EXPECT_TRUE(kinesis_->Read(logs.id, 0, 0, 10, 1 << 20)->empty());
}

TEST_F(MaintenanceTest, EvictsTheOldestFragmentsOverTheDiskCap) {
  Upload("cam", 24, 6);
  int64_t total = *kvs_->TotalFragmentBytes();
  FragmentQuery q;
  q.stream_id = kvs_->GetStream("cam")->id;
  std::vector<KvsFragment> before = *kvs_->ListFragments(q);
  Maintenance maintenance(*kinesis_, *kvs_, *files_, *firehose_, static_cast<uint64_t>(total / 2));
  MaintenanceReport report = *maintenance.RunOnce();
  EXPECT_GE(report.fragments_evicted, 3);
  EXPECT_LE(*kvs_->TotalFragmentBytes(), total / 2);
  std::vector<KvsFragment> after = *kvs_->ListFragments(q);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back().number, before.back().number);  // the newest stays
  EXPECT_FALSE(files_->Read(before.front().path).ok());  // the oldest file is gone
}

}  // namespace
}  // namespace kedge::ingest
