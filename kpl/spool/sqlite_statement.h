#pragma once
// Thin RAII helpers over the SQLite C API for the spool: a prepared statement that finalizes
// itself, and the one place SQLite result codes become a Status. Not thread-safe (the spool
// thread owns the connection and its statements).

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::kpl {

// "context: what: <sqlite message> (<code name>)" with a code a caller can act on:
// SQLITE_FULL -> ResourceExhausted ("disk full"), SQLITE_CORRUPT/NOTADB -> DataLoss,
// SQLITE_BUSY/LOCKED -> Unavailable, SQLITE_PERM/READONLY/AUTH -> PermissionDenied,
// SQLITE_CANTOPEN -> the errno's mapping, anything else -> Internal.
Status SqliteError(sqlite3* db, int rc, std::string_view context, std::string_view what);

// True for the result codes that mean the file is not a usable database.
bool IsCorruption(int rc);

// Runs SQL without results (pragmas, BEGIN/COMMIT, schema).
Status SqliteExec(sqlite3* db, const char* sql, std::string_view context);

class SqliteStatement {
 public:
  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Prepares `sql` for repeated use (SQLITE_PREPARE_PERSISTENT).
  Status Prepare(sqlite3* db, const char* sql, std::string_view context);

  // Binds are 1-based, as in SQLite. Text and blobs are bound SQLITE_STATIC: the caller keeps
  // them alive until the statement is reset.
  void BindInt64(int index, int64_t value);
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);
  void BindNull(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  // Steps once and expects SQLITE_DONE; resets. For writes.
  Status Run(std::string_view what);
  // Resets the statement and clears its bindings for the next use.
  void Reset();

  int64_t ColumnInt64(int index) const;
  // The column as bytes (text or blob); empty for NULL.
  std::string ColumnString(int index) const;
  bool ColumnIsNull(int index) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string context_;
};

}  // namespace kedge::kpl
