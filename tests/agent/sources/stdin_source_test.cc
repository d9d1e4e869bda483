#include "agent/sources/stdin/stdin_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace kedge::agent {
namespace {

struct Collect : RecordSink {
  Status Accept(RecordBatch batch) override {
    if (refuse) return ResourceExhaustedError("full");
    for (auto& r : batch.records) records.push_back(r.data);
    return Status::Ok();
  }
  std::vector<std::string> records;
  bool refuse = false;
};

class StdinSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::pipe(fds_), 0);
    config_.name = "in";
    config_.type = SourceType::kStdin;
    config_.flush_timeout = Millis(1000);
    source_ = std::make_unique<StdinSource>(config_, fds_[0], clock_, sink_, metrics_);
    ASSERT_TRUE(source_->Start({}).ok());
  }
  void TearDown() override {
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  void Write(const std::string& text) {
    ASSERT_EQ(::write(fds_[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void CloseWriter() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
  int fds_[2] = {-1, -1};
  SourceConfig config_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  Collect sink_;
  std::unique_ptr<StdinSource> source_;
};

TEST_F(StdinSourceTest, ReadsLinesWithoutBlockingWhenNothingIsThere) {
  EXPECT_EQ(source_->Poll().records, 0u);
  Write("a\nb\npart");
  EXPECT_EQ(source_->Poll().records, 2u);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(source_->finished());
}

TEST_F(StdinSourceTest, LastLineIsFlushedAtEndOfInput) {
  Write("a\ntail");
  CloseWriter();
  source_->Poll();
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"a", "tail"}));
  EXPECT_TRUE(source_->finished());
}

TEST_F(StdinSourceTest, PartialLineIsFlushedAfterTheTimeout) {
  Write("waiting");
  source_->Poll();
  EXPECT_TRUE(sink_.records.empty());
  clock_.Advance(Millis(1000));
  source_->Poll();
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"waiting"}));
}

TEST_F(StdinSourceTest, RefusedBatchIsHeldAndOfferedAgain) {
  Write("x\ny\n");
  sink_.refuse = true;
  EXPECT_EQ(source_->Poll().records, 0u);
  Write("z\n");
  sink_.refuse = false;
  source_->Poll();
  source_->Poll();
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(metrics_.GetCounter("kedge_source_records_total", "", {{"source", "in"}}).value(), 3u);
}

}  // namespace
}  // namespace kedge::agent
