#include "kpl/spool/sqlite_statement.h"

#include <utility>

#include "platform/posix/posix_error.h"

namespace kedge::kpl {

bool IsCorruption(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

Status SqliteError(sqlite3* db, int rc, std::string_view context, std::string_view what) {
  std::string message(context);
  message += ": ";
  message += what;
  message += ": ";
  // The connection's message is the most specific, but only if it belongs to this error.
  const char* detail = (db != nullptr && sqlite3_extended_errcode(db) == rc)
                           ? sqlite3_errmsg(db)
                           : sqlite3_errstr(rc);
  message += detail;
  if (std::string_view(detail) != sqlite3_errstr(rc)) {
    message += " (";
    message += sqlite3_errstr(rc);
    message += ")";
  }
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return ResourceExhaustedError(message +
                                    ": disk full; free space on the file system that holds the "
                                    "spool, or lower spool.max_bytes");
    case SQLITE_NOMEM:
      return ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(message + ": another process is using the spool file");
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return PermissionDeniedError(message);
    case SQLITE_CANTOPEN: {
      int err = db != nullptr ? sqlite3_system_errno(db) : 0;
      if (err != 0) return PosixError(message, err);
      return UnavailableError(message);
    }
    case SQLITE_IOERR: {
      int err = db != nullptr ? sqlite3_system_errno(db) : 0;
      if (err != 0) return PosixError(message, err);
      return UnavailableError(message);
    }
    default:
      return InternalError(message);
  }
}

Status SqliteExec(sqlite3* db, const char* sql, std::string_view context) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  sqlite3_free(error);
  if (rc != SQLITE_OK) return SqliteError(db, rc, context, sql);
  return Status::Ok();
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)),
      context_(std::move(other.context_)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    context_ = std::move(other.context_);
  }
  return *this;
}

Status SqliteStatement::Prepare(sqlite3* db, const char* sql, std::string_view context) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  db_ = db;
  context_ = std::string(context);
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, context, std::string("prepare ") + sql);
  return Status::Ok();
}

void SqliteStatement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void SqliteStatement::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}

void SqliteStatement::BindBlob(int index, std::string_view value) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob(stmt_, index, value.empty() ? &kEmpty : value.data(),
                    static_cast<int>(value.size()), SQLITE_STATIC);
}

void SqliteStatement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

int SqliteStatement::Step() { return sqlite3_step(stmt_); }

Status SqliteStatement::Run(std::string_view what) {
  int rc = sqlite3_step(stmt_);
  Status status;
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) status = SqliteError(db_, rc, context_, what);
  Reset();
  return status;
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string SqliteStatement::ColumnString(int index) const {
  const void* bytes = sqlite3_column_blob(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (bytes == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(bytes), static_cast<size_t>(size));
}

bool SqliteStatement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace kedge::kpl
