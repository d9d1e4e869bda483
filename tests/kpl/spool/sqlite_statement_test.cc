#include "kpl/spool/sqlite_statement.h"

#include <gtest/gtest.h>

namespace kedge::kpl {
namespace {

TEST(SqliteErrorTest, MapsResultCodesToWhatACallerCanDo) {
  struct Case {
    int rc;
    StatusCode code;
  } const cases[] = {
      {SQLITE_FULL, StatusCode::kResourceExhausted},
      {SQLITE_NOMEM, StatusCode::kResourceExhausted},
      {SQLITE_CORRUPT, StatusCode::kDataLoss},
      {SQLITE_NOTADB, StatusCode::kDataLoss},
      {SQLITE_BUSY, StatusCode::kUnavailable},
      {SQLITE_LOCKED, StatusCode::kUnavailable},
      {SQLITE_READONLY, StatusCode::kPermissionDenied},
      {SQLITE_PERM, StatusCode::kPermissionDenied},
      {SQLITE_IOERR_WRITE, StatusCode::kUnavailable},
      {SQLITE_MISUSE, StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    Status status = SqliteError(nullptr, c.rc, "spool /var/lib/kedge/spool.db", "committing");
    EXPECT_EQ(status.code(), c.code) << sqlite3_errstr(c.rc);
    EXPECT_EQ(status.message().rfind("spool /var/lib/kedge/spool.db: committing: ", 0), 0u)
        << status.message();
  }
}

TEST(SqliteErrorTest, DiskFullSaysWhatToDo) {
  Status status = SqliteError(nullptr, SQLITE_FULL, "spool /data/spool.db", "committing");
  EXPECT_NE(status.message().find("disk full"), std::string::npos);
  EXPECT_NE(status.message().find("spool.max_bytes"), std::string::npos);
}

TEST(SqliteErrorTest, CorruptionCodesAreRecognisedWithExtendedCodes) {
  EXPECT_TRUE(IsCorruption(SQLITE_CORRUPT));
  EXPECT_TRUE(IsCorruption(SQLITE_CORRUPT_INDEX));
  EXPECT_TRUE(IsCorruption(SQLITE_NOTADB));
  EXPECT_FALSE(IsCorruption(SQLITE_FULL));
}

TEST(SqliteStatementTest, BindsAndReadsBackEmptyAndBinaryBlobs) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_TRUE(SqliteExec(db, "CREATE TABLE t(b BLOB NOT NULL)", "test").ok());
  SqliteStatement insert;
  ASSERT_TRUE(insert.Prepare(db, "INSERT INTO t(b) VALUES(?1)", "test").ok());
  const std::string binary("a\0b\xff", 4);
  for (const std::string& value : {std::string(), binary}) {
    insert.BindBlob(1, value);
    ASSERT_TRUE(insert.Run("insert").ok());  // an empty blob is not NULL
  }
  SqliteStatement select;
  ASSERT_TRUE(select.Prepare(db, "SELECT b FROM t ORDER BY rowid", "test").ok());
  ASSERT_EQ(select.Step(), SQLITE_ROW);
  EXPECT_EQ(select.ColumnString(0), "");
  EXPECT_FALSE(select.ColumnIsNull(0));
  ASSERT_EQ(select.Step(), SQLITE_ROW);
  EXPECT_EQ(select.ColumnString(0), binary);
  select = SqliteStatement();
  insert = SqliteStatement();
  sqlite3_close(db);
}

TEST(SqliteStatementTest, BadSqlIsAnErrorNamingTheContext) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  SqliteStatement stmt;
  Status status = stmt.Prepare(db, "SELEKT 1", "spool /x");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("spool /x"), std::string::npos);
  EXPECT_NE(status.message().find("syntax error"), std::string::npos) << status.message();
  sqlite3_close(db);
}

}  // namespace
}  // namespace kedge::kpl
