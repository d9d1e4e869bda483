#include "agent/sources/file/file_tail_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "agent/sources/file/inotify_wakeup.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

namespace fs = std::filesystem;

// Stands in for the spool: keeps records and applies checkpoints as one transaction would.
class SpoolLikeSink : public RecordSink {
 public:
  Status Accept(RecordBatch batch) override {
    if (refuse) return ResourceExhaustedError("spool full");
    ++batches;
    for (SourceRecord& r : batch.records) records.push_back(std::move(r.data));
    for (const Checkpoint& c : batch.checkpoints) {
      if (c.blob.empty())
        checkpoints.erase(c.key);
      else
        checkpoints[c.key] = c.blob;
    }
    return Status::Ok();
  }
  std::vector<Checkpoint> Saved() const {
    std::vector<Checkpoint> out;
    for (const auto& [k, v] : checkpoints) out.push_back({k, v});
    return out;
  }
  std::vector<std::string> records;
  std::map<std::string, std::string> checkpoints;
  int batches = 0;
  bool refuse = false;
};

std::vector<std::string> Lines(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

class FileTailSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("kedge-tail");
    config_.name = "app";
    config_.type = SourceType::kFile;
    config_.sink = "logs";
    config_.path = dir_ + "/app.log*";
    config_.flush_timeout = Millis(1000);
    config_.rotate_wait = Millis(2000);
    config_.poll_interval = Millis(100);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& name) const { return dir_ + "/" + name; }
  void Append(const std::string& name, const std::string& text) {
    std::ofstream(P(name), std::ios::app | std::ios::binary) << text;
  }
  void AppendLines(const std::string& name, const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    Append(name, text);
  }
  std::unique_ptr<FileTailSource> StartSource() {
    auto source =
        std::make_unique<FileTailSource>(config_, FileSystem::Default(), clock_, sink_, metrics_);
    EXPECT_TRUE(source->Start(sink_.Saved()).ok());
    return source;
  }
  // Polls as the input loop would: again at once while there is more, then after an interval.
  void Drain(FileTailSource& source) {
    for (int i = 0; i < 1000; ++i) {
      clock_.Advance(Millis(100));
      if (!source.Poll().more) return;
    }
    FAIL() << "the source never became idle";
  }
  uint64_t CounterValue(const std::string& name) {
    return metrics_.GetCounter(name, "", {{"source", "app"}}).value();
  }

  std::string dir_;
  SourceConfig config_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  SpoolLikeSink sink_;
};

TEST_F(FileTailSourceTest, ReadsExistingAndAppendedLines) {
  AppendLines("app.log", Lines("a", 0, 3));
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log", Lines("a", 3, 5));
  Drain(*source);
  EXPECT_EQ(sink_.records, Lines("a", 0, 5));
  EXPECT_EQ(CounterValue("kedge_source_records_total"), 5u);
  ASSERT_EQ(sink_.checkpoints.size(), 1u);
  EXPECT_EQ(FileCheckpoint::Parse(sink_.checkpoints.begin()->second)->offset, 15u);
}

TEST_F(FileTailSourceTest, PartialLineWaitsForNewlineThenFlushesAfterTimeout) {
  Append("app.log", "complete\npart");
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"complete"}));
  Append("app.log", "ial\nlast without newline");
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"complete", "partial"}));
  clock_.Advance(Millis(1000));
  source->Poll();
  EXPECT_EQ(sink_.records.back(), "last without newline");
  EXPECT_EQ(CounterValue("kedge_source_partial_flushes_total"), 1u);
}

TEST_F(FileTailSourceTest, PicksUpNewFilesMatchingTheGlob) {
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log.extra", {"new file line"});
  AppendLines("other.log", {"not matched"});
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"new file line"}));
}

TEST_F(FileTailSourceTest, RenameRotationReadsTheRenamedFileToItsEnd) {
  config_.path = P("app.log");  // the rotated name is outside the glob
  AppendLines("app.log", Lines("old", 0, 10));
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log", Lines("old", 10, 15));  // written before rotation, not yet read
  fs::rename(P("app.log"), P("app.log.1"));
  AppendLines("app.log.1", Lines("old", 15, 17));  // the writer still has the old file open
  AppendLines("app.log", Lines("new", 0, 5));
  Drain(*source);
  std::vector<std::string> want = Lines("old", 0, 17);
  for (auto& l : Lines("new", 0, 5)) want.push_back(l);
  std::sort(want.begin(), want.end());
  std::vector<std::string> got = sink_.records;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(CounterValue("kedge_file_rotations_total"), 1u);
  EXPECT_EQ(sink_.checkpoints.size(), 2u);
  clock_.Advance(Millis(2000));
  Drain(*source);
  EXPECT_EQ(sink_.checkpoints.size(), 1u) << "the finished old file's checkpoint is forgotten";
  EXPECT_EQ(source->FileOffsets().count(P("app.log")), 1u);
}

TEST_F(FileTailSourceTest, RenameWithinTheGlobDoesNotReadTwice) {
  AppendLines("app.log", Lines("x", 0, 50));
  auto source = StartSource();
  Drain(*source);
  fs::rename(P("app.log"), P("app.log.1"));
  AppendLines("app.log", Lines("y", 0, 2));
  Drain(*source);
  std::vector<std::string> want = Lines("x", 0, 50);
  want.push_back("y0");
  want.push_back("y1");
  EXPECT_EQ(sink_.records, want);
}

TEST_F(FileTailSourceTest, CopyTruncateRotationLosesAndRepeatsNothing) {
  AppendLines("app.log", Lines("line-with-some-padding-to-pass-the-fingerprint-", 0, 20));
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log", Lines("unread-", 0, 3));  // written, then copied before we read it
  fs::copy_file(P("app.log"), P("app.log.1"));
  fs::resize_file(P("app.log"), 0);
  AppendLines("app.log", Lines("after-", 0, 4));
  Drain(*source);
  std::vector<std::string> want = Lines("line-with-some-padding-to-pass-the-fingerprint-", 0, 20);
  for (auto& l : Lines("unread-", 0, 3)) want.push_back(l);
  for (auto& l : Lines("after-", 0, 4)) want.push_back(l);
  std::vector<std::string> got = sink_.records;
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(CounterValue("kedge_file_copies_detected_total"), 1u);
  EXPECT_EQ(CounterValue("kedge_file_truncations_total"), 1u);
}

TEST_F(FileTailSourceTest, FilesSharingALongHeaderAreNotMistakenForCopies) {
  std::string header = "# " + std::string(300, 'h') + "\n";
  Append("app.log", header);
  AppendLines("app.log", Lines("first-file-", 0, 5));
  auto source = StartSource();
  Drain(*source);
  Append("app.log.2", header);
  AppendLines("app.log.2", Lines("second-file-", 0, 5));
  Drain(*source);
  std::vector<std::string> want = {header.substr(0, header.size() - 1)};
  for (auto& l : Lines("first-file-", 0, 5)) want.push_back(l);
  want.push_back(header.substr(0, header.size() - 1));
  for (auto& l : Lines("second-file-", 0, 5)) want.push_back(l);
  EXPECT_EQ(sink_.records, want);
  EXPECT_EQ(CounterValue("kedge_file_copies_detected_total"), 0u);
}

TEST_F(FileTailSourceTest, CopySeenAfterTheTruncationIsStillRecognised) {
  config_.poll_interval = Millis(60000);  // the truncation is noticed long before the next scan
  AppendLines("app.log", Lines("line-with-some-padding-to-pass-the-fingerprint-", 0, 20));
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log", Lines("unread-", 0, 3));
  fs::copy_file(P("app.log"), P("app.log.1"));
  fs::resize_file(P("app.log"), 0);
  AppendLines("app.log", Lines("after-", 0, 2));
  Drain(*source);
  clock_.Advance(Millis(60000));
  Drain(*source);
  std::vector<std::string> want = Lines("line-with-some-padding-to-pass-the-fingerprint-", 0, 20);
  for (auto& l : Lines("after-", 0, 2)) want.push_back(l);
  for (auto& l : Lines("unread-", 0, 3)) want.push_back(l);
  EXPECT_EQ(sink_.records, want);
  EXPECT_EQ(CounterValue("kedge_file_copies_detected_total"), 1u);
}

TEST_F(FileTailSourceTest, TruncatedFileIsReadAgainFromTheStart) {
  config_.path = P("app.log");
  AppendLines("app.log", Lines("before", 0, 5));
  auto source = StartSource();
  Drain(*source);
  fs::resize_file(P("app.log"), 0);
  Drain(*source);
  AppendLines("app.log", {"after"});
  Drain(*source);
  EXPECT_EQ(sink_.records.back(), "after");
  EXPECT_EQ(sink_.records.size(), 6u);
}

TEST_F(FileTailSourceTest, TruncatedAndRefilledBetweenPollsIsDetectedByFingerprint) {
  config_.path = P("app.log");
  AppendLines("app.log", {"first version line one", "first version line two"});
  auto source = StartSource();
  Drain(*source);
  std::ofstream(P("app.log"), std::ios::trunc)
      << "SECOND version, much longer than the first one was\nz\n";
  Drain(*source);
  EXPECT_EQ(sink_.records,
            (std::vector<std::string>{"first version line one", "first version line two",
                                      "SECOND version, much longer than the first one was", "z"}));
}

TEST_F(FileTailSourceTest, DeletedFileIsReadToItsEndThenForgotten) {
  AppendLines("app.log", {"a"});
  auto source = StartSource();
  Drain(*source);
  AppendLines("app.log", {"b"});
  fs::remove(P("app.log"));
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"a", "b"}));
  clock_.Advance(Millis(2000));
  Drain(*source);
  EXPECT_TRUE(sink_.checkpoints.empty());
  EXPECT_TRUE(source->FileOffsets().empty());
}

TEST_F(FileTailSourceTest, ResumesFromTheCheckpointAfterARestart) {
  AppendLines("app.log", Lines("r", 0, 10));
  {
    auto source = StartSource();
    Drain(*source);
  }
  AppendLines("app.log", Lines("r", 10, 15));  // grew while kedge was down
  AppendLines("app.log.new", {"born while down"});
  auto source = StartSource();
  Drain(*source);
  // In order within each file; the two files' records have no order between them.
  std::vector<std::string> from_app;
  int born = 0;
  for (const std::string& r : sink_.records) {
    if (r == "born while down") {
      ++born;
    } else {
      from_app.push_back(r);
    }
  }
  EXPECT_EQ(from_app, Lines("r", 0, 15));
  EXPECT_EQ(born, 1);
}

TEST_F(FileTailSourceTest, FileRenamedWhileDownIsReadToItsEnd) {
  config_.path = P("app.log");
  AppendLines("app.log", Lines("k", 0, 5));
  {
    auto source = StartSource();
    Drain(*source);
  }
  AppendLines("app.log", Lines("k", 5, 7));
  fs::rename(P("app.log"), P("app.log.1"));
  AppendLines("app.log", {"fresh"});
  auto source = StartSource();
  Drain(*source);
  std::vector<std::string> want = Lines("k", 0, 7);
  want.push_back("fresh");
  std::vector<std::string> got = sink_.records;
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
}

TEST_F(FileTailSourceTest, ReusedInodeWithOtherContentIsReadFromZero) {
  AppendLines("app.log", {"new content entirely"});
  FileInfo info = *FileSystem::Default().Stat(P("app.log"));
  FileCheckpoint stale{info.device, info.inode, {12, 42}, 15, P("app.log")};
  sink_.checkpoints[stale.Key()] = stale.Serialize();
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"new content entirely"}));
}

TEST_F(FileTailSourceTest, StartPositionEndSkipsOldContentOnTheFirstStartOnly) {
  config_.start_position = StartPosition::kEnd;
  AppendLines("app.log", {"history"});
  {
    auto source = StartSource();
    Drain(*source);
    AppendLines("app.log", {"live"});
    Drain(*source);
  }
  AppendLines("app.log.2", {"appeared while down"});
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"live", "appeared while down"}));
}

TEST_F(FileTailSourceTest, OverLongLinesAreCutAndCounted) {
  config_.max_line_bytes = 100;
  Append("app.log", std::string(5000, 'x') + "\nshort\n");
  auto source = StartSource();
  Drain(*source);
  ASSERT_EQ(sink_.records.size(), 2u);
  EXPECT_EQ(sink_.records[0], std::string(100, 'x'));
  EXPECT_EQ(CounterValue("kedge_source_truncated_records_total"), 1u);
}

TEST_F(FileTailSourceTest, InvalidUtf8IsReplacedByDefaultAndDroppedOnRequest) {
  Append("app.log", "bad \xFF byte\ngood\n");
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"bad \xEF\xBF\xBD byte", "good"}));
  EXPECT_EQ(CounterValue("kedge_source_invalid_utf8_records_total"), 1u);

  config_.invalid_utf8 = InvalidUtf8::kDrop;
  config_.path = P("drop.log");
  sink_ = SpoolLikeSink();
  Append("drop.log", "bad \xFF byte\ngood\n");
  auto dropping = StartSource();
  Drain(*dropping);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"good"}));
}

TEST_F(FileTailSourceTest, MultiLineRecordsAreJoinedAndTheLastFlushedAfterTimeout) {
  config_.multiline_start_pattern = "^\\[";
  Append("app.log", "[1] boom\n  at a\n  at b\n[2] ok\n");
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"[1] boom\n  at a\n  at b"}));
  clock_.Advance(Millis(1000));
  source->Poll();
  EXPECT_EQ(sink_.records.back(), "[2] ok");
}

TEST_F(FileTailSourceTest, RestartInsideAMultiLineRecordReadsItWhole) {
  config_.multiline_start_pattern = "^\\[";
  Append("app.log", "[1] one\n[2] two\n  more of two\n");
  {
    auto source = StartSource();
    Drain(*source);  // [2] is pending: its lines are not covered by the checkpoint
  }
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"[1] one"}));
  Append("app.log", "  end of two\n[3] three\n");
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records,
            (std::vector<std::string>{"[1] one", "[2] two\n  more of two\n  end of two"}));
}

TEST_F(FileTailSourceTest, RestartInsideAnOverLongLineCutsItTheSameWay) {
  config_.max_line_bytes = 10;
  Append("app.log", "ok\n" + std::string(50, 'L'));
  {
    auto source = StartSource();
    Drain(*source);
  }
  Append("app.log", std::string(50, 'L') + "\nnext\n");
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"ok", std::string(10, 'L'), "next"}));
}

TEST_F(FileTailSourceTest, RefusedBatchIsOfferedAgain) {
  AppendLines("app.log", {"a", "b"});
  auto source = StartSource();
  sink_.refuse = true;
  Drain(*source);
  EXPECT_TRUE(sink_.records.empty());
  EXPECT_EQ(CounterValue("kedge_source_sink_refusals_total"), 1u);
  sink_.refuse = false;
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"a", "b"}));
}

TEST_F(FileTailSourceTest, PausedSourceReadsNothingUntilResumed) {
  AppendLines("app.log", {"a"});
  auto source = StartSource();
  source->Pause();
  Drain(*source);
  EXPECT_TRUE(sink_.records.empty());
  source->Resume();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"a"}));
}

TEST_F(FileTailSourceTest, CompressedAndExcludedFilesAreSkipped) {
  config_.exclude = {"*.old"};
  AppendLines("app.log.1.gz", {"compressed"});
  AppendLines("app.log.old", {"excluded"});
  AppendLines("app.log", {"kept"});
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"kept"}));
}

TEST_F(FileTailSourceTest, LargeBacklogIsReadInBoundedSteps) {
  std::string line(99, 'q');
  std::string text;
  for (int i = 0; i < 30000; ++i) text += line + "\n";  // 3 MB
  Append("app.log", text);
  auto source = StartSource();
  PollResult first = source->Poll();
  EXPECT_TRUE(first.more);
  EXPECT_LT(first.records, 30000u);
  Drain(*source);
  EXPECT_EQ(sink_.records.size(), 30000u);
}

TEST_F(FileTailSourceTest, HeaderLinesAreSkippedInEachNewFile) {
  config_.skip_header_lines = 1;
  AppendLines("app.log", {"id,name", "1,ann"});
  auto source = StartSource();
  Drain(*source);
  EXPECT_EQ(sink_.records, (std::vector<std::string>{"1,ann"}));
}

}  // namespace
}  // namespace kedge::agent

namespace kedge::agent {
namespace {

TEST_F(FileTailSourceTest, InotifyWakesUpOnAppendAndRotation) {
  AppendLines("app.log", {"a"});
  auto source = StartSource();
  Drain(*source);
  StatusOr<std::unique_ptr<InotifyWakeup>> wakeup = InotifyWakeup::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status().ToString();
  for (const std::string& dir : source->WatchDirs()) ASSERT_TRUE((*wakeup)->Watch(dir).ok());
  EXPECT_EQ(source->WatchDirs(), std::set<std::string>{dir_});
  EXPECT_FALSE((*wakeup)->Drain());
  AppendLines("app.log", {"b"});
  EXPECT_TRUE((*wakeup)->Drain()) << "the append is queued before write() returns";
  EXPECT_FALSE((*wakeup)->Drain());
  fs::rename(P("app.log"), P("app.log.1"));
  EXPECT_TRUE((*wakeup)->Drain());
}

}  // namespace
}  // namespace kedge::agent

namespace kedge::agent {
namespace {

// A spool of 1 MiB must never be offered a batch it cannot take even when empty: each Poll
// reads at most a quarter of it (rounded up to whole 64 KiB reads), then says there is more.
TEST_F(FileTailSourceTest, BatchesFitASmallSpool) {
  std::string line(99, 'x');
  std::string text;
  for (int i = 0; i < 20000; ++i) text += line + "\n";  // 2,000,000 bytes
  Append("app.log", text);
  auto source = StartSource();
  source->FitBatchesTo(1 << 20);
  size_t polls = 0;
  size_t largest = 0;
  for (bool more = true; more && polls < 100; ++polls) {
    size_t before = sink_.records.size();
    more = source->Poll().more;
    largest = std::max(largest, (sink_.records.size() - before) * 100);
  }
  EXPECT_EQ(sink_.records.size(), 20000u);
  EXPECT_LE(largest, (1u << 20) / 4 + FileTailSource::kReadChunkBytes);
  EXPECT_GE(polls, 2000000u / ((1u << 20) / 4 + FileTailSource::kReadChunkBytes));
}

}  // namespace
}  // namespace kedge::agent
