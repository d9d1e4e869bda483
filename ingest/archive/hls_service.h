#pragma once
// HlsService: HLS playback of stored Kinesis Video fragments, shaped like the service's
// GetHLSStreamingSessionURL:
//   POST /getHLSStreamingSessionURL  {StreamName|StreamARN, PlaybackMode LIVE|LIVE_REPLAY|
//        ON_DEMAND, HLSFragmentSelector, Expires, MaxMediaPlaylistFragmentResults}
//        -> {"HLSStreamingSessionURL": "<public url>/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=..."}
//   GET /hls/v1/getHLSMasterPlaylist.m3u8, getHLSMediaPlaylist.m3u8, getTSFragment.ts
// Segments are MPEG-TS, one per fragment, remuxed with libavformat (whatever ContainerFormat
// was asked for); timestamps start near 0 at the session's first fragment. A new PutMedia
// session header between two fragments is marked #EXT-X-DISCONTINUITY.
// The session token is the authorization for the /hls/ URLs (SigV4 does not apply to them).
// Sessions live in memory until they expire.
//
// Threading: called concurrently from the server's threads (sessions behind a mutex).

#include <map>
#include <mutex>
#include <string>

#include "ingest/archive/archive_service.h"
#include "ingest/server/identity.h"
#include "platform/clock.h"

namespace kedge::ingest {

class HlsService {
 public:
  HlsService(KvsStore& store, ArchiveService& archive, Clock& clock,
             const ServiceIdentity& identity)
      : store_(store), archive_(archive), clock_(clock), identity_(identity) {}

  void Register(Router& router);
  // POST /getHLSStreamingSessionURL (also called by the web console for its player).
  HttpResponse CreateSession(const HttpRequest& request);

 private:
  struct Session {
    int64_t stream_id = 0;
    std::string mode;  // LIVE, LIVE_REPLAY, ON_DEMAND
    bool by_server_time = false;
    int64_t start_ms = INT64_MIN;
    int64_t end_ms = INT64_MAX;
    int max_results = 5;
    WallTime expires;
    // Media sequence numbers handed out so far (contiguous, in fragment order).
    std::map<int64_t, int64_t> sequence;
    int64_t next_sequence = 0;
    int64_t base_ms = INT64_MIN;  // producer time subtracted from segment timestamps
  };

  HttpResponse Serve(const HttpRequest& request);
  HttpResponse MediaPlaylist(const std::string& token);
  HttpResponse Segment(const std::string& token, const std::string& fragment_number);

  KvsStore& store_;
  ArchiveService& archive_;
  Clock& clock_;
  const ServiceIdentity& identity_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;  // guarded by mu_
};

}  // namespace kedge::ingest
