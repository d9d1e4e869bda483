// Schema versions, corrupt files, a full disk, and kill -9.

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <fstream>
#include <iterator>

#include "kpl/spool/sqlite_spool.h"
#include "tests/kpl/spool/spool_test_util.h"

namespace kedge::kpl {
namespace {

using testing::Data;
using testing::Rec;

// Runs SQL on a database file with a private connection, as an operator with sqlite3 would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

int64_t RawQueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

class SqliteSpoolRecoveryTest : public testing::SpoolTestBase {};

TEST_F(SqliteSpoolRecoveryTest, NewFileGetsTheCurrentSchemaVersion) {
  WriteFile(options_.path, "");  // an empty file is an empty database
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  spool.reset();
  EXPECT_EQ(RawQueryInt(options_.path, "PRAGMA user_version"), SqliteSpool::kSchemaVersion);
  EXPECT_EQ(RawQueryInt(options_.path, "PRAGMA application_id"), SqliteSpool::kApplicationId);
  EXPECT_EQ(RawQueryInt(options_.path, "SELECT count(*) FROM records"), 0);
}

TEST_F(SqliteSpoolRecoveryTest, NewSpoolFilesAreOwnerOnly) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Append({Rec("s", "private log line")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat((options_.path + suffix).c_str(), &st), 0) << suffix;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << suffix;
  }
}

TEST_F(SqliteSpoolRecoveryTest, SpoolFromNewerKedgeIsRefusedAndLeftAlone) {
  { ASSERT_NE(OpenSpool(), nullptr); }
  RawExec(options_.path, "PRAGMA user_version = 99");
  auto spool = SqliteSpool::Open(options_, clock_, env_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(spool.status().message().find("newer kedge"), std::string::npos);
  EXPECT_NE(spool.status().message().find(options_.path), std::string::npos);
  EXPECT_EQ(RawQueryInt(options_.path, "PRAGMA user_version"), 99);
}

TEST_F(SqliteSpoolRecoveryTest, ForeignDatabaseIsRefusedAndLeftAlone) {
  RawExec(options_.path, "CREATE TABLE precious(x); INSERT INTO precious VALUES(42);");
  auto spool = SqliteSpool::Open(options_, clock_, env_);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(spool.status().message().find("not a kedge spool"), std::string::npos);
  EXPECT_EQ(RawQueryInt(options_.path, "SELECT x FROM precious"), 42);
}

TEST_F(SqliteSpoolRecoveryTest, GarbageFileIsMovedAsideAndAFreshSpoolStarts) {
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
  WriteFile(options_.path, garbage);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  const std::string aside = spool->moved_aside_path();
  EXPECT_NE(aside.find(options_.path + ".corrupt-20260101T000000Z"), std::string::npos) << aside;
  auto kept = env_.ReadFile(aside);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, garbage);
  ASSERT_TRUE(spool->Append({Rec("s", "fresh")}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  EXPECT_EQ(Drain(*spool, "s"), std::vector<std::string>{"fresh"});
}

TEST_F(SqliteSpoolRecoveryTest, MalformedSpoolIsMovedAside) {
  {
    auto spool = OpenSpool();
    std::vector<SpoolRecord> records;
    for (int i = 0; i < 200; ++i) records.push_back(Rec("s", std::string(1000, 'a' + i % 26)));
    ASSERT_TRUE(spool->Append(std::move(records)).ok());
  }  // closing checkpoints the WAL into the file
  auto contents = env_.ReadFile(options_.path);
  ASSERT_TRUE(contents.ok());
  ASSERT_GT(contents->size(), 16u * 4096);
  // Keep page 1 (the header and schema); scribble over every table page after it.
  std::string broken = contents->substr(0, 4096);
  for (size_t i = 4096; i < contents->size(); ++i) broken.push_back(static_cast<char>(i * 7));
  WriteFile(options_.path, broken);

  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_FALSE(spool->moved_aside_path().empty());
  EXPECT_TRUE(env_.FileExists(spool->moved_aside_path()));
  EXPECT_EQ(spool->stats().records, 0u);
}

// Scribbles over the third quarter of a closed spool holding 200 records of 1000 bytes: only
// leaf pages of the records table live there, and not the last one (max(id) reads that). `clean_shutdown` is what the
// file says about how the last run ended.
void BreakRecordPages(const std::string& path, bool clean_shutdown) {
  RawExec(path, std::string("UPDATE meta SET value = ") + (clean_shutdown ? "1" : "0") +
                    " WHERE key = 'clean_shutdown'");
  std::ifstream in(path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(contents.size(), 40u * 4096);
  size_t pages = contents.size() / 4096;
  for (size_t i = pages / 2 * 4096; i < pages * 3 / 4 * 4096; ++i) contents[i] = static_cast<char>(i * 7 + 3);
  WriteFile(path, contents);
}

class SqliteSpoolCorruptRecordsTest : public SqliteSpoolRecoveryTest {
 protected:
  void SetUp() override {
    SqliteSpoolRecoveryTest::SetUp();
    auto spool = OpenSpool();
    std::vector<SpoolRecord> records;
    for (int i = 0; i < 200; ++i) records.push_back(Rec("s", std::string(1000, 'a' + i % 26)));
    ASSERT_TRUE(spool->Append(std::move(records)).ok());
  }
};

TEST_F(SqliteSpoolCorruptRecordsTest, AfterACrashTheScanFindsCorruptionAndMovesTheFileAside) {
  BreakRecordPages(options_.path, /*clean_shutdown=*/false);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_FALSE(spool->moved_aside_path().empty());
  EXPECT_EQ(spool->stats().records, 0u);
}

TEST_F(SqliteSpoolCorruptRecordsTest, IntegrityCheckOnOpenFindsCorruptionAfterACleanClose) {
  BreakRecordPages(options_.path, /*clean_shutdown=*/true);
  options_.integrity_check_on_open = true;
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_FALSE(spool->moved_aside_path().empty());
}

TEST_F(SqliteSpoolCorruptRecordsTest, CorruptionFoundWhileRunningIsDataLossNamingThePath) {
  BreakRecordPages(options_.path, /*clean_shutdown=*/true);
  auto spool = OpenSpool();  // trusts the counts of a clean close: no scan
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(spool->moved_aside_path().empty());
  Status status;
  for (int i = 0; i < 200 && status.ok(); ++i) {
    auto batch = spool->Lease("s", 10, 1 << 20);
    status = batch.status();
    if (batch.ok()) status = spool->Ack(testing::Ids(*batch));
  }
  ASSERT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find(options_.path), std::string::npos);
  // The close after DataLoss is not marked clean, so a plain reopen (a restart) rescans and
  // moves the file aside.
  spool.reset();
  spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_FALSE(spool->moved_aside_path().empty());
}

TEST_F(SqliteSpoolRecoveryTest, CountsAreRebuiltAfterAnUncleanShutdown) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("s", "2")}).ok());
  }
  // As if the process had died with wrong counts on disk (it cannot, they commit together).
  RawExec(options_.path,
          "UPDATE sinks SET records = 999, bytes = 999; "
          "UPDATE meta SET value = 0 WHERE key = 'clean_shutdown'");
  auto spool = OpenSpool();
  EXPECT_EQ(spool->stats().records, 2u);
  EXPECT_EQ(spool->stats().bytes, 2 * SqliteSpool::AccountedBytes(Rec("s", "1")));
}

TEST_F(SqliteSpoolRecoveryTest, CleanCloseIsRecordedAndCountsPersist) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Append({Rec("s", "1"), Rec("t", "2"), Rec("t", "3")}).ok());
    EXPECT_EQ(RawQueryInt(options_.path, "SELECT value FROM meta WHERE key='clean_shutdown'"),
              0);
  }
  EXPECT_EQ(RawQueryInt(options_.path, "SELECT value FROM meta WHERE key='clean_shutdown'"), 1);
  EXPECT_EQ(RawQueryInt(options_.path, "SELECT records FROM sinks WHERE name='t'"), 2);
  auto spool = OpenSpool();
  EXPECT_EQ(spool->stats().records, 3u);
}

TEST_F(SqliteSpoolRecoveryTest, UnusableDirectoryIsAnErrorNamingThePath) {
  WriteFile(dir_ + "/file", "x");
  options_.path = dir_ + "/file/spool.db";
  auto spool = SqliteSpool::Open(options_, clock_, env_);
  ASSERT_FALSE(spool.ok());
  EXPECT_NE(spool.status().message().find(dir_ + "/file"), std::string::npos)
      << spool.status().ToString();
}

TEST_F(SqliteSpoolRecoveryTest, TwoCorruptFilesInOneSecondGetDistinctNames) {
  WriteFile(options_.path, std::string(4096, 'x'));
  auto first = OpenSpool();
  ASSERT_NE(first, nullptr);
  first.reset();
  WriteFile(options_.path, std::string(4096, 'y'));
  auto second = OpenSpool();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second->moved_aside_path(), "");
  EXPECT_TRUE(env_.FileExists(second->moved_aside_path()));
  EXPECT_EQ(*env_.ReadFile(second->moved_aside_path()), std::string(4096, 'y'));
}

// A real full file system: a 1 MiB tmpfs. Needs root (mount); skipped otherwise.
class SqliteSpoolDiskFullTest : public testing::SpoolTestBase {
 protected:
  void SetUp() override {
    SpoolTestBase::SetUp();
    mount_dir_ = dir_ + "/small";
    ASSERT_EQ(::mkdir(mount_dir_.c_str(), 0700), 0);
    if (::mount("tmpfs", mount_dir_.c_str(), "tmpfs", 0, "size=1m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (" << std::strerror(errno)
                   << "); run as root to test a real full disk";
    }
    mounted_ = true;
    options_.path = mount_dir_ + "/spool.db";
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_dir_.c_str(), MNT_DETACH);
  }
  // Fills the file system with a ballast file; returns its path.
  std::string FillDisk() {
    std::string ballast = mount_dir_ + "/ballast";
    int fd = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    std::string block(4096, 'z');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
    return ballast;
  }

  std::string mount_dir_;
  bool mounted_ = false;
};

TEST_F(SqliteSpoolDiskFullTest, DiskFullIsResourceExhaustedAndRecoversWhenSpaceReturns) {
  options_.commit_records = 100000;  // commit only when told
  options_.max_pending_bytes = 200 * 1024;
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  std::string ballast = FillDisk();

  std::vector<SpoolRecord> records;
  for (int i = 0; i < 100; ++i) records.push_back(Rec("s", std::string(1024, 'a' + i % 26)));
  ASSERT_TRUE(spool->Append(records, {{"src", "100"}}).ok());
  Status full = spool->Commit();
  ASSERT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_NE(full.message().find(options_.path), std::string::npos) << full.message();
  EXPECT_NE(full.message().find("disk full"), std::string::npos) << full.message();
  EXPECT_EQ(spool->stats().commit_failures, 1u);
  EXPECT_EQ(spool->stats().records, 100u);  // still held, in memory
  EXPECT_EQ(spool->durable_sequence(), 0u);

  // While commits fail, the in-memory backlog is bounded.
  auto refused = spool->Append(records);
  ASSERT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("while commits fail"), std::string::npos);

  ASSERT_TRUE(env_.RemoveFile(ballast).ok());
  Status recovered = spool->Commit();
  ASSERT_TRUE(recovered.ok()) << recovered.ToString();
  EXPECT_EQ(spool->durable_sequence(), 1u);
  ASSERT_TRUE(spool->Append({Rec("s", "after")}, {{"src", "101"}}).ok());
  ASSERT_TRUE(spool->Commit().ok());
  spool.reset();

  spool = OpenSpool();
  std::vector<std::string> got = Drain(*spool, "s");
  ASSERT_EQ(got.size(), 101u);
  EXPECT_EQ(got[0], records[0].data);
  EXPECT_EQ(got[99], records[99].data);
  EXPECT_EQ(got[100], "after");
  EXPECT_EQ(spool->GetCheckpoint("src")->value_or(""), "101");
}

// kill -9 of a process that appends with checkpoints, at whatever point it happens to be, over
// several rounds: the child resumes from the committed checkpoint each time, as a file source
// would. Records and checkpoint commit together, so the spool must hold exactly the records
// 0..checkpoint, each once, whatever instruction the kill interrupted.
class SqliteSpoolCrashTest : public testing::SpoolTestBase {
 protected:
  [[noreturn]] void RunChild(int progress_fd) {
    SqliteSpoolOptions options = options_;
    options.commit_records = 50;
    options.commit_interval = std::chrono::milliseconds(2);
    options.on_durable = [progress_fd](uint64_t seq) {
      if (::write(progress_fd, &seq, sizeof seq) != sizeof seq) ::_exit(3);
    };
    auto spool = SqliteSpool::Open(options, Clock::Real(), env_);
    if (!spool.ok()) ::_exit(1);
    auto checkpoint = (*spool)->GetCheckpoint("gen");
    if (!checkpoint.ok()) ::_exit(2);
    int64_t next = checkpoint->has_value() ? std::stoll(**checkpoint) + 1 : 0;
    while (true) {
      std::vector<SpoolRecord> records;
      for (int i = 0; i < 7; ++i) records.push_back(Rec("s", std::to_string(next + i)));
      next += 7;
      if (!(*spool)->Append(std::move(records), {{"gen", std::to_string(next - 1)}}).ok()) {
        ::_exit(4);
      }
      (*spool)->MaybeCommit().IgnoreError();
    }
  }

  // Leases everything without acking (the lease dies with the spool) and checks the contents.
  void Verify(int round) {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    auto checkpoint = spool->GetCheckpoint("gen");
    ASSERT_TRUE(checkpoint.ok());
    ASSERT_TRUE(checkpoint->has_value()) << "round " << round << ": nothing committed";
    int64_t committed = std::stoll(**checkpoint);
    auto all = spool->Lease("s", 10000000, std::numeric_limits<size_t>::max());
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(static_cast<int64_t>(all->size()), committed + 1) << "round " << round;
    for (int64_t i = 0; i <= committed; ++i) {
      ASSERT_EQ((*all)[i].data, std::to_string(i)) << "round " << round;
    }
    last_committed_ = committed;
  }

  int64_t last_committed_ = -1;
};

TEST_F(SqliteSpoolCrashTest, KillNineLosesNothingCommittedAndKeepsNothingBeyondCheckpoint) {
  for (int round = 0; round < 8; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(fds[1]);
    }
    ::close(fds[1]);
    // Wait for a few commits of this round, then kill while the child keeps appending.
    uint64_t seq = 0;
    for (int commits = 0; commits < 20 + round * 13; ++commits) {
      ASSERT_EQ(::read(fds[0], &seq, sizeof seq), static_cast<ssize_t>(sizeof seq))
          << "child stopped early";
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "child exited by itself with " << WEXITSTATUS(wstatus);
    int64_t before = last_committed_;
    Verify(round);
    if (HasFatalFailure()) return;
    EXPECT_GT(last_committed_, before) << "round " << round << " made no progress";
  }
}

// While the disk stays full, the pipeline does not retry the commit on every loop turn (which
// spun a core at about 40 commits a second): it waits kCommitRetryDelay between attempts.
TEST_F(SqliteSpoolDiskFullTest, AFailedCommitIsRetriedAfterADelayNotOnEveryTurn) {
  options_.commit_records = 100000;  // commit on the interval only
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  std::string ballast = FillDisk();
  ASSERT_TRUE(spool->Append({Rec("s", std::string(64 * 1024, 'f'))}).ok());
  clock_.Advance(options_.commit_interval);
  ASSERT_EQ(spool->MaybeCommit().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(spool->stats().commit_failures, 1u);
  EXPECT_EQ(spool->TimeUntilCommit(), SqliteSpool::kCommitRetryDelay);
  clock_.Advance(SqliteSpool::kCommitRetryDelay / 2);
  EXPECT_TRUE(spool->MaybeCommit().ok()) << "not yet retried";
  EXPECT_EQ(spool->stats().commit_failures, 1u);
  clock_.Advance(SqliteSpool::kCommitRetryDelay / 2);
  EXPECT_EQ(spool->MaybeCommit().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(spool->stats().commit_failures, 2u);
  ASSERT_TRUE(env_.RemoveFile(ballast).ok());
  clock_.Advance(SqliteSpool::kCommitRetryDelay);
  EXPECT_TRUE(spool->MaybeCommit().ok());
  EXPECT_EQ(spool->durable_sequence(), 1u);
  EXPECT_EQ(spool->TimeUntilCommit(), SqliteSpool::kIdleWait);
}

}  // namespace
}  // namespace kedge::kpl
