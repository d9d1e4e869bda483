#pragma once
// KvsStore: the durable state of the local Kinesis Video Streams — streams, their tags, and the
// index of stored fragments (SQLite tables kvs_*; the fragment bytes are files, see
// FragmentFiles). docs/ingest.md has the schema.
//
// Threading: any thread (the Database serializes). Errors: NotFound for an unknown stream,
// AlreadyExists when creating one that exists, FailedPrecondition for a version mismatch,
// others from SQLite.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/storage/database.h"
#include "platform/clock.h"

namespace kedge::ingest {

struct KvsStream {
  int64_t id = 0;
  std::string name;
  std::string arn;
  std::string device_name;
  std::string media_type;
  std::string kms_key_id;
  int retention_hours = 0;
  int64_t created_ms = 0;
  int64_t version = 1;
};

struct KvsFragment {
  int64_t number = 0;  // FragmentNumber (see FormatFragmentNumber)
  int64_t stream_id = 0;
  int64_t header_id = 0;  // the session header stored with the stream's headers
  uint64_t timecode = 0;  // raw Cluster Timecode
  int64_t producer_ms = 0;
  int64_t server_ms = 0;
  int64_t duration_ms = 0;
  int64_t size = 0;
  std::string path;  // relative to the data dir
};

// Which fragments ListFragments wants.
struct FragmentQuery {
  int64_t stream_id = 0;
  bool by_server_time = false;  // else by producer time
  int64_t start_ms = INT64_MIN;
  int64_t end_ms = INT64_MAX;  // inclusive
  int64_t after_number = 0;    // for paging
  int limit = 1000;
};

struct FragmentTotals {
  int64_t fragments = 0;
  int64_t bytes = 0;
  int64_t first_producer_ms = 0;  // 0 when empty
  int64_t last_producer_ms = 0;   // the newest fragment's end
};

class KvsStore {
 public:
  static StatusOr<std::unique_ptr<KvsStore>> Open(Database& db, Clock& clock);

  // Fills id, arn, created_ms and version.
  StatusOr<KvsStream> CreateStream(KvsStream stream, const std::string& region,
                                   const std::string& account,
                                   const std::map<std::string, std::string>& tags);
  StatusOr<KvsStream> GetStream(const std::string& name);
  StatusOr<KvsStream> GetStreamByArn(const std::string& arn);
  StatusOr<std::vector<KvsStream>> ListStreams();
  // Removes the stream and its index rows; returns the fragment and header paths to delete.
  StatusOr<std::vector<std::string>> DeleteStream(int64_t stream_id);
  // Bumps the version. FailedPrecondition when `expected_version` is set and differs.
  Status UpdateRetention(int64_t stream_id, int hours, std::optional<int64_t> expected_version);

  Status SetTags(int64_t stream_id, const std::map<std::string, std::string>& tags);
  Status RemoveTags(int64_t stream_id, const std::vector<std::string>& keys);
  StatusOr<std::map<std::string, std::string>> Tags(int64_t stream_id);

  // Session headers (EBML header through Tracks) of PutMedia sessions.
  StatusOr<int64_t> AddHeader(int64_t stream_id, const std::string& path);
  StatusOr<std::string> HeaderPath(int64_t header_id);

  // Reserves the next fragment number (numbers increase with ingestion order over all streams).
  StatusOr<int64_t> NextFragmentNumber();
  Status AddFragment(const KvsFragment& fragment);
  StatusOr<std::vector<KvsFragment>> ListFragments(const FragmentQuery& query);
  StatusOr<KvsFragment> GetFragment(int64_t stream_id, int64_t number);
  // Fragments older than their stream's retention (by server time), at most `limit`.
  StatusOr<std::vector<KvsFragment>> ExpiredFragments(int limit);
  Status RemoveFragment(int64_t number);
  // The newest `limit` fragments of the stream, oldest first.
  StatusOr<std::vector<KvsFragment>> RecentFragments(int64_t stream_id, int limit);
  // How much the stream holds: fragments, bytes, and the producer-time span.
  StatusOr<FragmentTotals> Totals(int64_t stream_id);
  // Total stored fragment bytes.
  StatusOr<int64_t> TotalFragmentBytes();
  StatusOr<std::vector<KvsFragment>> OldestFragments(int limit);

 private:
  KvsStore(Database& db, Clock& clock) : db_(db), clock_(clock) {}
  StatusOr<KvsStream> FindStream(const char* column, const std::string& value);
  Database& db_;
  Clock& clock_;
};

// Fragment numbers as text: 47 digits like the service's, comparing the same as numbers.
std::string FormatFragmentNumber(int64_t number);
StatusOr<int64_t> ParseFragmentNumber(std::string_view text);

}  // namespace kedge::ingest
