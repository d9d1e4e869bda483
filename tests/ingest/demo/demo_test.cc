// `kedge demo` end to end: the real kedge and kedge-ingest binaries, 20 seconds of application
// log, system metrics and (when GStreamer can) the test camera; its summary is checked and what
// it says arrived is read back from kedge-ingest's data directory (SQLite index and Firehose files).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/test_util.h"

namespace kedge {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int exit_code = -1;
  std::string output;
};

CommandRun RunCommand(const std::string& command) {
  CommandRun run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) run.output.append(buf, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Kedge() {
  const char* dir = std::getenv("KEDGE_BINARY_DIR");
  return std::string(dir ? dir : "build") + "/agent/kedge";
}

int64_t Query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

int64_t Number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? std::stoll(m[1]) : -1;
}

TEST(DemoTest, TwentySecondsOfDemoArriveInKedgeIngest) {
  std::string dir = testing::MakeTempDir("kedge-demo");
  CommandRun run = RunCommand(Kedge() + " demo --duration 20 --data-dir '" + dir + "' < /dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex("Console: http://127\\.0\\.0\\.1:\\d+/\n")))
      << run.output;
  EXPECT_NE(run.output.find("Everything the agent shipped arrived."), std::string::npos) << run.output;

  std::string db = dir + "/ingest/ingest.db";
  int64_t said_records = Number(run.output, "Kinesis data stream demo-logs: (\\d+) records");
  int64_t read = Number(run.output, "the agent read (\\d+)");
  EXPECT_GE(read, 20 * 20 * 8 / 10) << "about 20 lines a second for 20 s\n" << run.output;
  EXPECT_GE(said_records, read) << run.output;
  EXPECT_EQ(Query(db, "SELECT COUNT(*) FROM kds_records r JOIN kds_streams s ON s.id = r.stream_id "
                      "WHERE s.name = 'demo-logs'"),
            said_records);
  EXPECT_EQ(Query(db, "SELECT COUNT(DISTINCT shard_index) FROM kds_records"), 2)
      << "partitioned by device over both shards";

  int64_t said_metrics = Number(run.output, "Firehose demo-metrics: (\\d+) records");
  EXPECT_GE(said_metrics, 10) << "a sample a second\n" << run.output;
  uint64_t lines = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir + "/ingest/firehose/demo-metrics")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      EXPECT_EQ(line.front(), '{') << line;
    }
  }
  EXPECT_EQ(static_cast<int64_t>(lines), said_metrics);

  if (run.output.find("going on without video") == std::string::npos) {
    int64_t fragments = Number(run.output, "demo-camera: (\\d+) fragments stored");
    EXPECT_GE(fragments, 10) << "1-second fragments for about 20 s\n" << run.output;
    EXPECT_EQ(Query(db, "SELECT COUNT(*) FROM kvs_fragments"), fragments);
  } else {
    std::printf("video was not available: %s\n", run.output.c_str());
  }
  fs::remove_all(dir);
}

TEST(DemoTest, SaysWhereKedgeIngestWasLookedForWhenItIsMissing) {
  std::string dir = testing::MakeTempDir("kedge-demo-alone");
  fs::copy_file(Kedge(), dir + "/kedge");
  CommandRun run = RunCommand("PATH=/nonexistent '" + dir + "/kedge' demo --duration 1 --data-dir '" +
                       dir + "/data'");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("kedge-ingest was not found next to kedge (" + dir + ")"),
            std::string::npos)
      << run.output;
  fs::remove_all(dir);
}

TEST(DemoTest, RefusesBadArguments) {
  CommandRun run = RunCommand(Kedge() + " demo --duration soon");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("--duration 'soon'"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace kedge
