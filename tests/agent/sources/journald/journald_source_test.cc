// The journald source: its logic on a fake JournalReader (filters, positions, rewinding), and,
// when kedge is built with libsystemd and systemd-journal-remote is installed, on a real
// journal file written at test time from the journal export format.
#include "agent/sources/journald/journald_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/agent/sources/recording_sink.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

using testing::RecordingSink;

// Entries c1..cN in memory; honours matches the sd-journal way for the fields it is given.
class FakeJournal : public JournalReader {
 public:
  explicit FakeJournal(std::vector<JournalEntry> entries) : entries_(std::move(entries)) {}
  Status AddMatch(const std::string& match) override {
    matches.push_back(match);
    return Status::Ok();
  }
  Status SeekAfterCursor(const std::string& cursor) override {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].cursor == cursor) {
        pos_ = i + 1;
        return Status::Ok();
      }
    }
    return NotFoundError("no such cursor");
  }
  Status SeekHead() override {
    pos_ = 0;
    ++seeks;
    return Status::Ok();
  }
  Status SeekTail() override {
    pos_ = entries_.size();
    ++seeks;
    return Status::Ok();
  }
  StatusOr<bool> Next(JournalEntry* entry) override {
    if (pos_ >= entries_.size()) return false;
    *entry = entries_[pos_++];
    return true;
  }
  void Append(JournalEntry e) { entries_.push_back(std::move(e)); }

  std::vector<std::string> matches;
  int seeks = 0;

 private:
  std::vector<JournalEntry> entries_;
  size_t pos_ = 0;
};

JournalEntry Entry(int i, const std::string& unit = "app.service") {
  JournalEntry e;
  e.cursor = "c" + std::to_string(i);
  e.realtime_us = 1767225600000000ull + static_cast<uint64_t>(i) * 1000;
  e.fields = {{"MESSAGE", "line " + std::to_string(i)}, {"PRIORITY", "6"},
              {"_SYSTEMD_UNIT", unit}, {"_PID", "42"}, {"SYSLOG_IDENTIFIER", "app"}};
  return e;
}

SourceConfig JournaldConfig() {
  SourceConfig c;
  c.name = "journal";
  c.type = SourceType::kJournald;
  c.start_position = StartPosition::kBeginning;
  return c;
}

class JournaldSourceTest : public ::testing::Test {
 protected:
  RecordingSink sink_;
  MetricsRegistry metrics_;
};

TEST_F(JournaldSourceTest, EntryBecomesJsonWithNumbersAsNumbers) {
  SourceRecord r = JournaldSource::ToRecord(Entry(3));
  json j = json::parse(r.data);
  EXPECT_EQ(j["message"], "line 3");
  EXPECT_EQ(j["priority"], 6);
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["unit"], "app.service");
  EXPECT_EQ(j["identifier"], "app");
  EXPECT_EQ(j["ts"], 1767225600003);
  EXPECT_FALSE(j.contains("hostname"));
  EXPECT_EQ(r.origin, "app.service");
  EXPECT_EQ(r.timestamp_ms, 1767225600003);
}

TEST_F(JournaldSourceTest, UnitsAndMatchesBecomeJournalMatches) {
  SourceConfig c = JournaldConfig();
  c.journald.units = {"a.service", "b.service"};
  c.journald.matches = {"PRIORITY=3"};
  auto reader = std::make_unique<FakeJournal>(std::vector<JournalEntry>{});
  FakeJournal* fake = reader.get();
  JournaldSource source(c, std::move(reader), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  EXPECT_EQ(fake->matches, (std::vector<std::string>{"_SYSTEMD_UNIT=a.service",
                                                     "_SYSTEMD_UNIT=b.service", "PRIORITY=3"}));
}

TEST_F(JournaldSourceTest, BatchCarriesTheCursorOfItsLastEntryAndResumesAfterIt) {
  std::vector<JournalEntry> entries;
  for (int i = 1; i <= 5; ++i) entries.push_back(Entry(i));
  JournaldSource first(JournaldConfig(), std::make_unique<FakeJournal>(entries), sink_, metrics_);
  ASSERT_TRUE(first.Start({}).ok());
  EXPECT_EQ(first.Poll().records, 5u);
  ASSERT_EQ(sink_.checkpoints.size(), 1u);
  EXPECT_EQ(sink_.checkpoints[0].key, "cursor");
  EXPECT_EQ(sink_.checkpoints[0].blob, "c5");

  entries.push_back(Entry(6));
  RecordingSink later;
  JournaldSource second(JournaldConfig(), std::make_unique<FakeJournal>(entries), later, metrics_);
  ASSERT_TRUE(second.Start({{"cursor", "c5"}}).ok());
  EXPECT_EQ(second.Poll().records, 1u);
  EXPECT_EQ(json::parse(later.records[0].data)["message"], "line 6");
}

TEST_F(JournaldSourceTest, RefusedBatchIsReadAgainFromTheLastAcceptedCursor) {
  std::vector<JournalEntry> entries = {Entry(1), Entry(2)};
  auto reader = std::make_unique<FakeJournal>(entries);
  FakeJournal* fake = reader.get();
  JournaldSource source(JournaldConfig(), std::move(reader), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  EXPECT_EQ(source.Poll().records, 2u);
  fake->Append(Entry(3));
  fake->Append(Entry(4));
  sink_.refuse = 1;
  EXPECT_EQ(source.Poll().records, 0u);
  EXPECT_EQ(source.Poll().records, 2u);
  ASSERT_EQ(sink_.records.size(), 4u);
  EXPECT_EQ(json::parse(sink_.records[2].data)["message"], "line 3");
  EXPECT_EQ(sink_.checkpoints.back().blob, "c4");
}

TEST_F(JournaldSourceTest, WithoutCursorStartsAtTheTailByDefault) {
  SourceConfig c = JournaldConfig();
  c.start_position = StartPosition::kEnd;
  auto reader = std::make_unique<FakeJournal>(std::vector<JournalEntry>{Entry(1), Entry(2)});
  FakeJournal* fake = reader.get();
  JournaldSource source(c, std::move(reader), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  EXPECT_EQ(source.Poll().records, 0u);
  fake->Append(Entry(3));
  EXPECT_EQ(source.Poll().records, 1u);
  EXPECT_EQ(json::parse(sink_.records[0].data)["message"], "line 3");
}

TEST_F(JournaldSourceTest, CursorRotatedAwayResumesAtTheOldestEntryLeftNotTheTail) {
  SourceConfig c = JournaldConfig();
  c.start_position = StartPosition::kEnd;
  // The fake, like sd-journal, leaves a missing cursor's reader before the closest entry.
  JournaldSource source(c, std::make_unique<FakeJournal>(
                                std::vector<JournalEntry>{Entry(7), Entry(8)}),
                        sink_, metrics_);
  ASSERT_TRUE(source.Start({{"cursor", "rotated-away"}}).ok());
  EXPECT_EQ(source.Poll().records, 2u);  // at-least-once: nothing still in the journal skipped
}

TEST_F(JournaldSourceTest, PausedSourceReadsNothing) {
  JournaldSource source(JournaldConfig(), std::make_unique<FakeJournal>(
                                              std::vector<JournalEntry>{Entry(1)}),
                        sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  source.Pause();
  EXPECT_EQ(source.Poll().records, 0u);
  source.Resume();
  EXPECT_EQ(source.Poll().records, 1u);
}

#ifdef KEDGE_WITH_JOURNALD
// Writes entries in the journal export format through systemd-journal-remote into dir.
bool WriteJournal(const std::string& dir, const std::string& export_text) {
  const char* tool = "/lib/systemd/systemd-journal-remote";
  if (::access(tool, X_OK) != 0) return false;
  std::string cmd = std::string(tool) + " --output='" + dir + "/test.journal' - 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "w");
  if (p == nullptr) return false;
  std::fwrite(export_text.data(), 1, export_text.size(), p);
  return ::pclose(p) == 0;
}

std::string ExportEntry(int i, const std::string& unit) {
  return "__REALTIME_TIMESTAMP=" + std::to_string(1767225600000000ull + i * 1000000ull) +
         "\n__MONOTONIC_TIMESTAMP=" + std::to_string(1000 + i) +
         "\n_BOOT_ID=0123456789abcdef0123456789abcdef\nMESSAGE=entry " + std::to_string(i) +
         "\nPRIORITY=" + std::to_string(i % 8) + "\n_SYSTEMD_UNIT=" + unit + "\n_PID=7\n\n";
}

TEST_F(JournaldSourceTest, ReadsARealJournalFileWithUnitFilterAndResumesFromTheCursor) {
  std::string dir = testing::MakeTempDir("kedge-journal");
  std::string text;
  for (int i = 0; i < 10; ++i) text += ExportEntry(i, i % 2 == 0 ? "app.service" : "other.service");
  if (!WriteJournal(dir, text)) {
    GTEST_SKIP() << "systemd-journal-remote is not installed (Debian: systemd-journal-remote)";
  }
  SourceConfig c = JournaldConfig();
  c.journald.directory = dir;
  c.journald.units = {"app.service"};
  StatusOr<std::unique_ptr<JournalReader>> reader = OpenSystemJournal(dir);
  if (!reader.ok() && reader.status().message().find("lacks a system call") != std::string::npos) {
    GTEST_SKIP() << reader.status().ToString();  // qemu-user, for the cross-built tests
  }
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  JournaldSource source(c, std::move(*reader), sink_, metrics_);
  ASSERT_TRUE(source.Start({}).ok());
  EXPECT_EQ(source.Poll().records, 5u);
  ASSERT_EQ(sink_.records.size(), 5u);
  EXPECT_EQ(json::parse(sink_.records[0].data)["message"], "entry 0");
  EXPECT_EQ(json::parse(sink_.records[4].data)["message"], "entry 8");
  EXPECT_EQ(sink_.records[4].timestamp_ms, 1767225608000);

  // Restart from the cursor of the third app entry ("entry 4"): only 6 and 8 remain.
  ASSERT_EQ(sink_.checkpoints.size(), 1u);
  std::string cursor_of_4;
  {
    auto r = OpenSystemJournal(dir);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE((*r)->AddMatch("_SYSTEMD_UNIT=app.service").ok());
    ASSERT_TRUE((*r)->SeekHead().ok());
    JournalEntry e;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(*(*r)->Next(&e));
    cursor_of_4 = e.cursor;
    EXPECT_EQ(e.fields["MESSAGE"], "entry 4");
  }
  RecordingSink rest;
  auto r2 = OpenSystemJournal(dir);
  ASSERT_TRUE(r2.ok());
  JournaldSource resumed(c, std::move(*r2), rest, metrics_);
  ASSERT_TRUE(resumed.Start({{"cursor", cursor_of_4}}).ok());
  EXPECT_EQ(resumed.Poll().records, 2u);
  ASSERT_EQ(rest.records.size(), 2u);
  EXPECT_EQ(json::parse(rest.records[0].data)["message"], "entry 6");
  EXPECT_EQ(rest.checkpoints.back().blob, sink_.checkpoints[0].blob);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_F(JournaldSourceTest, MissingJournalDirectoryIsAClearError) {
  StatusOr<std::unique_ptr<JournalReader>> reader = OpenSystemJournal("/no/such/journal/dir");
  // sd_journal_open_directory fails on a missing directory.
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("/no/such/journal/dir"), std::string::npos);
}
#endif

}  // namespace
}  // namespace kedge::agent
