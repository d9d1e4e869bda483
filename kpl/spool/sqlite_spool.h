#pragma once
// SqliteSpool: the Spool on one SQLite database in WAL mode (docs/spool_format.md).
//
// It owns ONE sqlite3 connection and is used by one thread, the `spool` thread: construct,
// call and destroy it there. Pending writes (appends, checkpoints, acks, nacks, drops, dead
// letters) are kept in memory and written in one transaction per group commit, so a failed
// commit (disk full) loses nothing that was accepted: it stays pending and the next commit
// retries it. Leases live in memory only, so a restart releases them all.
//
// Open() creates the file (mode 0600) and its directory if needed and migrates an older
// schema. Counts come from the sinks table, which every commit keeps exact; after an unclean
// shutdown it rescans the records instead, which also finds corruption. A corrupt file is moved
// aside ("<path>.corrupt-<UTC time>") with a loud error and an empty spool started. A file that
// is a healthy database of something else, or a spool from a newer kedge, is refused with
// FailedPrecondition and left alone; other errors (permissions, disk) name the path.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kpl/spool/spool.h"
#include "kpl/spool/sqlite_statement.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::kpl {

enum class SpoolSync {
  kNormal,  // WAL synced at checkpoints only: survives kill -9; a power cut may roll back the
            // last commits (records and their checkpoints together)
  kFull,    // WAL synced at every commit: survives a power cut too
};

// "normal" or "full" (the config's spool.synchronous); InvalidArgument names the choices.
StatusOr<SpoolSync> ParseSpoolSync(std::string_view text);

struct SqliteSpoolOptions {
  std::string path;
  uint64_t max_bytes = uint64_t{1} << 30;
  WhenFull when_full = WhenFull::kBlock;
  SpoolSync synchronous = SpoolSync::kNormal;  // why: docs/spool_format.md, "Durability"
  size_t commit_records = 2000;                // N: commit when this many operations pend
  std::chrono::milliseconds commit_interval{100};  // M: or when the oldest pends this long
  std::chrono::milliseconds lease_timeout{std::chrono::minutes(2)};
  int max_attempts = 0;  // nacks before a record is dead-lettered; 0 = retry forever
  // Bound on accepted-but-uncommitted bytes while commits fail (disk full); Append then
  // returns ResourceExhausted.
  uint64_t max_pending_bytes = uint64_t{32} << 20;
  uint64_t max_dead_letters = 10000;  // the oldest are deleted beyond this
  // Recount and PRAGMA quick_check at every open, not only after an unclean shutdown. Both
  // read the whole file.
  bool integrity_check_on_open = false;
  int cache_pages = 500;                 // SQLite page cache per connection (x 4 KiB)
  // Called on the spool thread after each successful commit with durable_sequence().
  std::function<void(uint64_t durable_sequence)> on_durable;
};

class SqliteSpool final : public Spool {
 public:
  // Bytes a record costs against max_bytes on top of its data and keys (row header, id,
  // integers, cell pointer), so that many tiny records are not free.
  static constexpr uint64_t kRecordOverheadBytes = 32;
  static constexpr int kSchemaVersion = 1;
  static constexpr int32_t kApplicationId = 0x6b656467;  // "kedg"
  // What TimeUntilCommit() answers when nothing is pending or leased.
  static constexpr std::chrono::milliseconds kIdleWait{std::chrono::hours(1)};
  // How long MaybeCommit waits after a failed commit before it tries again.
  static constexpr std::chrono::milliseconds kCommitRetryDelay{1000};

  // `clock` and `env` must outlive the spool.
  static StatusOr<std::unique_ptr<SqliteSpool>> Open(SqliteSpoolOptions options, Clock& clock,
                                                     Env& env);
  // Commits what is pending (best effort; failures are logged) and closes the database.
  ~SqliteSpool() override;

  StatusOr<uint64_t> Append(std::vector<SpoolRecord> records,
                            std::vector<CheckpointUpdate> checkpoints = {}) override;
  Status MaybeCommit() override;
  Status Commit() override;
  std::chrono::milliseconds TimeUntilCommit() const override;
  StatusOr<std::vector<SpooledRecord>> Lease(const std::string& sink, size_t max_records,
                                             size_t max_bytes) override;
  Status Ack(const std::vector<int64_t>& ids) override;
  Status Nack(const std::vector<int64_t>& ids) override;
  Status DeadLetter(const std::vector<int64_t>& ids, const std::string& reason) override;
  StatusOr<std::optional<std::string>> GetCheckpoint(const std::string& source) override;
  StatusOr<std::vector<DeadLetterRecord>> ListDeadLetters(size_t limit) override;
  uint64_t FreeBytes() const override {
    return bytes_ >= options_.max_bytes ? 0 : options_.max_bytes - bytes_;
  }
  uint64_t durable_sequence() const override { return durable_seq_; }
  SpoolStats stats() override;

  // Where a corrupt file found by Open() was moved; empty if none was.
  const std::string& moved_aside_path() const { return moved_aside_path_; }
  const std::string& path() const { return options_.path; }

  // The bytes a record costs against max_bytes.
  static uint64_t AccountedBytes(const SpoolRecord& record);

 private:
  struct SinkState {
    int64_t id = 0;  // sinks.id in the database
    std::string name;
    uint64_t records = 0;
    uint64_t bytes = 0;
    bool counts_dirty = false;  // records/bytes differ from the sinks row
    uint64_t leased = 0;
    uint64_t dropped = 0;
    uint64_t dead_lettered = 0;
    int64_t scan_cursor = 0;  // every committed row <= this was leased, skipped or re-queued
    int64_t oldest_hint = 0;  // every row of this sink has id >= this
    std::map<int64_t, uint64_t> requeued;  // id -> bytes: nacked or expired, leased first
  };
  struct LeaseInfo {
    size_t sink = 0;  // index into sinks_
    uint64_t bytes = 0;
    int attempts = 0;
    SteadyTime deadline;
  };
  struct PendingRecord {
    int64_t id;
    size_t sink;
    uint64_t bytes;
    SpoolRecord record;
  };

  SqliteSpool(SqliteSpoolOptions options, Clock& clock, Env& env);

  // sqlite_spool_open.cc
  Status OpenDatabase();
  Status ConfigureConnection();
  Status Migrate();
  Status PrepareStatements();
  Status LoadState();
  Status Recount(bool after_crash);
  Status SetCleanShutdown(bool clean);
  Status MoveAside(const Status& why);
  void CloseDatabase();

  // sqlite_spool.cc and sqlite_spool_lease.cc
  size_t SinkIndex(const std::string& name);
  std::optional<size_t> FindSink(const std::string& name) const;
  Status CheckRoom(uint64_t incoming);
  StatusOr<uint64_t> DropOldest(uint64_t needed);
  Status WritePending();
  Status InsertPendingRecords();
  Status DeletePendingRecords();
  void BindPendingRecord(SqliteStatement& stmt, int first, const PendingRecord& p);
  void ClearPending();
  void ExpireLeases();
  void NotePending(size_t ops);
  // Forgets a leased or re-queued record; returns its sink and bytes, or nullopt if unknown.
  std::optional<std::pair<size_t, uint64_t>> Release(int64_t id, int* attempts);
  void RemoveFromCounts(size_t sink, uint64_t bytes);
  void MarkForDelete(int64_t id);
  // Whether `id` waits for the next commit's delete (sorts pending_deletes_ if needed).
  bool IsPendingDelete(int64_t id);
  Status LeaseRequeued(SinkState& sink, size_t sink_index, size_t max_records, size_t max_bytes,
                       std::vector<SpooledRecord>* out, size_t* out_bytes);
  Status LeaseScan(SinkState& sink, size_t sink_index, size_t max_records, size_t max_bytes,
                   std::vector<SpooledRecord>* out, size_t* out_bytes);
  // Leases out->back(), just read, until `deadline`.
  void TakeLease(size_t sink_index, uint64_t bytes, SteadyTime deadline,
                 std::vector<SpooledRecord>* out, size_t* out_bytes);
  std::optional<int64_t> OldestCreated(SinkState& sink);
  Status Fail(Status status);
  std::string Context() const { return "spool " + options_.path; }

  SqliteSpoolOptions options_;
  Clock& clock_;
  Env& env_;
  sqlite3* db_ = nullptr;
  std::string moved_aside_path_;

  SqliteStatement insert_sink_, update_sink_, insert_record_, upsert_checkpoint_, get_checkpoint_;
  SqliteStatement delete_records_, add_attempts_, to_dead_letters_, trim_dead_letters_;
  SqliteStatement scan_sink_, get_record_, scan_oldest_, oldest_of_sink_, set_meta_;
  SqliteStatement list_dead_letters_;
  // Inserts kInsertBatchRows records in one statement: a statement per record costs a B-tree
  // seek from the root, a halt and a reset each; a multi-row one keeps its cursor open.
  static constexpr int kInsertBatchRows = 64;
  SqliteStatement insert_records_batch_;
  SqliteStatement count_records_, clear_records_;

  std::vector<SinkState> sinks_;
  std::unordered_map<std::string, size_t> sink_by_name_;
  size_t committed_sinks_ = 0;  // sinks_[0, committed_sinks_) exist in the database

  int64_t next_id_ = 1;
  int64_t last_committed_id_ = 0;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t dead_letter_rows_ = 0;
  uint64_t dropped_ = 0;
  uint64_t commits_ = 0;
  uint64_t commit_failures_ = 0;
  bool full_ = false;
  bool corruption_seen_ = false;

  // Work for the next commit.
  std::vector<PendingRecord> pending_records_;
  std::map<std::string, std::string> pending_checkpoints_;
  // Every id to delete (acked, dead-lettered, dropped), in the order marked; deletes_sorted_
  // says whether that is ascending. Only drop_oldest can mark a record a sender has not
  // leased yet, so only those ids need the hash set that lease scans check per row.
  std::vector<int64_t> pending_deletes_;
  bool deletes_sorted_ = true;
  std::unordered_set<int64_t> dropped_unleased_;
  std::vector<std::pair<int64_t, std::string>> pending_dead_;
  std::unordered_map<int64_t, int> pending_attempts_;
  size_t pending_ops_ = 0;
  uint64_t pending_bytes_ = 0;
  std::optional<SteadyTime> pending_since_;
  // After a failed commit (a full disk), MaybeCommit waits until then instead of retrying on
  // every loop turn, which would spin the CPU for as long as the disk stays full.
  std::optional<SteadyTime> commit_retry_at_;

  std::unordered_map<int64_t, LeaseInfo> leased_;
  std::deque<std::pair<SteadyTime, int64_t>> lease_queue_;  // in deadline order

  uint64_t append_seq_ = 0;
  uint64_t pending_seq_ = 0;
  uint64_t durable_seq_ = 0;
  Status last_commit_error_;
};

}  // namespace kedge::kpl
