#include "ingest/storage/database.h"

namespace kedge::ingest {
namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  int code = sqlite3_errcode(db);
  if (code == SQLITE_FULL) return ResourceExhaustedError(message);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return DataLossError(message);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return UnavailableError(message);
  return InternalError(message);
}

}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sqlite step");
}

Status Statement::Run() {
  while (true) {
    KEDGE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::string Statement::Blob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return std::string();
  return std::string(static_cast<const char*>(blob), sqlite3_column_bytes(stmt_, column));
}

Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return InternalError("sqlite: " + message);
  }
  return Status::Ok();
}

StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return SqliteError(db_, "sqlite prepare");
  }
  return Statement(db_, stmt);
}

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status status = UnavailableError("cannot open database " + path + ": " +
                                     (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<Database> database(new Database(db, path));
  Connection conn(db);
  Status status = conn.Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
      "PRAGMA busy_timeout=5000;");
  if (!status.ok()) return status.WithContext(path);
  return database;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::Run(const std::function<Status(Connection&)>& work) {
  std::lock_guard<std::mutex> lock(mu_);
  Connection conn(db_);
  return work(conn);
}

Status Database::RunTransaction(const std::function<Status(Connection&)>& work) {
  std::lock_guard<std::mutex> lock(mu_);
  Connection conn(db_);
  KEDGE_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Status status = work(conn);
  if (!status.ok()) {
    conn.Exec("ROLLBACK").IgnoreError();
    return status;
  }
  Status commit = conn.Exec("COMMIT");
  if (!commit.ok()) conn.Exec("ROLLBACK").IgnoreError();
  return commit;
}

}  // namespace kedge::ingest
