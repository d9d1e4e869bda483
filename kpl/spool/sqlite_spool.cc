// SqliteSpool: appends, group commit, the full-spool policies, checkpoints and stats.

#include "kpl/spool/sqlite_spool.h"

#include <algorithm>

#include "platform/logging.h"

namespace kedge::kpl {

StatusOr<WhenFull> ParseWhenFull(std::string_view text) {
  if (text == "block") return WhenFull::kBlock;
  if (text == "drop_oldest") return WhenFull::kDropOldest;
  return InvalidArgumentError("when_full: \"" + std::string(text) +
                              "\" is not one of block, drop_oldest");
}

StatusOr<SpoolSync> ParseSpoolSync(std::string_view text) {
  if (text == "normal") return SpoolSync::kNormal;
  if (text == "full") return SpoolSync::kFull;
  return InvalidArgumentError("synchronous: \"" + std::string(text) +
                              "\" is not one of normal, full");
}

uint64_t SqliteSpool::AccountedBytes(const SpoolRecord& record) {
  return record.data.size() + record.partition_key.size() + record.explicit_hash_key.size() +
         kRecordOverheadBytes;
}

// ---- Append and commit ----

StatusOr<uint64_t> SqliteSpool::Append(std::vector<SpoolRecord> records,
                                       std::vector<CheckpointUpdate> checkpoints) {
  if (db_ == nullptr) return FailedPreconditionError(Context() + ": closed after an error");
  if (records.empty() && checkpoints.empty()) return append_seq_;
  uint64_t incoming = 0;
  for (const SpoolRecord& record : records) {
    if (record.sink.empty()) return InvalidArgumentError(Context() + ": record without a sink");
    uint64_t bytes = AccountedBytes(record);
    if (bytes > options_.max_bytes) {
      return InvalidArgumentError(Context() + ": a record of " + std::to_string(bytes) +
                                  " bytes is larger than spool.max_bytes (" +
                                  std::to_string(options_.max_bytes) + ")");
    }
    incoming += bytes;
  }
  if (pending_bytes_ + incoming > options_.max_pending_bytes) {
    // Commits have been failing; try once more before refusing.
    Status status = Commit();
    if (!status.ok()) {
      full_ = true;
      return ResourceExhaustedError(Context() + ": cannot take more records while commits fail (" +
                                    status.message() + ")");
    }
  }
  KEDGE_RETURN_IF_ERROR(CheckRoom(incoming));

  const int64_t now_ms = ToUnixMillis(clock_.WallNow());
  size_t ops = records.size() + checkpoints.size();
  for (SpoolRecord& record : records) {
    size_t sink = SinkIndex(record.sink);
    if (record.created_ms == 0) record.created_ms = now_ms;
    uint64_t bytes = AccountedBytes(record);
    sinks_[sink].records++;
    sinks_[sink].counts_dirty = true;
    sinks_[sink].bytes += bytes;
    records_++;
    bytes_ += bytes;
    pending_bytes_ += bytes;
    pending_records_.push_back(PendingRecord{next_id_++, sink, bytes, std::move(record)});
  }
  for (CheckpointUpdate& update : checkpoints) {
    pending_checkpoints_[update.source] = std::move(update.value);
  }
  const uint64_t seq = pending_seq_ = ++append_seq_;
  NotePending(ops);
  if (pending_ops_ >= options_.commit_records) {
    // The records are accepted either way: a failed commit keeps them pending and is
    // reported by MaybeCommit() and stats().
    Commit().IgnoreError();
  }
  return seq;
}

Status SqliteSpool::CheckRoom(uint64_t incoming) {
  if (bytes_ + incoming <= options_.max_bytes) {
    full_ = false;
    return Status::Ok();
  }
  uint64_t needed = bytes_ + incoming - options_.max_bytes;
  if (options_.when_full == WhenFull::kDropOldest) {
    KEDGE_ASSIGN_OR_RETURN(uint64_t freed, DropOldest(needed));
    if (freed < needed && !pending_records_.empty()) {
      // The oldest droppable records may still be pending: commit them, then look again.
      KEDGE_RETURN_IF_ERROR(Commit());
      KEDGE_ASSIGN_OR_RETURN(uint64_t more, DropOldest(needed - freed));
      freed += more;
    }
    if (freed >= needed) {
      full_ = false;
      return Status::Ok();
    }
  }
  full_ = true;
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
      << Context() << " is full (" << bytes_ << " of " << options_.max_bytes
      << " bytes); sources pause until records are sent";
  return ResourceExhaustedError(
      Context() + ": spool full (" + std::to_string(bytes_) + " of " +
      std::to_string(options_.max_bytes) + " bytes" +
      (options_.when_full == WhenFull::kDropOldest ? ", and every older record is in flight"
                                                   : "") +
      "); pause the source until records are sent");
}

// Deletes the oldest records nobody holds a lease on until `needed` bytes are freed. The
// deletes join the next commit; they are counted per sink at once.
StatusOr<uint64_t> SqliteSpool::DropOldest(uint64_t needed) {
  struct Victim {
    int64_t id;
    int64_t sink_id;
    uint64_t bytes;
  };
  uint64_t freed = 0;
  int64_t cursor = 0;
  constexpr int kBatch = 256;
  while (freed < needed) {
    scan_oldest_.BindInt64(1, cursor);
    scan_oldest_.BindInt64(2, kBatch);
    int rows = 0;
    int rc = SQLITE_ROW;
    uint64_t planned = 0;
    std::vector<Victim> victims;
    while (freed + planned < needed && (rc = scan_oldest_.Step()) == SQLITE_ROW) {
      ++rows;
      int64_t id = scan_oldest_.ColumnInt64(0);
      cursor = id;
      if (leased_.count(id) != 0 || IsPendingDelete(id)) continue;
      Victim victim{id, scan_oldest_.ColumnInt64(1),
                    static_cast<uint64_t>(scan_oldest_.ColumnInt64(2))};
      planned += victim.bytes;
      victims.push_back(victim);
    }
    // LIMIT ends a full batch with SQLITE_DONE too: only a short batch means no rows follow.
    bool exhausted = freed + planned < needed && rc == SQLITE_DONE && rows < kBatch;
    Status status = rc == SQLITE_ROW || rc == SQLITE_DONE || freed + planned >= needed
                        ? Status::Ok()
                        : SqliteError(db_, rc, Context(), "choosing records to drop");
    scan_oldest_.Reset();
    KEDGE_RETURN_IF_ERROR(Fail(status));
    for (const Victim& victim : victims) {
      size_t sink = 0;
      while (sink < sinks_.size() && sinks_[sink].id != victim.sink_id) ++sink;
      if (sink == sinks_.size()) continue;
      sinks_[sink].requeued.erase(victim.id);
      sinks_[sink].dropped++;
      dropped_++;
      RemoveFromCounts(sink, victim.bytes);
      MarkForDelete(victim.id);
      dropped_unleased_.insert(victim.id);
      freed += victim.bytes;
    }
    if (exhausted) break;
  }
  if (freed > 0) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << Context() << " is full: dropped the oldest records (when_full: drop_oldest); "
        << dropped_ << " dropped so far";
  }
  return freed;
}

void SqliteSpool::NotePending(size_t ops) {
  if (ops == 0) return;
  if (pending_ops_ == 0) pending_since_ = clock_.Now();
  pending_ops_ += ops;
}

Status SqliteSpool::MaybeCommit() {
  ExpireLeases();
  if (pending_ops_ == 0) return Status::Ok();
  if (commit_retry_at_ && clock_.Now() < *commit_retry_at_) return Status::Ok();
  if (pending_ops_ >= options_.commit_records ||
      clock_.Now() - *pending_since_ >= options_.commit_interval) {
    return Commit();
  }
  return Status::Ok();
}

std::chrono::milliseconds SqliteSpool::TimeUntilCommit() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  if (pending_ops_ == 0) {
    // Nothing to commit: wake only for the next lease to expire, so an idle agent sleeps.
    if (lease_queue_.empty()) return kIdleWait;
    auto left = duration_cast<milliseconds>(lease_queue_.front().first - clock_.Now());
    return std::max(milliseconds(0), left);
  }
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() -
                                                                      *pending_since_);
  auto wait = std::max(std::chrono::milliseconds(0), options_.commit_interval - waited);
  if (commit_retry_at_) {
    wait = std::max(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                              *commit_retry_at_ - clock_.Now()));
  }
  return wait;
}

Status SqliteSpool::Commit() {
  if (db_ == nullptr) return FailedPreconditionError(Context() + ": closed after an error");
  if (pending_ops_ == 0 && committed_sinks_ == sinks_.size()) return Status::Ok();
  Status status = SqliteExec(db_, "BEGIN IMMEDIATE", Context());
  if (status.ok()) status = WritePending();
  if (status.ok()) status = SqliteExec(db_, "COMMIT", Context());
  if (!status.ok()) {
    // SQLite may already have rolled back (SQLITE_FULL can do that); everything is still in
    // memory, so the next commit writes it again.
    if (sqlite3_get_autocommit(db_) == 0) SqliteExec(db_, "ROLLBACK", Context()).IgnoreError();
    commit_failures_++;
    last_commit_error_ = status;
    commit_retry_at_ = clock_.Now() + kCommitRetryDelay;
    std::string dir = options_.path.substr(0, options_.path.find_last_of('/') + 1);
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "spool commit failed, " << pending_ops_ << " operations kept in memory for the next "
        << "try: " << status.ToString()
        << (status.code() == StatusCode::kResourceExhausted
                ? " (" + FreeSpaceText(env_, dir.empty() ? "." : dir) + ")"
                : std::string());
    return Fail(status);
  }
  ClearPending();
  commit_retry_at_.reset();
  // An empty spool needs no page cache: give it back, so an idle agent stays small.
  if (records_ == 0) sqlite3_db_release_memory(db_);
  if (options_.on_durable) options_.on_durable(durable_seq_);
  return Status::Ok();
}

Status SqliteSpool::WritePending() {
  const std::string what = "committing";
  for (size_t i = committed_sinks_; i < sinks_.size(); ++i) {
    insert_sink_.BindInt64(1, sinks_[i].id);
    insert_sink_.BindText(2, sinks_[i].name);
    KEDGE_RETURN_IF_ERROR(insert_sink_.Run("adding sink " + sinks_[i].name));
  }
  const int64_t now_ms = ToUnixMillis(clock_.WallNow());
  for (const auto& [source, value] : pending_checkpoints_) {
    upsert_checkpoint_.BindText(1, source);
    upsert_checkpoint_.BindBlob(2, value);
    upsert_checkpoint_.BindInt64(3, now_ms);
    KEDGE_RETURN_IF_ERROR(upsert_checkpoint_.Run("writing checkpoint for " + source));
  }
  for (const auto& [id, delta] : pending_attempts_) {
    add_attempts_.BindInt64(1, id);
    add_attempts_.BindInt64(2, delta);
    KEDGE_RETURN_IF_ERROR(add_attempts_.Run("counting attempts"));
  }
  for (const auto& [id, reason] : pending_dead_) {
    to_dead_letters_.BindInt64(1, id);
    to_dead_letters_.BindInt64(2, now_ms);
    to_dead_letters_.BindText(3, reason);
    KEDGE_RETURN_IF_ERROR(to_dead_letters_.Run("moving records to dead letters"));
  }
  // Deletes first: only committed records are deleted, and a table emptied whole is cheap.
  KEDGE_RETURN_IF_ERROR(DeletePendingRecords());
  KEDGE_RETURN_IF_ERROR(InsertPendingRecords());
  if (!pending_dead_.empty() && dead_letter_rows_ > options_.max_dead_letters) {
    trim_dead_letters_.BindInt64(1, static_cast<int64_t>(options_.max_dead_letters));
    KEDGE_RETURN_IF_ERROR(trim_dead_letters_.Run("trimming dead letters"));
  }
  for (SinkState& sink : sinks_) {
    if (!sink.counts_dirty) continue;
    update_sink_.BindInt64(1, sink.id);
    update_sink_.BindInt64(2, static_cast<int64_t>(sink.records));
    update_sink_.BindInt64(3, static_cast<int64_t>(sink.bytes));
    KEDGE_RETURN_IF_ERROR(update_sink_.Run("updating counts"));
  }
  set_meta_.BindText(1, "next_id");
  set_meta_.BindInt64(2, next_id_);
  return set_meta_.Run(what);
}

// Deletes the records acked, dead-lettered or dropped since the last commit. When they are
// every committed record (a spool that keeps up), one DELETE without WHERE empties the table
// page by page instead of deleting and rebalancing row by row; the in-memory count only
// suggests that, a count(*) confirms it.
Status SqliteSpool::DeletePendingRecords() {
  if (pending_deletes_.empty()) return Status::Ok();
  if (records_ == pending_records_.size()) {
    int rc = count_records_.Step();
    int64_t rows = rc == SQLITE_ROW ? count_records_.ColumnInt64(0) : -1;
    Status status =
        rc == SQLITE_ROW ? Status::Ok() : SqliteError(db_, rc, Context(), "counting records");
    count_records_.Reset();
    KEDGE_RETURN_IF_ERROR(status);
    if (static_cast<uint64_t>(rows) == pending_deletes_.size()) {
      return clear_records_.Run("deleting sent records");
    }
  }
  // Acks come in id order runs; one range delete per run costs one B-tree seek, not one per id.
  if (!deletes_sorted_) std::sort(pending_deletes_.begin(), pending_deletes_.end());
  deletes_sorted_ = true;
  for (size_t i = 0; i < pending_deletes_.size();) {
    size_t j = i + 1;
    while (j < pending_deletes_.size() && pending_deletes_[j] == pending_deletes_[j - 1] + 1) ++j;
    delete_records_.BindInt64(1, pending_deletes_[i]);
    delete_records_.BindInt64(2, pending_deletes_[j - 1]);
    KEDGE_RETURN_IF_ERROR(delete_records_.Run("deleting sent records"));
    i = j;
  }
  return Status::Ok();
}

// Binds one record's seven parameters starting at 1-based index `first`.
void SqliteSpool::BindPendingRecord(SqliteStatement& stmt, int first, const PendingRecord& p) {
  stmt.BindInt64(first, p.id);
  stmt.BindInt64(first + 1, sinks_[p.sink].id);
  stmt.BindInt64(first + 2, p.record.created_ms);
  stmt.BindInt64(first + 3, static_cast<int64_t>(p.bytes));
  stmt.BindBlob(first + 4, p.record.partition_key);
  // Left unbound, the parameter is NULL: Reset() clears every binding.
  if (!p.record.explicit_hash_key.empty()) stmt.BindText(first + 5, p.record.explicit_hash_key);
  stmt.BindBlob(first + 6, p.record.data);
}

// Full batches go through the multi-row statement, the rest one by one.
Status SqliteSpool::InsertPendingRecords() {
  const size_t n = pending_records_.size();
  size_t i = 0;
  for (; i + kInsertBatchRows <= n; i += kInsertBatchRows) {
    for (int row = 0; row < kInsertBatchRows; ++row) {
      BindPendingRecord(insert_records_batch_, 1 + 7 * row, pending_records_[i + row]);
    }
    KEDGE_RETURN_IF_ERROR(insert_records_batch_.Run("appending records"));
  }
  for (; i < n; ++i) {
    BindPendingRecord(insert_record_, 1, pending_records_[i]);
    KEDGE_RETURN_IF_ERROR(insert_record_.Run("appending records"));
  }
  return Status::Ok();
}

void SqliteSpool::ClearPending() {
  committed_sinks_ = sinks_.size();
  for (SinkState& sink : sinks_) sink.counts_dirty = false;
  last_committed_id_ = next_id_ - 1;
  durable_seq_ = pending_seq_;
  if (dead_letter_rows_ > options_.max_dead_letters) {
    dead_letter_rows_ = options_.max_dead_letters;
  }
  pending_records_.clear();
  pending_checkpoints_.clear();
  pending_deletes_.clear();
  deletes_sorted_ = true;
  dropped_unleased_.clear();
  pending_dead_.clear();
  pending_attempts_.clear();
  pending_ops_ = 0;
  pending_bytes_ = 0;
  pending_since_.reset();
  commits_++;
  last_commit_error_ = Status::Ok();
}

// Corruption found while running cannot be repaired in place: say so loudly. The close is
// then not marked clean, so the next Open() rescans the file and moves it aside.
Status SqliteSpool::Fail(Status status) {
  if (status.code() == StatusCode::kDataLoss) {
    corruption_seen_ = true;  // so the close is not marked clean and Open rescans
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "SPOOL CORRUPT: " << status.message() << "; restart kedge to move it aside";
  }
  return status;
}

// ---- Sinks and bookkeeping ----

size_t SqliteSpool::SinkIndex(const std::string& name) {
  auto it = sink_by_name_.find(name);
  if (it != sink_by_name_.end()) return it->second;
  SinkState sink;
  sink.id = sinks_.empty() ? 1 : sinks_.back().id + 1;
  sink.name = name;
  sink.scan_cursor = last_committed_id_;  // nothing committed so far belongs to it
  sink.oldest_hint = next_id_;
  sink_by_name_[name] = sinks_.size();
  sinks_.push_back(std::move(sink));
  return sinks_.size() - 1;
}

std::optional<size_t> SqliteSpool::FindSink(const std::string& name) const {
  auto it = sink_by_name_.find(name);
  if (it == sink_by_name_.end()) return std::nullopt;
  return it->second;
}

void SqliteSpool::RemoveFromCounts(size_t sink, uint64_t bytes) {
  sinks_[sink].records--;
  sinks_[sink].counts_dirty = true;
  sinks_[sink].bytes -= bytes;
  records_--;
  bytes_ -= bytes;
}

void SqliteSpool::MarkForDelete(int64_t id) {
  if (!pending_deletes_.empty() && pending_deletes_.back() > id) deletes_sorted_ = false;
  pending_deletes_.push_back(id);
  NotePending(1);
}

bool SqliteSpool::IsPendingDelete(int64_t id) {
  if (!deletes_sorted_) std::sort(pending_deletes_.begin(), pending_deletes_.end());
  deletes_sorted_ = true;
  return std::binary_search(pending_deletes_.begin(), pending_deletes_.end(), id);
}

// ---- Checkpoints, dead letters, stats ----

StatusOr<std::optional<std::string>> SqliteSpool::GetCheckpoint(const std::string& source) {
  auto pending = pending_checkpoints_.find(source);
  if (pending != pending_checkpoints_.end()) return std::optional<std::string>(pending->second);
  if (db_ == nullptr) return FailedPreconditionError(Context() + ": closed after an error");
  get_checkpoint_.BindText(1, source);
  int rc = get_checkpoint_.Step();
  std::optional<std::string> value;
  if (rc == SQLITE_ROW) value = get_checkpoint_.ColumnString(0);
  Status status = rc == SQLITE_ROW || rc == SQLITE_DONE
                      ? Status::Ok()
                      : SqliteError(db_, rc, Context(), "reading checkpoint of " + source);
  get_checkpoint_.Reset();
  KEDGE_RETURN_IF_ERROR(Fail(status));
  return value;
}

StatusOr<std::vector<DeadLetterRecord>> SqliteSpool::ListDeadLetters(size_t limit) {
  if (db_ == nullptr) return FailedPreconditionError(Context() + ": closed after an error");
  std::vector<DeadLetterRecord> out;
  list_dead_letters_.BindInt64(1, static_cast<int64_t>(limit));
  int rc;
  while ((rc = list_dead_letters_.Step()) == SQLITE_ROW) {
    DeadLetterRecord d;
    d.id = list_dead_letters_.ColumnInt64(0);
    d.sink = list_dead_letters_.ColumnString(1);
    d.partition_key = list_dead_letters_.ColumnString(2);
    d.data = list_dead_letters_.ColumnString(3);
    d.created_ms = list_dead_letters_.ColumnInt64(4);
    d.failed_ms = list_dead_letters_.ColumnInt64(5);
    d.attempts = static_cast<int>(list_dead_letters_.ColumnInt64(6));
    d.reason = list_dead_letters_.ColumnString(7);
    out.push_back(std::move(d));
  }
  Status status = rc == SQLITE_DONE ? Status::Ok()
                                    : SqliteError(db_, rc, Context(), "listing dead letters");
  list_dead_letters_.Reset();
  KEDGE_RETURN_IF_ERROR(Fail(status));
  return out;
}

// The sink's oldest committed record that is not about to be deleted. oldest_hint only ever
// moves up (ids are never reused), so this steps over few rows.
std::optional<int64_t> SqliteSpool::OldestCreated(SinkState& sink) {
  if (db_ == nullptr || sink.records == 0) return std::nullopt;
  oldest_of_sink_.BindInt64(1, sink.oldest_hint);
  oldest_of_sink_.BindInt64(2, sink.id);
  std::optional<int64_t> created;
  bool first = true;
  while (oldest_of_sink_.Step() == SQLITE_ROW) {
    int64_t id = oldest_of_sink_.ColumnInt64(0);
    if (first) sink.oldest_hint = id;
    first = false;
    if (IsPendingDelete(id)) continue;
    created = oldest_of_sink_.ColumnInt64(1);
    break;
  }
  oldest_of_sink_.Reset();
  return created;
}

SpoolStats SqliteSpool::stats() {
  SpoolStats s;
  s.records = records_;
  s.bytes = bytes_;
  s.max_bytes = options_.max_bytes;
  s.leased = leased_.size();
  s.pending = pending_ops_;
  s.dropped = dropped_;
  s.dead_letters = dead_letter_rows_;
  s.commits = commits_;
  s.commit_failures = commit_failures_;
  s.appended_sequence = append_seq_;
  s.durable_sequence = durable_seq_;
  s.full = full_;
  for (SinkState& sink : sinks_) {
    SpoolSinkStats out;
    out.sink = sink.name;
    out.records = sink.records;
    out.bytes = sink.bytes;
    out.leased = sink.leased;
    out.dropped = sink.dropped;
    out.dead_letters = sink.dead_lettered;
    out.oldest_created_ms = OldestCreated(sink);
    s.sinks.push_back(std::move(out));
  }
  return s;
}

}  // namespace kedge::kpl
