// SqliteSpool: leases, acks, nacks and dead letters. Leases live in memory only (see
// docs/spool_format.md, "Leases are not stored").

#include <algorithm>

#include "kpl/spool/sqlite_spool.h"
#include "platform/logging.h"

namespace kedge::kpl {

std::optional<std::pair<size_t, uint64_t>> SqliteSpool::Release(int64_t id, int* attempts) {
  // An id marked for delete is neither leased nor re-queued, so the lookups below miss it.
  auto it = leased_.find(id);
  if (it != leased_.end()) {
    auto result = std::make_pair(it->second.sink, it->second.bytes);
    if (attempts != nullptr) *attempts = it->second.attempts;
    sinks_[it->second.sink].leased--;
    leased_.erase(it);
    return result;
  }
  for (size_t s = 0; s < sinks_.size(); ++s) {
    auto r = sinks_[s].requeued.find(id);
    if (r == sinks_[s].requeued.end()) continue;
    auto result = std::make_pair(s, r->second);
    sinks_[s].requeued.erase(r);
    if (attempts != nullptr) {
      auto delta = pending_attempts_.find(id);
      *attempts = delta == pending_attempts_.end() ? 0 : delta->second;
    }
    return result;
  }
  return std::nullopt;
}

// The queue holds one entry per lease in deadline order. Entries whose record was acked or
// re-leased are popped as soon as they reach the front, so the queue stays about as long as
// the number of records in flight, not the number leased per lease_timeout.
void SqliteSpool::ExpireLeases() {
  const SteadyTime now = clock_.Now();
  while (!lease_queue_.empty()) {
    auto [deadline, id] = lease_queue_.front();
    auto it = leased_.find(id);
    bool live = it != leased_.end() && it->second.deadline == deadline;
    if (live && deadline > now) break;
    lease_queue_.pop_front();
    if (!live) continue;
    SinkState& sink = sinks_[it->second.sink];
    sink.requeued[id] = it->second.bytes;
    sink.leased--;
    leased_.erase(it);
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << Context() << ": a lease on sink " << sink.name << " expired after "
        << options_.lease_timeout.count() << " ms; its records go out again";
  }
}

StatusOr<std::vector<SpooledRecord>> SqliteSpool::Lease(const std::string& sink_name,
                                                        size_t max_records, size_t max_bytes) {
  if (db_ == nullptr) return FailedPreconditionError(Context() + ": closed after an error");
  ExpireLeases();
  std::vector<SpooledRecord> out;
  auto index = FindSink(sink_name);
  if (!index || max_records == 0) return out;
  SinkState& sink = sinks_[*index];
  size_t out_bytes = 0;
  KEDGE_RETURN_IF_ERROR(LeaseRequeued(sink, *index, max_records, max_bytes, &out, &out_bytes));
  KEDGE_RETURN_IF_ERROR(LeaseScan(sink, *index, max_records, max_bytes, &out, &out_bytes));
  return out;
}

namespace {
constexpr uint64_t kLeaseReserveCap = 1024;

// Reads the columns shared by scan_sink_ and get_record_ into a new record at the end of
// `out`, in place: a record built elsewhere and moved in costs a move of its four strings.
void ReadRecord(const SqliteStatement& stmt, const std::string& sink,
                std::vector<SpooledRecord>* out) {
  SpooledRecord& record = out->emplace_back();
  record.id = stmt.ColumnInt64(0);
  record.sink = sink;
  record.created_ms = stmt.ColumnInt64(2);
  record.attempts = static_cast<int>(stmt.ColumnInt64(3));
  record.partition_key = stmt.ColumnString(4);
  if (!stmt.ColumnIsNull(5)) record.explicit_hash_key = stmt.ColumnString(5);
  record.data = stmt.ColumnString(6);
}
}  // namespace

void SqliteSpool::TakeLease(size_t sink_index, uint64_t bytes, SteadyTime deadline,
                            std::vector<SpooledRecord>* out, size_t* out_bytes) {
  SpooledRecord& record = out->back();
  if (!pending_attempts_.empty()) {
    auto delta = pending_attempts_.find(record.id);
    if (delta != pending_attempts_.end()) record.attempts += delta->second;
  }
  leased_[record.id] = LeaseInfo{sink_index, bytes, record.attempts, deadline};
  lease_queue_.emplace_back(deadline, record.id);
  sinks_[sink_index].leased++;
  *out_bytes += bytes;
}

Status SqliteSpool::LeaseRequeued(SinkState& sink, size_t sink_index, size_t max_records,
                                  size_t max_bytes, std::vector<SpooledRecord>* out,
                                  size_t* out_bytes) {
  const SteadyTime deadline = clock_.Now() + options_.lease_timeout;
  while (!sink.requeued.empty() && out->size() < max_records) {
    auto [id, bytes] = *sink.requeued.begin();
    if (!out->empty() && *out_bytes + bytes > max_bytes) break;
    get_record_.BindInt64(1, id);
    int rc = get_record_.Step();
    if (rc == SQLITE_ROW) {
      ReadRecord(get_record_, sink.name, out);
      TakeLease(sink_index, bytes, deadline, out, out_bytes);
    }
    Status status = rc == SQLITE_ROW || rc == SQLITE_DONE
                        ? Status::Ok()
                        : SqliteError(db_, rc, Context(), "reading a re-queued record");
    get_record_.Reset();
    KEDGE_RETURN_IF_ERROR(Fail(status));
    sink.requeued.erase(id);
  }
  return Status::Ok();
}

// Reads the sink's committed records above its cursor in id order. Records of other sinks are
// stepped over; the cursor means each row is stepped over at most once per sink and process.
Status SqliteSpool::LeaseScan(SinkState& sink, size_t sink_index, size_t max_records,
                              size_t max_bytes, std::vector<SpooledRecord>* out,
                              size_t* out_bytes) {
  const SteadyTime deadline = clock_.Now() + options_.lease_timeout;
  if (sink.scan_cursor < last_committed_id_) {
    // At most this many rows can come: room for them at once (capped), not by doubling.
    uint64_t rows_left = static_cast<uint64_t>(last_committed_id_ - sink.scan_cursor);
    size_t room = std::min<uint64_t>({max_records - out->size(), rows_left, kLeaseReserveCap});
    out->reserve(out->size() + room);
  }
  while (out->size() < max_records && sink.scan_cursor < last_committed_id_) {
    const int64_t limit = static_cast<int64_t>(max_records - out->size());
    scan_sink_.BindInt64(1, sink.scan_cursor);
    scan_sink_.BindInt64(2, sink.id);
    scan_sink_.BindInt64(3, limit);
    int64_t rows = 0;
    bool budget_spent = false;
    int rc;
    while ((rc = scan_sink_.Step()) == SQLITE_ROW) {
      int64_t id = scan_sink_.ColumnInt64(0);
      uint64_t bytes = static_cast<uint64_t>(scan_sink_.ColumnInt64(1));
      if (dropped_unleased_.count(id) == 0) {
        if (!out->empty() && *out_bytes + bytes > max_bytes) {
          budget_spent = true;
          break;
        }
        ReadRecord(scan_sink_, sink.name, out);
        TakeLease(sink_index, bytes, deadline, out, out_bytes);
      }
      ++rows;
      sink.scan_cursor = id;
    }
    Status status = rc == SQLITE_ROW || rc == SQLITE_DONE
                        ? Status::Ok()
                        : SqliteError(db_, rc, Context(), "leasing records");
    scan_sink_.Reset();
    KEDGE_RETURN_IF_ERROR(Fail(status));
    if (budget_spent) break;
    // Fewer rows than asked: the sink has nothing more up to the last commit.
    if (rows < limit) sink.scan_cursor = last_committed_id_;
  }
  return Status::Ok();
}

Status SqliteSpool::Ack(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    auto released = Release(id, nullptr);
    if (!released) continue;
    RemoveFromCounts(released->first, released->second);
    MarkForDelete(id);
  }
  if (pending_ops_ >= options_.commit_records) Commit().IgnoreError();  // see Append
  return Status::Ok();
}

Status SqliteSpool::Nack(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    int attempts = 0;
    auto released = Release(id, &attempts);
    if (!released) continue;
    auto [sink, bytes] = *released;
    if (options_.max_attempts > 0 && attempts + 1 >= options_.max_attempts) {
      RemoveFromCounts(sink, bytes);
      sinks_[sink].dead_lettered++;
      dead_letter_rows_++;
      pending_attempts_[id]++;
      pending_dead_.emplace_back(
          id, "gave up after " + std::to_string(attempts + 1) + " attempts");
      MarkForDelete(id);
      continue;
    }
    pending_attempts_[id]++;
    sinks_[sink].requeued[id] = bytes;
    NotePending(1);
  }
  if (pending_ops_ >= options_.commit_records) Commit().IgnoreError();  // see Append
  return Status::Ok();
}

Status SqliteSpool::DeadLetter(const std::vector<int64_t>& ids, const std::string& reason) {
  for (int64_t id : ids) {
    auto released = Release(id, nullptr);
    if (!released) continue;
    RemoveFromCounts(released->first, released->second);
    sinks_[released->first].dead_lettered++;
    dead_letter_rows_++;
    pending_dead_.emplace_back(id, reason);
    MarkForDelete(id);
  }
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
      << Context() << ": " << ids.size() << " records moved to dead letters: " << reason;
  if (pending_ops_ >= options_.commit_records) Commit().IgnoreError();  // see Append
  return Status::Ok();
}

}  // namespace kedge::kpl
