#pragma once
// Spool: the durable queue between the sources and the senders.
//
// A source appends records together with its own checkpoint (file identity and offset, journald
// cursor, MQTT packet id); both are committed in one transaction, so after a crash the source
// resumes exactly after the last record that is on disk: nothing read is lost, little is repeated.
// A sender leases a batch for one sink, sends it, and then acks it (deleted), nacks it (back in
// line, attempts + 1) or dead-letters it (kept aside for inspection, counted). Delivery is
// at-least-once: a record leaves the spool only when its sink acknowledged it.
//
// Writes are group-committed: Append() buffers in memory and returns an append sequence number;
// the records (and their checkpoints) become durable at the next commit, which happens when
// `commit_records` operations are pending, when the oldest pending operation is
// `commit_interval` old (checked by MaybeCommit(), which the owner calls from its loop), or when
// the owner calls Commit(). durable_sequence() and the on_durable callback tell a source which of
// its appends are on disk (an MQTT source acks the broker only then).
//
// Threading: a Spool is not thread-safe. It is owned and called by one thread (the `spool`
// thread); other threads reach it through that thread's EventLoop::Post. Callbacks run on it too.
//
// Errors: every method returns a Status whose message names the spool's path. Disk full is
// ResourceExhausted (the pending writes stay in memory and the next commit retries them); a full
// spool under the `block` policy is ResourceExhausted too (pause the source and try again after
// acks free room); corruption found after open is DataLoss.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace kedge::kpl {

// What a source hands to the spool.
struct SpoolRecord {
  std::string sink;               // the sink (stream) this record is for
  std::string partition_key;
  std::string explicit_hash_key;  // decimal 128-bit hash key; empty when not set
  std::string data;
  int64_t created_ms = 0;         // Unix ms when read; 0 means "now" (the spool's clock)
};

// What a sender gets back from Lease().
struct SpooledRecord {
  int64_t id = 0;  // unique and increasing in append order; never reused, even across restarts
  std::string sink;
  std::string partition_key;
  std::string explicit_hash_key;
  std::string data;
  int64_t created_ms = 0;
  int attempts = 0;  // how many times it was nacked before this lease
};

// A source's resume position, committed in the same transaction as the records it accompanies.
struct CheckpointUpdate {
  std::string source;
  std::string value;  // opaque to the spool
};

// A record that was given up on; kept for inspection (`kedge status`, sqlite3 on the file).
struct DeadLetterRecord {
  int64_t id = 0;
  std::string sink;
  std::string partition_key;
  std::string data;
  int64_t created_ms = 0;
  int64_t failed_ms = 0;
  int attempts = 0;
  std::string reason;
};

enum class WhenFull {
  kBlock,       // Append fails with ResourceExhausted; the caller pauses its source
  kDropOldest,  // the oldest records nobody has leased are deleted to make room, and counted
};

// "block" or "drop_oldest" (the config's spool.when_full); InvalidArgument names the choices.
StatusOr<WhenFull> ParseWhenFull(std::string_view text);

struct SpoolSinkStats {
  std::string sink;
  uint64_t records = 0;  // in the spool (committed or pending), not yet acked
  uint64_t bytes = 0;
  uint64_t leased = 0;
  uint64_t dropped = 0;       // by drop_oldest since the spool was opened
  uint64_t dead_letters = 0;  // dead-lettered since the spool was opened
  std::optional<int64_t> oldest_created_ms;  // of its oldest committed record, if any
};

struct SpoolStats {
  uint64_t records = 0;  // committed + pending appends, minus acked/dropped/dead-lettered
  uint64_t bytes = 0;    // accounted bytes (see docs/spool_format.md), compared to max_bytes
  uint64_t max_bytes = 0;
  uint64_t leased = 0;
  uint64_t pending = 0;  // operations waiting for the next commit
  uint64_t dropped = 0;
  uint64_t dead_letters = 0;  // rows in the dead-letter table
  uint64_t commits = 0;
  uint64_t commit_failures = 0;
  uint64_t appended_sequence = 0;
  uint64_t durable_sequence = 0;
  bool full = false;  // the last Append was refused for lack of room
  std::vector<SpoolSinkStats> sinks;
};

class Spool {
 public:
  virtual ~Spool() = default;

  // Accepts `records` and `checkpoints` as one unit: they are committed together or not at all.
  // Returns the append sequence number; the unit is durable once durable_sequence() reaches it.
  // ResourceExhausted when the spool is full (block policy, or nothing left to drop) or when
  // commits keep failing and the in-memory backlog is at its bound; InvalidArgument for a record
  // larger than the whole spool or without a sink. May commit (group commit by count).
  virtual StatusOr<uint64_t> Append(std::vector<SpoolRecord> records,
                                    std::vector<CheckpointUpdate> checkpoints = {}) = 0;

  // Commits pending work if `commit_records` operations are waiting or the oldest has waited
  // `commit_interval`. Also expires leases. Call it from the owning loop at least every
  // TimeUntilCommit().
  virtual Status MaybeCommit() = 0;
  // Commits all pending work now (Flush). OK when there is nothing to do.
  virtual Status Commit() = 0;
  // How long the owner may wait before calling MaybeCommit() again: until the group commit is
  // due, or, with nothing pending, until the next lease expires (long when idle).
  virtual std::chrono::milliseconds TimeUntilCommit() const = 0;

  // Up to `max_records` committed records of `sink` (at least one if any, even when it alone is
  // larger than `max_bytes`), oldest first, that no one holds a lease on. They stay leased until
  // acked, nacked, dead-lettered, or the lease times out; leases do not survive a restart.
  virtual StatusOr<std::vector<SpooledRecord>> Lease(const std::string& sink, size_t max_records,
                                                     size_t max_bytes) = 0;
  // Ack, Nack and DeadLetter take effect at once in memory and on disk at the next commit; a
  // failed commit is reported by MaybeCommit()/Commit(), not by them.
  // Delivered: the records are deleted at the next commit. Unknown ids are ignored.
  virtual Status Ack(const std::vector<int64_t>& ids) = 0;
  // Not delivered, will retry: back in line (before newer records) with attempts + 1. A record
  // that reaches `max_attempts` goes to the dead letters instead.
  virtual Status Nack(const std::vector<int64_t>& ids) = 0;
  // Will never be delivered (rejected as invalid, expired): moved to the dead-letter table.
  virtual Status DeadLetter(const std::vector<int64_t>& ids, const std::string& reason) = 0;

  // The latest checkpoint appended for `source` (committed or pending), or nullopt.
  virtual StatusOr<std::optional<std::string>> GetCheckpoint(const std::string& source) = 0;

  // The newest dead letters, newest first.
  virtual StatusOr<std::vector<DeadLetterRecord>> ListDeadLetters(size_t limit) = 0;

  // Room left under max_bytes. A source paused by a full spool (block policy) resumes when
  // this is at least what it wants to append; acks make room.
  virtual uint64_t FreeBytes() const = 0;
  virtual uint64_t durable_sequence() const = 0;
  virtual SpoolStats stats() = 0;
};

}  // namespace kedge::kpl
