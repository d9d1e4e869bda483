// SqliteSpool: opening, schema migrations, state loading, and moving a corrupt file aside.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "kpl/spool/sqlite_spool.h"
#include "platform/logging.h"
#include "platform/posix/posix_error.h"

namespace kedge::kpl {
namespace {

// One entry per schema version; entry i migrates version i to i + 1, inside one transaction
// that also sets PRAGMA user_version. Never edit a released entry: append a new one.
const char* const kMigrations[] = {
    // 0 -> 1: the first schema. Column order puts the small fixed fields before the blobs so
    // scans that read only them never touch overflow pages.
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta(key, value) VALUES('next_id', 1), ('clean_shutdown', 1);"
    "CREATE TABLE sinks(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  records INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE records("
    "  id INTEGER PRIMARY KEY,"
    "  sink_id INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL,"
    "  partition_key BLOB NOT NULL,"
    "  explicit_hash_key TEXT,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE checkpoints(source TEXT PRIMARY KEY, value BLOB NOT NULL,"
    "  updated_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE dead_letters("
    "  id INTEGER PRIMARY KEY,"
    "  sink TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  failed_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  partition_key BLOB NOT NULL,"
    "  explicit_hash_key TEXT,"
    "  data BLOB NOT NULL);",
};
constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kMigrationCount == SqliteSpool::kSchemaVersion,
              "every schema version needs its migration");

StatusOr<int64_t> QueryInt(sqlite3* db, const char* sql, const std::string& context) {
  SqliteStatement stmt;
  KEDGE_RETURN_IF_ERROR(stmt.Prepare(db, sql, context));
  int rc = stmt.Step();
  if (rc != SQLITE_ROW) return SqliteError(db, rc, context, sql);
  return stmt.ColumnInt64(0);
}

std::string UtcStamp(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return std::string();
  return path.substr(0, slash);
}

}  // namespace

SqliteSpool::SqliteSpool(SqliteSpoolOptions options, Clock& clock, Env& env)
    : options_(std::move(options)), clock_(clock), env_(env) {}

StatusOr<std::unique_ptr<SqliteSpool>> SqliteSpool::Open(SqliteSpoolOptions options,
                                                          Clock& clock, Env& env) {
  if (options.path.empty()) return InvalidArgumentError("spool: path is empty");
  if (options.max_bytes == 0) {
    return InvalidArgumentError("spool " + options.path + ": max_bytes must be > 0");
  }
  if (options.commit_records == 0) options.commit_records = 1;
  std::string dir = ParentDir(options.path);
  if (!dir.empty()) KEDGE_RETURN_IF_ERROR(env.CreateDirs(dir).WithContext("spool"));

  std::unique_ptr<SqliteSpool> spool(new SqliteSpool(std::move(options), clock, env));
  Status status = spool->OpenDatabase();
  if (status.code() == StatusCode::kDataLoss) {
    KEDGE_RETURN_IF_ERROR(spool->MoveAside(status));
    status = spool->OpenDatabase();
  }
  if (!status.ok()) return status;
  KEDGE_LOG(kInfo) << "spool " << spool->path() << " opened: " << spool->records_
                   << " records, " << spool->bytes_ << " bytes, " << spool->dead_letter_rows_
                   << " dead letters";
  return spool;
}

Status SqliteSpool::OpenDatabase() {
  CloseDatabase();
  // Records are log lines and telemetry, often private: create the file owner-only. SQLite
  // gives the -wal and -shm files the database file's mode.
  if (!env_.FileExists(options_.path)) {
    int fd = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return PosixError("spool: creating " + options_.path, errno);
    if (fd >= 0) ::close(fd);
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options_.path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db_, rc, Context(), "open");
    CloseDatabase();
    return status;
  }
  sqlite3_extended_result_codes(db_, 1);
  Status status = ConfigureConnection();
  if (status.ok()) status = Migrate();
  if (status.ok()) status = PrepareStatements();
  if (status.ok()) status = LoadState();
  if (!status.ok()) CloseDatabase();
  return status;
}

Status SqliteSpool::ConfigureConnection() {
  // journal_mode answers with the mode it got; anything but "wal" (a file system without
  // shared memory) would silently lose the concurrency and durability this format promises.
  SqliteStatement wal;
  KEDGE_RETURN_IF_ERROR(wal.Prepare(db_, "PRAGMA journal_mode=WAL", Context()));
  int rc = wal.Step();
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, Context(), "PRAGMA journal_mode=WAL");
  if (wal.ColumnString(0) != "wal") {
    return FailedPreconditionError(Context() + ": cannot use WAL mode (got journal_mode=" +
                                   wal.ColumnString(0) + "); put the spool on a local disk");
  }
  std::string pragmas = "PRAGMA synchronous=";
  pragmas += options_.synchronous == SpoolSync::kFull ? "FULL;" : "NORMAL;";
  pragmas += "PRAGMA busy_timeout=1000; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=FAST;";
  pragmas += "PRAGMA journal_size_limit=" + std::to_string(64 << 20) + ";";
  pragmas += "PRAGMA cache_size=" + std::to_string(options_.cache_pages) + ";";
  return SqliteExec(db_, pragmas.c_str(), Context());
}

Status SqliteSpool::Migrate() {
  KEDGE_ASSIGN_OR_RETURN(int64_t version, QueryInt(db_, "PRAGMA user_version", Context()));
  KEDGE_ASSIGN_OR_RETURN(int64_t app_id, QueryInt(db_, "PRAGMA application_id", Context()));
  KEDGE_ASSIGN_OR_RETURN(int64_t tables,
                         QueryInt(db_, "SELECT count(*) FROM sqlite_master", Context()));
  if (app_id != kApplicationId && tables > 0) {
    return FailedPreconditionError(Context() +
                                   ": the file is an SQLite database but not a kedge spool; "
                                   "set spool.path to another file");
  }
  if (version > kSchemaVersion) {
    return FailedPreconditionError(
        Context() + ": schema version " + std::to_string(version) +
        " was written by a newer kedge (this one reads up to " + std::to_string(kSchemaVersion) +
        "); upgrade kedge or set spool.path to another file");
  }
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    std::string sql = "BEGIN IMMEDIATE;";
    if (v == 0) sql += "PRAGMA application_id=" + std::to_string(kApplicationId) + ";";
    sql += kMigrations[v];
    sql += "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    Status status = SqliteExec(db_, sql.c_str(), Context());
    if (!status.ok()) {
      SqliteExec(db_, "ROLLBACK", Context()).IgnoreError();
      return status.WithContext("migrating schema to version " + std::to_string(v + 1));
    }
    if (v > 0) KEDGE_LOG(kInfo) << Context() << ": migrated schema to version " << v + 1;
  }
  return Status::Ok();
}

Status SqliteSpool::PrepareStatements() {
  const std::string ctx = Context();
  struct {
    SqliteStatement* stmt;
    const char* sql;
  } const statements[] = {
      {&insert_sink_, "INSERT INTO sinks(id, name) VALUES(?1, ?2)"},
      {&update_sink_, "UPDATE sinks SET records = ?2, bytes = ?3 WHERE id = ?1"},
      {&insert_record_,
       "INSERT INTO records(id, sink_id, created_ms, attempts, bytes, partition_key, "
       "explicit_hash_key, data) VALUES(?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)"},
      {&upsert_checkpoint_,
       "INSERT OR REPLACE INTO checkpoints(source, value, updated_ms) VALUES(?1, ?2, ?3)"},
      {&get_checkpoint_, "SELECT value FROM checkpoints WHERE source = ?1"},
      {&delete_records_, "DELETE FROM records WHERE id BETWEEN ?1 AND ?2"},
      {&add_attempts_, "UPDATE records SET attempts = attempts + ?2 WHERE id = ?1"},
      {&to_dead_letters_,
       "INSERT INTO dead_letters(sink, created_ms, failed_ms, attempts, reason, partition_key, "
       "explicit_hash_key, data) SELECT s.name, r.created_ms, ?2, r.attempts, ?3, "
       "r.partition_key, r.explicit_hash_key, r.data FROM records r JOIN sinks s "
       "ON s.id = r.sink_id WHERE r.id = ?1"},
      {&trim_dead_letters_,
       "DELETE FROM dead_letters WHERE id <= (SELECT id FROM dead_letters ORDER BY id DESC "
       "LIMIT 1 OFFSET ?1)"},
      {&scan_sink_,
       "SELECT id, bytes, created_ms, attempts, partition_key, explicit_hash_key, data "
       "FROM records WHERE id > ?1 AND sink_id = ?2 ORDER BY id LIMIT ?3"},
      {&get_record_,
       "SELECT id, bytes, created_ms, attempts, partition_key, explicit_hash_key, data "
       "FROM records WHERE id = ?1"},
      {&scan_oldest_,
       "SELECT id, sink_id, bytes FROM records WHERE id > ?1 ORDER BY id LIMIT ?2"},
      {&oldest_of_sink_,
       "SELECT id, created_ms FROM records WHERE id >= ?1 AND sink_id = ?2 ORDER BY id"},
      {&set_meta_, "UPDATE meta SET value = ?2 WHERE key = ?1"},
      {&count_records_, "SELECT count(*) FROM records"},
      {&clear_records_, "DELETE FROM records"},
      {&list_dead_letters_,
       "SELECT id, sink, partition_key, data, created_ms, failed_ms, attempts, reason "
       "FROM dead_letters ORDER BY id DESC LIMIT ?1"},
  };
  for (const auto& s : statements) KEDGE_RETURN_IF_ERROR(s.stmt->Prepare(db_, s.sql, ctx));
  std::string batch =
      "INSERT INTO records(id, sink_id, created_ms, attempts, bytes, partition_key, "
      "explicit_hash_key, data) VALUES";
  for (int i = 0; i < kInsertBatchRows; ++i) {
    batch += i == 0 ? "(?,?,?,0,?,?,?,?)" : ",(?,?,?,0,?,?,?,?)";
  }
  return insert_records_batch_.Prepare(db_, batch.c_str(), ctx);
}

// Reads the sinks and their counts, which every commit keeps exact. After a crash or power
// cut (clean_shutdown = 0), or when asked, the counts are rebuilt by Recount() instead, whose
// full scan also reads every page of the records table, so corruption from the crash shows up
// here, at open, where the file can be moved aside, rather than halfway through a send.
Status SqliteSpool::LoadState() {
  const std::string ctx = Context();
  sinks_.clear();
  sink_by_name_.clear();
  records_ = bytes_ = 0;
  SqliteStatement sinks;
  KEDGE_RETURN_IF_ERROR(
      sinks.Prepare(db_, "SELECT id, name, records, bytes FROM sinks ORDER BY id", ctx));
  int rc;
  while ((rc = sinks.Step()) == SQLITE_ROW) {
    SinkState sink;
    sink.id = sinks.ColumnInt64(0);
    sink.name = sinks.ColumnString(1);
    sink.records = static_cast<uint64_t>(sinks.ColumnInt64(2));
    sink.bytes = static_cast<uint64_t>(sinks.ColumnInt64(3));
    records_ += sink.records;
    bytes_ += sink.bytes;
    sink_by_name_[sink.name] = sinks_.size();
    sinks_.push_back(std::move(sink));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, ctx, "reading sinks");
  committed_sinks_ = sinks_.size();

  KEDGE_ASSIGN_OR_RETURN(int64_t clean, QueryInt(db_, "SELECT value FROM meta WHERE key = "
                                                      "'clean_shutdown'", ctx));
  if (clean == 0 || options_.integrity_check_on_open) KEDGE_RETURN_IF_ERROR(Recount(clean == 0));
  KEDGE_ASSIGN_OR_RETURN(int64_t next_id,
                         QueryInt(db_, "SELECT value FROM meta WHERE key = 'next_id'", ctx));
  KEDGE_ASSIGN_OR_RETURN(int64_t max_id,
                         QueryInt(db_, "SELECT coalesce(max(id), 0) FROM records", ctx));
  next_id_ = std::max(next_id, max_id + 1);
  last_committed_id_ = next_id_ - 1;
  KEDGE_ASSIGN_OR_RETURN(int64_t dead,
                         QueryInt(db_, "SELECT count(*) FROM dead_letters", ctx));
  dead_letter_rows_ = static_cast<uint64_t>(dead);
  // From here until a clean close, the file is "in use": a crash leaves clean_shutdown = 0.
  return SetCleanShutdown(false);
}

Status SqliteSpool::Recount(bool after_crash) {
  const std::string ctx = Context();
  SteadyTime start = clock_.Now();
  SqliteStatement counts;
  KEDGE_RETURN_IF_ERROR(counts.Prepare(
      db_, "SELECT sink_id, count(*), total(bytes) FROM records NOT INDEXED GROUP BY sink_id",
      ctx));
  std::unordered_map<int64_t, size_t> by_id;
  for (size_t i = 0; i < sinks_.size(); ++i) {
    by_id[sinks_[i].id] = i;
    sinks_[i].records = sinks_[i].bytes = 0;
  }
  records_ = bytes_ = 0;
  int rc;
  while ((rc = counts.Step()) == SQLITE_ROW) {
    auto it = by_id.find(counts.ColumnInt64(0));
    if (it == by_id.end()) {
      return DataLossError(ctx + ": records refer to sink id " +
                           std::to_string(counts.ColumnInt64(0)) + ", which does not exist");
    }
    SinkState& sink = sinks_[it->second];
    sink.records = static_cast<uint64_t>(counts.ColumnInt64(1));
    sink.bytes = static_cast<uint64_t>(sqlite3_column_double(counts.get(), 2));
    sink.counts_dirty = true;
    records_ += sink.records;
    bytes_ += sink.bytes;
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, ctx, "counting records");
  for (SinkState& sink : sinks_) sink.counts_dirty = true;
  if (options_.integrity_check_on_open) {
    SqliteStatement check;
    KEDGE_RETURN_IF_ERROR(check.Prepare(db_, "PRAGMA quick_check(1)", ctx));
    rc = check.Step();
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, ctx, "PRAGMA quick_check");
    if (check.ColumnString(0) != "ok") {
      return DataLossError(ctx + ": integrity check failed: " + check.ColumnString(0));
    }
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start);
  std::string what = "checked and counted " + std::to_string(records_) + " records in " +
                     std::to_string(took.count()) + " ms";
  if (after_crash) {
    KEDGE_LOG(kWarn) << ctx << ": the last run did not shut down cleanly; " << what;
  } else {
    KEDGE_LOG(kInfo) << ctx << ": " << what;
  }
  return Status::Ok();
}

Status SqliteSpool::SetCleanShutdown(bool clean) {
  set_meta_.BindText(1, "clean_shutdown");
  set_meta_.BindInt64(2, clean ? 1 : 0);
  return set_meta_.Run("marking the spool " + std::string(clean ? "closed" : "open"));
}

Status SqliteSpool::MoveAside(const Status& why) {
  CloseDatabase();
  std::string aside = options_.path + ".corrupt-" + UtcStamp(clock_.WallNow());
  for (int n = 1; env_.FileExists(aside); ++n) {
    aside = options_.path + ".corrupt-" + UtcStamp(clock_.WallNow()) + "-" + std::to_string(n);
  }
  // The WAL belongs to the database it was written for: keep the pair together. The -shm
  // file is only an index of the WAL and is rebuilt, so it is removed.
  for (const char* suffix : {"", "-wal"}) {
    std::string from = options_.path + suffix;
    if (!env_.FileExists(from)) continue;
    if (std::rename(from.c_str(), (aside + suffix).c_str()) != 0) {
      return PosixError("spool: moving corrupt " + from + " aside to " + aside + suffix, errno)
          .WithContext(why.message());
    }
  }
  std::string shm = options_.path + "-shm";
  if (env_.FileExists(shm)) env_.RemoveFile(shm).IgnoreError();
  moved_aside_path_ = aside;
  KEDGE_LOG(kError) << "SPOOL CORRUPT: " << why.message() << ". Moved it to " << aside
                    << " and started an empty spool; records in the old file were NOT sent "
                    << "(inspect it with sqlite3, or delete it to free the space)";
  return Status::Ok();
}

void SqliteSpool::CloseDatabase() {
  for (SqliteStatement* stmt :
       {&insert_sink_, &insert_record_, &upsert_checkpoint_, &get_checkpoint_, &delete_records_,
        &add_attempts_, &to_dead_letters_, &trim_dead_letters_, &scan_sink_, &get_record_,
        &scan_oldest_, &oldest_of_sink_, &set_meta_, &list_dead_letters_, &update_sink_,
        &insert_records_batch_, &count_records_, &clear_records_}) {
    *stmt = SqliteStatement();
  }
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

SqliteSpool::~SqliteSpool() {
  if (db_ != nullptr) {
    Status status = Commit();
    if (status.ok() && !corruption_seen_) status = SetCleanShutdown(true);
    if (!status.ok()) {
      KEDGE_LOG(kError) << "spool closing with uncommitted work: " << status.ToString();
    }
  }
  CloseDatabase();
}

}  // namespace kedge::kpl
