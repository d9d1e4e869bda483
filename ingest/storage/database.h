#pragma once
// Database: the one SQLite connection of kedge-ingest (WAL, foreign keys on), shared by the
// Kinesis, Firehose and Kinesis Video stores.
//
// Threading: any thread. Every use goes through Run(), which holds the connection's mutex for
// the whole callback, so a callback is one consistent unit of work (wrap it in BEGIN/COMMIT
// with RunTransaction when it writes more than one row). Errors come back as Status with the
// database path and SQLite's message.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::ingest {

// A prepared statement, finalized on destruction. Bind indexes start at 1, columns at 0.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Steps once: true when a row is available, false when done; an error otherwise.
  StatusOr<bool> Step();
  // Steps to completion (for statements that return no rows).
  Status Run();
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Exec(const std::string& sql);
  StatusOr<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3* db_;
};

class Database {
 public:
  // Opens (creating) the database at `path`. Use ":memory:" for a private in-memory database.
  // Each store creates its own tables (CREATE TABLE IF NOT EXISTS) when it is opened.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();

  Status Run(const std::function<Status(Connection&)>& work);
  // As Run, inside BEGIN IMMEDIATE / COMMIT; rolled back when `work` fails.
  Status RunTransaction(const std::function<Status(Connection&)>& work);

  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
  std::string path_;
};

}  // namespace kedge::ingest
