#include "ingest/archive/hls_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "ingest/archive/remuxer.h"
#include "ingest/kvs/kvs_control_plane.h"
#include "ingest/server/aws_errors.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr char kPrefix[] = "/hls/v1/";

HttpResponse Error(int status, const char* code, const std::string& message) {
  return AwsError(ErrorStyle::kRest, status, code, message);
}

std::string NewToken() {
  std::random_device random;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x%08x%08x%08x", random(), random(), random(), random());
  return buf;
}

HttpResponse Playlist(std::string text) {
  return HttpResponse::Make(200, "application/vnd.apple.mpegurl", std::move(text));
}

}  // namespace

void HlsService::Register(Router& router) {
  router.Handle("POST", "/getHLSStreamingSessionURL",
                [this](const HttpRequest& r) { return CreateSession(r); });
  router.HandlePrefix("GET", kPrefix, [this](const HttpRequest& r) { return Serve(r); });
}

HttpResponse HlsService::CreateSession(const HttpRequest& request) {
  StatusOr<json> body = ParseApiBody(request, Wire::kJson);
  if (!body.ok()) return Error(400, "InvalidArgumentException", body.status().message());
  StatusOr<KvsStream> stream = KvsControlPlane::FindStream(store_, *body);
  if (!stream.ok()) {
    ApiError error = KvsControlPlane::ErrorFor(stream.status());
    return Error(error.http_status, error.code.c_str(), error.message);
  }
  Session session;
  session.stream_id = stream->id;
  session.mode = body->value("PlaybackMode", "LIVE");
  if (session.mode != "LIVE" && session.mode != "LIVE_REPLAY" && session.mode != "ON_DEMAND") {
    return Error(400, "InvalidArgumentException", "PlaybackMode must be LIVE, LIVE_REPLAY or ON_DEMAND");
  }
  json selector = body->value("HLSFragmentSelector", json::object());
  if (selector.is_object() && selector.contains("TimestampRange")) {
    session.by_server_time = selector.value("FragmentSelectorType", "") == "SERVER_TIMESTAMP";
    const json& range = selector["TimestampRange"];
    if (range.contains("StartTimestamp") && range["StartTimestamp"].is_number()) {
      session.start_ms = std::llround(range["StartTimestamp"].get<double>() * 1000.0);
    }
    if (range.contains("EndTimestamp") && range["EndTimestamp"].is_number()) {
      session.end_ms = std::llround(range["EndTimestamp"].get<double>() * 1000.0);
    }
  }
  if (session.mode == "ON_DEMAND" && (session.start_ms == INT64_MIN || session.end_ms == INT64_MAX)) {
    return Error(400, "InvalidArgumentException", "ON_DEMAND needs a TimestampRange with both ends");
  }
  session.max_results = body->value("MaxMediaPlaylistFragmentResults", session.mode == "ON_DEMAND" ? 1000 : 5);
  if (session.max_results < 1 || session.max_results > 5000) {
    return Error(400, "InvalidArgumentException", "MaxMediaPlaylistFragmentResults must be 1-5000");
  }
  int expires = body->value("Expires", 300);
  if (expires < 300 || expires > 43200) {
    return Error(400, "InvalidArgumentException", "Expires must be between 300 and 43200 seconds");
  }
  session.expires = clock_.WallNow() + std::chrono::seconds(expires);
  std::string token = NewToken();
  {
    std::lock_guard<std::mutex> lock(mu_);
    WallTime now = clock_.WallNow();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      it = it->second.expires < now ? sessions_.erase(it) : std::next(it);
    }
    sessions_[token] = std::move(session);
  }
  json reply = {{"HLSStreamingSessionURL", identity_.public_url + kPrefix +
                                               "getHLSMasterPlaylist.m3u8?SessionToken=" + token}};
  return HttpResponse::Make(200, "application/json", DumpJson(reply));
}

HttpResponse HlsService::Serve(const HttpRequest& request) {
  std::string name = request.path.substr(sizeof(kPrefix) - 1);
  std::string token = QueryParam(request.query, "SessionToken");
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(token);
    if (it == sessions_.end() || it->second.expires < clock_.WallNow()) {
      return Error(403, "NotAuthorizedException",
                   "The session token is not valid or has expired.");
    }
  }
  if (name == "getHLSMasterPlaylist.m3u8") {
    return Playlist("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n"
                    "getHLSMediaPlaylist.m3u8?SessionToken=" + token + "\n");
  }
  if (name == "getHLSMediaPlaylist.m3u8") return MediaPlaylist(token);
  if (name == "getTSFragment.ts") return Segment(token, QueryParam(request.query, "FragmentNumber"));
  return Error(404, "ResourceNotFoundException", "no HLS resource " + name);
}

HttpResponse HlsService::MediaPlaylist(const std::string& token) {
  Session copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    copy = sessions_[token];
  }
  FragmentQuery query;
  query.stream_id = copy.stream_id;
  query.by_server_time = copy.by_server_time;
  query.start_ms = copy.start_ms;
  query.end_ms = copy.end_ms;
  query.limit = copy.mode == "LIVE" ? 100000 : copy.max_results;
  StatusOr<std::vector<KvsFragment>> found = store_.ListFragments(query);
  if (!found.ok()) return Error(500, "ClientLimitExceededException", found.status().message());
  std::vector<KvsFragment> fragments = std::move(*found);
  if (copy.mode == "LIVE" && fragments.size() > static_cast<size_t>(copy.max_results)) {
    fragments.erase(fragments.begin(), fragments.end() - copy.max_results);
  }
  std::vector<int64_t> sequence;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Session& session = sessions_[token];
    for (const KvsFragment& f : fragments) {
      auto [it, added] = session.sequence.emplace(f.number, session.next_sequence);
      if (added) ++session.next_sequence;
      sequence.push_back(it->second);
      if (session.base_ms == INT64_MIN) session.base_ms = f.producer_ms;
    }
  }
  int64_t target = 1;
  for (const KvsFragment& f : fragments) {
    target = std::max<int64_t>(target, (f.duration_ms + 999) / 1000);
  }
  std::string text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(target) +
                     "\n#EXT-X-MEDIA-SEQUENCE:" + std::to_string(sequence.empty() ? 0 : sequence[0]) + "\n";
  if (copy.mode == "ON_DEMAND") text += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  for (size_t i = 0; i < fragments.size(); ++i) {
    if (i > 0 && fragments[i].header_id != fragments[i - 1].header_id) text += "#EXT-X-DISCONTINUITY\n";
    char duration[32];
    std::snprintf(duration, sizeof(duration), "%.3f", fragments[i].duration_ms / 1000.0);
    text += std::string("#EXTINF:") + duration + ",\ngetTSFragment.ts?SessionToken=" + token +
            "&FragmentNumber=" + FormatFragmentNumber(fragments[i].number) + "\n";
  }
  if (copy.mode == "ON_DEMAND") text += "#EXT-X-ENDLIST\n";
  return Playlist(std::move(text));
}

HttpResponse HlsService::Segment(const std::string& token, const std::string& fragment_number) {
  int64_t stream_id = 0;
  int64_t base_ms = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Session& session = sessions_[token];
    stream_id = session.stream_id;
    base_ms = session.base_ms;
  }
  StatusOr<int64_t> number = ParseFragmentNumber(fragment_number);
  StatusOr<KvsFragment> fragment =
      number.ok() ? store_.GetFragment(stream_id, *number) : StatusOr<KvsFragment>(number.status());
  if (!fragment.ok()) return Error(404, "ResourceNotFoundException", "no such fragment in this session");
  StatusOr<std::string> mkv = archive_.FragmentMedia(*fragment);
  if (!mkv.ok()) return Error(500, "ClientLimitExceededException", mkv.status().message());
  RemuxOptions options;
  options.format = RemuxFormat::kMpegTs;
  // The session's timeline: producer time since its first fragment (whatever the upload's own
  // timecodes were: RELATIVE ones restart at 0 with every PutMedia session).
  options.start_ms = base_ms == INT64_MIN ? 0 : fragment->producer_ms - base_ms;
  StatusOr<std::string> ts = Remux(*mkv, options);
  if (!ts.ok()) return Error(400, "InvalidCodecPrivateDataException", ts.status().message());
  return HttpResponse::Make(200, "video/mp2t", std::move(*ts));
}

}  // namespace kedge::ingest
