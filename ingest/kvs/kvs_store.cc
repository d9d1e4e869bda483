#include "ingest/kvs/kvs_store.h"

#include <algorithm>

namespace kedge::ingest {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS kvs_streams(
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, arn TEXT NOT NULL UNIQUE,
  device_name TEXT NOT NULL, media_type TEXT NOT NULL, kms_key_id TEXT NOT NULL,
  retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kvs_tags(
  stream_id INTEGER NOT NULL REFERENCES kvs_streams(id) ON DELETE CASCADE,
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(stream_id, key));
CREATE TABLE IF NOT EXISTS kvs_headers(
  id INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL, path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kvs_fragment_numbers(n INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS kvs_fragments(
  number INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL, header_id INTEGER NOT NULL,
  timecode INTEGER NOT NULL, producer_ms INTEGER NOT NULL, server_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS kvs_fragments_by_producer ON kvs_fragments(stream_id, producer_ms);
CREATE INDEX IF NOT EXISTS kvs_fragments_by_server ON kvs_fragments(stream_id, server_ms);
)sql";

constexpr char kStreamColumns[] =
    "id, name, arn, device_name, media_type, kms_key_id, retention_hours, created_ms, version";
constexpr char kFragmentColumns[] =
    "number, stream_id, header_id, timecode, producer_ms, server_ms, duration_ms, size, path";
constexpr char kFragmentPrefix[] = "91343852333";
constexpr int kFragmentDigits = 36;

KvsStream ReadStream(const Statement& s) {
  KvsStream stream;
  stream.id = s.Int(0);
  stream.name = s.Text(1);
  stream.arn = s.Text(2);
  stream.device_name = s.Text(3);
  stream.media_type = s.Text(4);
  stream.kms_key_id = s.Text(5);
  stream.retention_hours = static_cast<int>(s.Int(6));
  stream.created_ms = s.Int(7);
  stream.version = s.Int(8);
  return stream;
}

KvsFragment ReadFragment(const Statement& s) {
  KvsFragment f;
  f.number = s.Int(0);
  f.stream_id = s.Int(1);
  f.header_id = s.Int(2);
  f.timecode = static_cast<uint64_t>(s.Int(3));
  f.producer_ms = s.Int(4);
  f.server_ms = s.Int(5);
  f.duration_ms = s.Int(6);
  f.size = s.Int(7);
  f.path = s.Text(8);
  return f;
}

StatusOr<std::vector<KvsFragment>> ReadFragments(Statement& stmt) {
  std::vector<KvsFragment> out;
  while (true) {
    KEDGE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(ReadFragment(stmt));
  }
}

}  // namespace

std::string FormatFragmentNumber(int64_t number) {
  std::string digits = std::to_string(number);
  return kFragmentPrefix + std::string(kFragmentDigits - digits.size(), '0') + digits;
}

StatusOr<int64_t> ParseFragmentNumber(std::string_view text) {
  Status invalid = InvalidArgumentError("'" + std::string(text) + "' is not a fragment number");
  size_t prefix = sizeof(kFragmentPrefix) - 1;
  if (text.size() != prefix + kFragmentDigits || text.substr(0, prefix) != kFragmentPrefix) {
    return invalid;
  }
  std::string_view digits = text.substr(prefix);
  if (digits.find_first_not_of("0123456789") != std::string_view::npos ||
      digits.substr(0, kFragmentDigits - 18).find_first_not_of('0') != std::string_view::npos) {
    return invalid;
  }
  return static_cast<int64_t>(std::stoll(std::string(digits.substr(kFragmentDigits - 18))));
}

StatusOr<std::unique_ptr<KvsStore>> KvsStore::Open(Database& db, Clock& clock) {
  KEDGE_RETURN_IF_ERROR(db.Run([](Connection& conn) { return conn.Exec(kSchema); }));
  return std::unique_ptr<KvsStore>(new KvsStore(db, clock));
}

StatusOr<KvsStream> KvsStore::CreateStream(KvsStream stream, const std::string& region,
                                           const std::string& account,
                                           const std::map<std::string, std::string>& tags) {
  stream.created_ms = ToUnixMillis(clock_.WallNow());
  stream.arn = "arn:aws:kinesisvideo:" + region + ":" + account + ":stream/" + stream.name + "/" +
               std::to_string(stream.created_ms);
  stream.version = 1;
  KEDGE_RETURN_IF_ERROR(db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find, conn.Prepare("SELECT id FROM kvs_streams WHERE name=?"));
    KEDGE_ASSIGN_OR_RETURN(bool exists, find.Bind(1, stream.name).Step());
    if (exists) return AlreadyExistsError("The stream " + stream.name + " already exists.");
    KEDGE_ASSIGN_OR_RETURN(
        Statement insert,
        conn.Prepare("INSERT INTO kvs_streams(name, arn, device_name, media_type, kms_key_id, "
                     "retention_hours, created_ms, version) VALUES(?, ?, ?, ?, ?, ?, ?, 1)"));
    KEDGE_RETURN_IF_ERROR(insert.Bind(1, stream.name)
                              .Bind(2, stream.arn)
                              .Bind(3, stream.device_name)
                              .Bind(4, stream.media_type)
                              .Bind(5, stream.kms_key_id)
                              .Bind(6, int64_t{stream.retention_hours})
                              .Bind(7, stream.created_ms)
                              .Run());
    stream.id = conn.LastInsertRowId();
    KEDGE_ASSIGN_OR_RETURN(Statement tag, conn.Prepare("INSERT INTO kvs_tags VALUES(?, ?, ?)"));
    for (const auto& [key, value] : tags) {
      tag.Reset();
      KEDGE_RETURN_IF_ERROR(tag.Bind(1, stream.id).Bind(2, key).Bind(3, value).Run());
    }
    return Status::Ok();
  }));
  return stream;
}

StatusOr<KvsStream> KvsStore::FindStream(const char* column, const std::string& value) {
  KvsStream stream;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find,
                           conn.Prepare(std::string("SELECT ") + kStreamColumns +
                                        " FROM kvs_streams WHERE " + column + "=?"));
    KEDGE_ASSIGN_OR_RETURN(bool row, find.Bind(1, value).Step());
    if (!row) return NotFoundError("The requested stream " + value + " was not found.");
    stream = ReadStream(find);
    return Status::Ok();
  }));
  return stream;
}

StatusOr<KvsStream> KvsStore::GetStream(const std::string& name) { return FindStream("name", name); }

StatusOr<KvsStream> KvsStore::GetStreamByArn(const std::string& arn) {
  return FindStream("arn", arn);
}

StatusOr<std::vector<KvsStream>> KvsStore::ListStreams() {
  std::vector<KvsStream> streams;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement list, conn.Prepare(std::string("SELECT ") + kStreamColumns +
                                                        " FROM kvs_streams ORDER BY name"));
    while (true) {
      KEDGE_ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) return Status::Ok();
      streams.push_back(ReadStream(list));
    }
  }));
  return streams;
}

StatusOr<std::vector<std::string>> KvsStore::DeleteStream(int64_t stream_id) {
  std::vector<std::string> paths;
  KEDGE_RETURN_IF_ERROR(db_.RunTransaction([&](Connection& conn) -> Status {
    for (const char* sql : {"SELECT path FROM kvs_fragments WHERE stream_id=?",
                            "SELECT path FROM kvs_headers WHERE stream_id=?"}) {
      KEDGE_ASSIGN_OR_RETURN(Statement select, conn.Prepare(sql));
      select.Bind(1, stream_id);
      while (true) {
        KEDGE_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        paths.push_back(select.Text(0));
      }
    }
    for (const char* sql : {"DELETE FROM kvs_fragments WHERE stream_id=?",
                            "DELETE FROM kvs_headers WHERE stream_id=?",
                            "DELETE FROM kvs_streams WHERE id=?"}) {
      KEDGE_ASSIGN_OR_RETURN(Statement del, conn.Prepare(sql));
      KEDGE_RETURN_IF_ERROR(del.Bind(1, stream_id).Run());
    }
    return Status::Ok();
  }));
  return paths;
}

Status KvsStore::UpdateRetention(int64_t stream_id, int hours,
                                 std::optional<int64_t> expected_version) {
  return db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement update,
                           conn.Prepare("UPDATE kvs_streams SET retention_hours=?, "
                                        "version=version+1 WHERE id=? AND (? IS NULL OR version=?)"));
    update.Bind(1, int64_t{hours}).Bind(2, stream_id);
    if (expected_version) {
      update.Bind(3, *expected_version).Bind(4, *expected_version);
    } else {
      update.BindNull(3).BindNull(4);
    }
    KEDGE_RETURN_IF_ERROR(update.Run());
    if (conn.Changes() == 0) {
      return FailedPreconditionError("The stream version " +
                                     std::to_string(expected_version.value_or(0)) +
                                     " does not match the current version.");
    }
    return Status::Ok();
  });
}

Status KvsStore::SetTags(int64_t stream_id, const std::map<std::string, std::string>& tags) {
  return db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement tag,
                           conn.Prepare("INSERT OR REPLACE INTO kvs_tags VALUES(?, ?, ?)"));
    for (const auto& [key, value] : tags) {
      tag.Reset();
      KEDGE_RETURN_IF_ERROR(tag.Bind(1, stream_id).Bind(2, key).Bind(3, value).Run());
    }
    return Status::Ok();
  });
}

Status KvsStore::RemoveTags(int64_t stream_id, const std::vector<std::string>& keys) {
  return db_.RunTransaction([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement del,
                           conn.Prepare("DELETE FROM kvs_tags WHERE stream_id=? AND key=?"));
    for (const std::string& key : keys) {
      del.Reset();
      KEDGE_RETURN_IF_ERROR(del.Bind(1, stream_id).Bind(2, key).Run());
    }
    return Status::Ok();
  });
}

StatusOr<std::map<std::string, std::string>> KvsStore::Tags(int64_t stream_id) {
  std::map<std::string, std::string> tags;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement list,
                           conn.Prepare("SELECT key, value FROM kvs_tags WHERE stream_id=?"));
    list.Bind(1, stream_id);
    while (true) {
      KEDGE_ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) return Status::Ok();
      tags[list.Text(0)] = list.Text(1);
    }
  }));
  return tags;
}

StatusOr<int64_t> KvsStore::AddHeader(int64_t stream_id, const std::string& path) {
  int64_t id = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement insert,
                           conn.Prepare("INSERT INTO kvs_headers(stream_id, path) VALUES(?, ?)"));
    KEDGE_RETURN_IF_ERROR(insert.Bind(1, stream_id).Bind(2, path).Run());
    id = conn.LastInsertRowId();
    return Status::Ok();
  }));
  return id;
}

StatusOr<std::string> KvsStore::HeaderPath(int64_t header_id) {
  std::string path;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find, conn.Prepare("SELECT path FROM kvs_headers WHERE id=?"));
    KEDGE_ASSIGN_OR_RETURN(bool row, find.Bind(1, header_id).Step());
    if (!row) return NotFoundError("header " + std::to_string(header_id) + " not found");
    path = find.Text(0);
    return Status::Ok();
  }));
  return path;
}

StatusOr<int64_t> KvsStore::NextFragmentNumber() {
  int64_t number = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_RETURN_IF_ERROR(conn.Exec("INSERT INTO kvs_fragment_numbers DEFAULT VALUES"));
    number = conn.LastInsertRowId();
    return conn.Exec("DELETE FROM kvs_fragment_numbers WHERE n < " + std::to_string(number));
  }));
  return number;
}

Status KvsStore::AddFragment(const KvsFragment& f) {
  return db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement insert,
        conn.Prepare("INSERT INTO kvs_fragments VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    return insert.Bind(1, f.number)
        .Bind(2, f.stream_id)
        .Bind(3, f.header_id)
        .Bind(4, static_cast<int64_t>(f.timecode))
        .Bind(5, f.producer_ms)
        .Bind(6, f.server_ms)
        .Bind(7, f.duration_ms)
        .Bind(8, f.size)
        .Bind(9, f.path)
        .Run();
  });
}

StatusOr<std::vector<KvsFragment>> KvsStore::ListFragments(const FragmentQuery& q) {
  std::vector<KvsFragment> out;
  const char* column = q.by_server_time ? "server_ms" : "producer_ms";
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(
        Statement list,
        conn.Prepare(std::string("SELECT ") + kFragmentColumns +
                     " FROM kvs_fragments WHERE stream_id=? AND " + column + ">=? AND " + column +
                     "<=? AND number>? ORDER BY number LIMIT ?"));
    list.Bind(1, q.stream_id).Bind(2, q.start_ms).Bind(3, q.end_ms).Bind(4, q.after_number);
    list.Bind(5, int64_t{q.limit});
    KEDGE_ASSIGN_OR_RETURN(out, ReadFragments(list));
    return Status::Ok();
  }));
  return out;
}

StatusOr<KvsFragment> KvsStore::GetFragment(int64_t stream_id, int64_t number) {
  KvsFragment fragment;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement find,
                           conn.Prepare(std::string("SELECT ") + kFragmentColumns +
                                        " FROM kvs_fragments WHERE stream_id=? AND number=?"));
    KEDGE_ASSIGN_OR_RETURN(bool row, find.Bind(1, stream_id).Bind(2, number).Step());
    if (!row) return NotFoundError("fragment " + FormatFragmentNumber(number) + " not found");
    fragment = ReadFragment(find);
    return Status::Ok();
  }));
  return fragment;
}

StatusOr<std::vector<KvsFragment>> KvsStore::ExpiredFragments(int limit) {
  std::vector<KvsFragment> out;
  int64_t now = ToUnixMillis(clock_.WallNow());
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    // Retention 0 keeps media only briefly (the service keeps such media 5 minutes for readers).
    KEDGE_ASSIGN_OR_RETURN(
        Statement list,
        conn.Prepare(std::string("SELECT f.") + kFragmentColumns +
                     " FROM kvs_fragments f JOIN kvs_streams s ON s.id=f.stream_id WHERE "
                     "f.server_ms < ? - MAX(s.retention_hours * 3600000, 300000) LIMIT ?"));
    list.Bind(1, now).Bind(2, int64_t{limit});
    KEDGE_ASSIGN_OR_RETURN(out, ReadFragments(list));
    return Status::Ok();
  }));
  return out;
}

Status KvsStore::RemoveFragment(int64_t number) {
  return db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement del, conn.Prepare("DELETE FROM kvs_fragments WHERE number=?"));
    return del.Bind(1, number).Run();
  });
}

StatusOr<std::vector<KvsFragment>> KvsStore::RecentFragments(int64_t stream_id, int limit) {
  std::vector<KvsFragment> out;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement list,
                           conn.Prepare(std::string("SELECT ") + kFragmentColumns +
                                        " FROM kvs_fragments WHERE stream_id=? ORDER BY number "
                                        "DESC LIMIT ?"));
    list.Bind(1, stream_id).Bind(2, int64_t{limit});
    KEDGE_ASSIGN_OR_RETURN(out, ReadFragments(list));
    return Status::Ok();
  }));
  std::reverse(out.begin(), out.end());
  return out;
}

StatusOr<FragmentTotals> KvsStore::Totals(int64_t stream_id) {
  FragmentTotals totals;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement sum,
                           conn.Prepare("SELECT COUNT(*), TOTAL(size), MIN(producer_ms), "
                                        "MAX(producer_ms + duration_ms) FROM kvs_fragments "
                                        "WHERE stream_id=?"));
    KEDGE_ASSIGN_OR_RETURN(bool row, sum.Bind(1, stream_id).Step());
    if (row && sum.Int(0) > 0) {
      totals = {sum.Int(0), sum.Int(1), sum.Int(2), sum.Int(3)};
    }
    return Status::Ok();
  }));
  return totals;
}

StatusOr<int64_t> KvsStore::TotalFragmentBytes() {
  int64_t total = 0;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement sum, conn.Prepare("SELECT TOTAL(size) FROM kvs_fragments"));
    KEDGE_ASSIGN_OR_RETURN(bool row, sum.Step());
    if (row) total = sum.Int(0);
    return Status::Ok();
  }));
  return total;
}

StatusOr<std::vector<KvsFragment>> KvsStore::OldestFragments(int limit) {
  std::vector<KvsFragment> out;
  KEDGE_RETURN_IF_ERROR(db_.Run([&](Connection& conn) -> Status {
    KEDGE_ASSIGN_OR_RETURN(Statement list,
                           conn.Prepare(std::string("SELECT ") + kFragmentColumns +
                                        " FROM kvs_fragments ORDER BY number LIMIT ?"));
    list.Bind(1, int64_t{limit});
    KEDGE_ASSIGN_OR_RETURN(out, ReadFragments(list));
    return Status::Ok();
  }));
  return out;
}

}  // namespace kedge::ingest
