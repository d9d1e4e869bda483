#pragma once
// GetMediaTail: POST /getMedia as the service does it — the stream's fragments from a
// StartSelector on (EARLIEST, NOW, FRAGMENT_NUMBER, PRODUCER_TIMESTAMP, SERVER_TIMESTAMP,
// CONTINUATION_TOKEN), each as MKV with its session header and the service's tags, then every
// new fragment as it is stored, in one chunked response until the client closes it (or the
// stream is deleted).
//
// New fragments are found by polling the index on the connection's ticks (every 200 ms),
// and not fetched while more than kMaxBacklogBytes wait for a slow client.
//
// Threading: the opener runs on a server thread; the handler on its connection's strand.

#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>

#include "ingest/archive/archive_service.h"
#include "ingest/server/http_types.h"

namespace kedge::ingest {

// Where a GetMedia starts: fragments after `after_number` with a time of at least `start_ms`.
struct MediaCursor {
  int64_t stream_id = 0;
  std::string stream_name;
  int64_t after_number = 0;
  bool by_server_time = false;
  int64_t start_ms = INT64_MIN;
};

// The cursor a StartSelector asks for; InvalidArgument with the service's wording otherwise.
StatusOr<MediaCursor> ResolveStartSelector(KvsStore& store, const KvsStream& stream,
                                           const nlohmann::json& selector);

class GetMediaTail : public StreamHandler {
 public:
  static constexpr size_t kMaxBacklogBytes = 8 * 1024 * 1024;

  GetMediaTail(MediaCursor cursor, KvsStore& store, ArchiveService& archive, ResponseStream& out)
      : cursor_(std::move(cursor)), store_(store), archive_(archive), out_(out) {}

  void OnStart() override { Pump(); }
  void OnTick() override { Pump(); }

 private:
  // Sends what is stored past the cursor (while the backlog allows).
  void Pump();

  MediaCursor cursor_;
  KvsStore& store_;
  ArchiveService& archive_;
  ResponseStream& out_;
  bool done_ = false;
};

}  // namespace kedge::ingest
