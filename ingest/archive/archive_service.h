#pragma once
// ArchiveService: the Kinesis Video Streams archived-media API of kedge-ingest (REST JSON, POST):
//   /listFragments            fragments by producer or server timestamp range, paged
//   /getMediaForFragmentList  the listed fragments as MKV, each with its session header and the
//                             AWS_KINESISVIDEO_FRAGMENT_NUMBER / _SERVER_TIMESTAMP /
//                             _PRODUCER_TIMESTAMP tags the service adds
//   /getMedia                 the fragments from a StartSelector on, then new ones as they are
//                             stored, until the client closes (see get_media_tail.h)
//   /getClip                  a fragmented MP4 of a timestamp range (libavformat remux)
//
// Threading: called concurrently from the server's threads.

#include "ingest/kvs/fragment_files.h"
#include "ingest/kvs/kvs_store.h"
#include "ingest/server/aws_json_protocol.h"
#include "ingest/server/router.h"

namespace kedge::ingest {

class ArchiveService {
 public:
  ArchiveService(KvsStore& store, FragmentFiles& files) : store_(store), files_(files) {}

  void Register(Router& router);

  // One fragment as a self-contained MKV: session header + service tags + [Tags] + Cluster.
  StatusOr<std::string> FragmentMedia(const KvsFragment& fragment);
  // The fragments of `stream` in [start_ms, end_ms] by producer (or server) time, in order.
  StatusOr<std::vector<KvsFragment>> Range(int64_t stream_id, bool by_server_time,
                                           int64_t start_ms, int64_t end_ms, int limit);

 private:
  HttpResponse ListFragments(const HttpRequest& request);
  HttpResponse GetMediaForFragmentList(const HttpRequest& request);
  StreamStart OpenGetMedia(const HttpRequest& request, ResponseStream& out);
  HttpResponse GetClip(const HttpRequest& request);
  // The MKV of several fragments, or an error response.
  HttpResponse MediaResponse(const std::vector<KvsFragment>& fragments);

  KvsStore& store_;
  FragmentFiles& files_;
};

// {"StartTimestamp": s, "EndTimestamp": s} (epoch seconds, fractions allowed) into ms.
StatusOr<std::pair<int64_t, int64_t>> ParseTimestampRange(const nlohmann::json& range);

}  // namespace kedge::ingest
