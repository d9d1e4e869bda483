#include "ingest/kinesis/kinesis_store.h"

#include <cstdio>

namespace kedge::ingest {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS kds_streams(
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, mode TEXT NOT NULL,
  retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kds_shards(
  stream_id INTEGER NOT NULL REFERENCES kds_streams(id) ON DELETE CASCADE,
  shard_index INTEGER NOT NULL, start_key TEXT NOT NULL, end_key TEXT NOT NULL,
  first_sequence INTEGER NOT NULL, PRIMARY KEY(stream_id, shard_index));
CREATE TABLE IF NOT EXISTS kds_records(
  sequence INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL,
  shard_index INTEGER NOT NULL, partition_key TEXT NOT NULL, data BLOB NOT NULL,
  arrival_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS kds_records_by_shard ON kds_records(stream_id, shard_index, sequence);
)sql";

constexpr char kSequencePrefix[] = "49";
constexpr int kSequenceDigits = 54;

Status StreamNotFound(const std::string& name) {
  return NotFoundError("Stream " + name + " not found.");
}

StatusOr<int64_t> MaxSequence(Connection& conn) {
  KEDGE_ASSIGN_OR_RETURN(Statement stmt,
                         conn.Prepare("SELECT seq FROM sqlite_sequence WHERE name='kds_records'"));
  KEDGE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

}  // namespace

std::string KdsShard::Id() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "shardId-%012d", index);
  return buf;
}

const KdsShard& KdsStream::ShardFor(HashKey key) const {
  for (const KdsShard& shard : shards) {
    if (shard.start <= key && key <= shard.end) return shard;
  }
  return shards.back();
}

const KdsShard* KdsStream::FindShard(std::string_view shard_id) const {
  for (const KdsShard& shard : shards) {
    if (shard.Id() == shard_id) return &shard;
  }
  return nullptr;
}

std::string FormatSequenceNumber(int64_t sequence) {
  std::string digits = std::to_string(sequence);
  return kSequencePrefix + std::string(kSequenceDigits - digits.size(), '0') + digits;
}

StatusOr<int64_t> ParseSequenceNumber(std::string_view text) {
  Status invalid = InvalidArgumentError("'" + std::string(text) + "' is not a sequence number");
  if (text.size() != sizeof(kSequencePrefix) - 1 + kSequenceDigits ||
      text.substr(0, 2) != kSequencePrefix) {
    return invalid;
  }
  std::string_view digits = text.substr(text.size() - 18);
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return invalid;
  }
  if (text.substr(2, kSequenceDigits - 18).find_first_not_of('0') != std::string_view::npos) {
    return invalid;
  }
  return static_cast<int64_t>(std::stoll(std::string(digits)));
}

StatusOr<std::unique_ptr<KinesisStore>> KinesisStore::Open(Database& db, Clock& clock) {
  KEDGE_RETURN_IF_ERROR(db.Run([](Connection& conn) { return conn.Exec(kSchema); }));
  return std::unique_ptr<KinesisStore>(new KinesisStore(db, clock));
}

Status KinesisStore::CreateStream(const std::string& name, int shard_count,
                                  const std::string& mode) {
  int64_t now = ToUnixMillis(clock_.WallNow());
  return db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find, conn.Prepare("SELECT id FROM kds_streams WHERE name=?"));
    KEDGE_ASSIGN_OR_RETURN(bool exists, find.Bind(1, name).Step());
    if (exists) return AlreadyExistsError("Stream " + name + " already exists.");
    KEDGE_ASSIGN_OR_RETURN(Statement insert,
                           conn.Prepare("INSERT INTO kds_streams(name, mode, retention_hours, "
                                        "created_ms) VALUES(?, ?, 24, ?)"));
    KEDGE_RETURN_IF_ERROR(insert.Bind(1, name).Bind(2, mode).Bind(3, now).Run());
    int64_t stream_id = conn.LastInsertRowId();
    KEDGE_ASSIGN_OR_RETURN(int64_t first, MaxSequence(conn));
    KEDGE_ASSIGN_OR_RETURN(Statement shard,
                           conn.Prepare("INSERT INTO kds_shards VALUES(?, ?, ?, ?, ?)"));
    int index = 0;
    for (const auto& [start, end] : SplitHashKeySpace(shard_count)) {
      shard.Reset();
      KEDGE_RETURN_IF_ERROR(shard.Bind(1, stream_id)
                                .Bind(2, int64_t{index++})
                                .Bind(3, start.ToDecimal())
                                .Bind(4, end.ToDecimal())
                                .Bind(5, first + 1)
                                .Run());
    }
    return Status::Ok();
  });
}

Status KinesisStore::DeleteStream(const std::string& name) {
  return db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find, conn.Prepare("SELECT id FROM kds_streams WHERE name=?"));
    KEDGE_ASSIGN_OR_RETURN(bool exists, find.Bind(1, name).Step());
    if (!exists) return StreamNotFound(name);
    int64_t id = find.Int(0);
    KEDGE_ASSIGN_OR_RETURN(Statement records,
                           conn.Prepare("DELETE FROM kds_records WHERE stream_id=?"));
    KEDGE_RETURN_IF_ERROR(records.Bind(1, id).Run());
    KEDGE_ASSIGN_OR_RETURN(Statement stream, conn.Prepare("DELETE FROM kds_streams WHERE id=?"));
    return stream.Bind(1, id).Run();
  });
}

StatusOr<KdsStream> KinesisStore::GetStream(const std::string& name) {
  KdsStream stream;
  Status status = db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find,
                           conn.Prepare("SELECT id, mode, retention_hours, created_ms FROM "
                                        "kds_streams WHERE name=?"));
    KEDGE_ASSIGN_OR_RETURN(bool exists, find.Bind(1, name).Step());
    if (!exists) return StreamNotFound(name);
    stream.id = find.Int(0);
    stream.name = name;
    stream.mode = find.Text(1);
    stream.retention_hours = static_cast<int>(find.Int(2));
    stream.created_ms = find.Int(3);
    KEDGE_ASSIGN_OR_RETURN(Statement shards,
                           conn.Prepare("SELECT shard_index, start_key, end_key, first_sequence "
                                        "FROM kds_shards WHERE stream_id=? ORDER BY shard_index"));
    shards.Bind(1, stream.id);
    while (true) {
      KEDGE_ASSIGN_OR_RETURN(bool row, shards.Step());
      if (!row) break;
      KdsShard shard;
      shard.index = static_cast<int>(shards.Int(0));
      KEDGE_ASSIGN_OR_RETURN(shard.start, HashKey::FromDecimal(shards.Text(1)));
      KEDGE_ASSIGN_OR_RETURN(shard.end, HashKey::FromDecimal(shards.Text(2)));
      shard.first_sequence = shards.Int(3);
      stream.shards.push_back(shard);
    }
    if (stream.shards.empty()) return DataLossError("stream " + name + " has no shards");
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return stream;
}

StatusOr<std::vector<KdsStream>> KinesisStore::ListStreams() {
  std::vector<KdsStream> streams;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement list,
                           conn.Prepare("SELECT id, name, mode, retention_hours, created_ms FROM "
                                        "kds_streams ORDER BY name"));
    while (true) {
      KEDGE_ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) return Status::Ok();
      KdsStream stream;
      stream.id = list.Int(0);
      stream.name = list.Text(1);
      stream.mode = list.Text(2);
      stream.retention_hours = static_cast<int>(list.Int(3));
      stream.created_ms = list.Int(4);
      streams.push_back(std::move(stream));
    }
  }));
  return streams;
}

Status KinesisStore::SetRetention(const std::string& name, int hours) {
  return db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement update, conn.Prepare("UPDATE kds_streams SET retention_hours=? WHERE name=?"));
    KEDGE_RETURN_IF_ERROR(update.Bind(1, int64_t{hours}).Bind(2, name).Run());
    return conn.Changes() == 0 ? StreamNotFound(name) : Status::Ok();
  });
}

StatusOr<std::vector<KdsPutResult>> KinesisStore::Put(const KdsStream& stream,
                                                      const std::vector<KdsRecordIn>& records) {
  std::vector<KdsPutResult> results;
  results.reserve(records.size());
  int64_t now = ToUnixMillis(clock_.WallNow());
  KEDGE_RETURN_IF_ERROR(db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement insert,
                           conn.Prepare("INSERT INTO kds_records(stream_id, shard_index, "
                                        "partition_key, data, arrival_ms) VALUES(?, ?, ?, ?, ?)"));
    for (const KdsRecordIn& record : records) {
      HashKey key = record.explicit_hash_key ? *record.explicit_hash_key
                                             : HashKey::FromPartitionKey(record.partition_key);
      const KdsShard& shard = stream.ShardFor(key);
      insert.Reset();
      KEDGE_RETURN_IF_ERROR(insert.Bind(1, stream.id)
                                .Bind(2, int64_t{shard.index})
                                .Bind(3, record.partition_key)
                                .BindBlob(4, record.data)
                                .Bind(5, now)
                                .Run());
      results.push_back({shard.index, conn.LastInsertRowId()});
    }
    return Status::Ok();
  }));
  return results;
}

StatusOr<std::vector<KdsRecordOut>> KinesisStore::Read(int64_t stream_id, int shard_index,
                                                       int64_t after, int limit,
                                                       size_t max_bytes) {
  std::vector<KdsRecordOut> records;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement read,
        conn.Prepare("SELECT sequence, partition_key, data, arrival_ms FROM kds_records WHERE "
                     "stream_id=? AND shard_index=? AND sequence>? ORDER BY sequence LIMIT ?"));
    read.Bind(1, stream_id).Bind(2, int64_t{shard_index}).Bind(3, after).Bind(4, int64_t{limit});
    size_t bytes = 0;
    while (bytes < max_bytes) {
      KEDGE_ASSIGN_OR_RETURN(bool row, read.Step());
      if (!row) break;
      KdsRecordOut record{read.Int(0), read.Text(1), read.Blob(2), read.Int(3)};
      bytes += record.data.size() + record.partition_key.size();
      records.push_back(std::move(record));
    }
    return Status::Ok();
  }));
  return records;
}

StatusOr<std::vector<KdsRecordOut>> KinesisStore::Recent(int64_t stream_id, int limit) {
  std::vector<KdsRecordOut> records;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement read,
        conn.Prepare("SELECT sequence, partition_key, data, arrival_ms, shard_index FROM "
                     "kds_records WHERE stream_id=? ORDER BY sequence DESC LIMIT ?"));
    read.Bind(1, stream_id).Bind(2, int64_t{limit});
    while (true) {
      KEDGE_ASSIGN_OR_RETURN(bool row, read.Step());
      if (!row) return Status::Ok();
      records.push_back({read.Int(0), read.Text(1), read.Blob(2), read.Int(3),
                         static_cast<int>(read.Int(4))});
    }
  }));
  return records;
}

StatusOr<int64_t> KinesisStore::CountRecords(int64_t stream_id) {
  int64_t count = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement select,
                           conn.Prepare("SELECT COUNT(*) FROM kds_records WHERE stream_id=?"));
    KEDGE_ASSIGN_OR_RETURN(bool row, select.Bind(1, stream_id).Step());
    if (row) count = select.Int(0);
    return Status::Ok();
  }));
  return count;
}

StatusOr<int64_t> KinesisStore::LastSequenceBefore(int64_t stream_id, int shard_index,
                                                   int64_t unix_ms) {
  int64_t last = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement max,
                           conn.Prepare("SELECT MAX(sequence) FROM kds_records WHERE stream_id=? "
                                        "AND shard_index=? AND arrival_ms<?"));
    KEDGE_ASSIGN_OR_RETURN(
        bool row, max.Bind(1, stream_id).Bind(2, int64_t{shard_index}).Bind(3, unix_ms).Step());
    if (row && !max.IsNull(0)) last = max.Int(0);
    return Status::Ok();
  }));
  return last;
}

StatusOr<int64_t> KinesisStore::TrimExpired() {
  int64_t now = ToUnixMillis(clock_.WallNow());
  int64_t removed = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement trim,
        conn.Prepare("DELETE FROM kds_records WHERE arrival_ms < ? - 3600000 * (SELECT "
                     "retention_hours FROM kds_streams s WHERE s.id = kds_records.stream_id)"));
    KEDGE_RETURN_IF_ERROR(trim.Bind(1, now).Run());
    removed = conn.Changes();
    return Status::Ok();
  }));
  return removed;
}

}  // namespace kedge::ingest
