#pragma once
// PutMediaService: POST /putMedia of kedge-ingest. The request names a stream
// (x-amzn-stream-name or x-amzn-stream-arn) and streams one MKV segment in a chunked body; the
// answer is a chunked stream of ACK lines written while the upload continues:
//   BUFFERING when a fragment's Cluster starts, RECEIVED when it is complete, PERSISTED once its
//   file and index row are durable (only when the stream's retention > 0), IDLE about every
//   second without data, and ERROR (then the connection ends) for invalid MKV, non-increasing
//   timecodes, oversize or overlong fragments, a deleted stream or a storage failure.
// After 30 s without data the session ends, as the service does.
// Fragments go to FragmentFiles, their index to KvsStore.
//
// Threading: Open runs on a server thread; each session's callbacks run on its connection's
// strand.

#include "ingest/kvs/fragment_files.h"
#include "ingest/kvs/kvs_store.h"
#include "ingest/server/router.h"
#include "platform/clock.h"

namespace kedge::ingest {

struct PutMediaLimits {
  std::chrono::milliseconds idle_ack_interval{1000};
  std::chrono::milliseconds idle_timeout{30000};
};

class PutMediaService {
 public:
  PutMediaService(KvsStore& store, FragmentFiles& files, Clock& clock,
                  PutMediaLimits limits = PutMediaLimits())
      : store_(store), files_(files), clock_(clock), limits_(limits) {}

  void Register(Router& router);
  StreamStart Open(const HttpRequest& head, ResponseStream& out);

 private:
  KvsStore& store_;
  FragmentFiles& files_;
  Clock& clock_;
  PutMediaLimits limits_;
};

// "1615717079.836" (or the SDK's unpadded "1615717079.5") as epoch milliseconds.
StatusOr<int64_t> ParseProducerStartTimestamp(std::string_view text);

}  // namespace kedge::ingest
