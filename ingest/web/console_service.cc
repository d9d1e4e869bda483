#include "ingest/web/console_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ingest/server/aws_errors.h"
#include "ingest/server/aws_json_protocol.h"
#include "ingest/kvs/kvs_store.h"
#include "ingest/web/console_assets.h"
#include "platform/crypto.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr char kApi[] = "/console/api/";
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;
constexpr size_t kShownRecordBytes = 1024;
constexpr uint64_t kMaxTailedFileBytes = 4 * 1024 * 1024;

HttpResponse JsonReply(const json& value) {
  HttpResponse response = HttpResponse::Make(200, "application/json", DumpJson(value));
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

HttpResponse Problem(int status, const std::string& message) {
  return HttpResponse::Make(status, "application/json", DumpJson(json{{"message", message}}));
}

int Limit(const HttpRequest& request) {
  std::string text = QueryParam(request.query, "limit");
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) {
    return kDefaultLimit;
  }
  return std::clamp(std::stoi(text), 1, kMaxLimit);
}

// Record data as the console shows it: text when it is printable UTF-8, else base64.
json ShownData(const std::string& data) {
  std::string shown = data.substr(0, kShownRecordBytes);
  bool truncated = data.size() > shown.size();
  bool printable = std::all_of(shown.begin(), shown.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\r' || c == '\t';
  });
  if (printable) {
    try {
      (void)json(shown).dump();  // throws on invalid UTF-8
      return {{"text", shown}, {"truncated", truncated}};
    } catch (const json::exception&) {
    }
  }
  return {{"base64", Base64Encode(shown)}, {"truncated", truncated}};
}

bool SameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool ConsoleService::HasHlsJs() { return !web::HlsJs().empty(); }

bool ConsoleService::Handles(const HttpRequest& request) {
  if (request.method != "GET") return false;
  return request.path == "/" || request.path.rfind("/console/", 0) == 0;
}

std::optional<HttpResponse> ConsoleService::Authorize(const HttpRequest& request) const {
  if (token_.empty() || request.path == "/console/hls.min.js") return std::nullopt;
  std::string given(request.Header("X-Kedge-Console-Token"));
  if (given.empty()) given = QueryParam(request.query, "token");
  if (SameToken(given, token_)) return std::nullopt;
  return HttpResponse::Make(403, "text/plain; charset=utf-8",
                            "kedge-ingest: this server requires SigV4 credentials, so its console "
                            "needs the URL with ?token= that kedge-ingest printed when it started "
                            "(or --console-token).\n");
}

void ConsoleService::Register(Router& router) {
  router.Handle("GET", "/", [this](const HttpRequest&) { return Page(); });
  router.Handle("GET", "/console/hls.min.js", [](const HttpRequest&) {
    if (!HasHlsJs()) return Problem(404, "hls.js was not installed when kedge-ingest was built");
    HttpResponse response = HttpResponse::Make(200, "text/javascript; charset=utf-8",
                                               std::string(web::HlsJs()));
    response.SetHeader("Cache-Control", "max-age=86400");
    return response;
  });
  router.Handle("GET", std::string(kApi) + "streams", [this](const HttpRequest&) { return Streams(); });
  router.Handle("GET", std::string(kApi) + "fragments", [this](const HttpRequest& r) { return Fragments(r); });
  router.Handle("GET", std::string(kApi) + "records", [this](const HttpRequest& r) { return Records(r); });
  router.Handle("GET", std::string(kApi) + "deliveries", [this](const HttpRequest& r) { return Deliveries(r); });
  router.Handle("GET", std::string(kApi) + "hls", [this](const HttpRequest& r) { return Hls(r); });
}

HttpResponse ConsoleService::Page() const {
  HttpResponse response = HttpResponse::Make(200, "text/html; charset=utf-8", std::string(web::kConsolePage));
  response.SetHeader("Cache-Control", "no-store");
  // The page loads nothing from elsewhere; say so to the browser too.
  response.SetHeader("Content-Security-Policy",
                     "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                     "style-src 'unsafe-inline'; media-src 'self' blob:; worker-src 'self' blob:");
  return response;
}

HttpResponse ConsoleService::Streams() const {
  json video = json::array(), data = json::array(), firehose = json::array();
  StatusOr<std::vector<KvsStream>> kvs = kvs_.ListStreams();
  if (!kvs.ok()) return Problem(500, kvs.status().message());
  for (const KvsStream& s : *kvs) {
    StatusOr<FragmentTotals> totals = kvs_.Totals(s.id);
    FragmentTotals t = totals.ok() ? *totals : FragmentTotals();
    video.push_back({{"name", s.name}, {"retention_hours", s.retention_hours},
                     {"fragments", t.fragments}, {"bytes", t.bytes},
                     {"first_ms", t.first_producer_ms}, {"last_ms", t.last_producer_ms}});
  }
  StatusOr<std::vector<KdsStream>> kds = kinesis_.ListStreams();
  if (!kds.ok()) return Problem(500, kds.status().message());
  for (const KdsStream& s : *kds) {
    StatusOr<KdsStream> full = kinesis_.GetStream(s.name);
    StatusOr<int64_t> count = kinesis_.CountRecords(s.id);
    data.push_back({{"name", s.name}, {"mode", s.mode},
                    {"shards", full.ok() ? full->shards.size() : 0},
                    {"records", count.ok() ? *count : 0}});
  }
  StatusOr<std::vector<std::string>> delivery = firehose_.Streams();
  if (delivery.ok()) {
    std::sort(delivery->begin(), delivery->end());
    for (const std::string& name : *delivery) firehose.push_back({{"name", name}});
  }
  return JsonReply({{"video", video}, {"data", data}, {"firehose", firehose},
                    {"hlsjs", HasHlsJs()}});
}

HttpResponse ConsoleService::Fragments(const HttpRequest& request) const {
  StatusOr<KvsStream> stream = kvs_.GetStream(QueryParam(request.query, "stream"));
  if (!stream.ok()) return Problem(404, stream.status().message());
  StatusOr<std::vector<KvsFragment>> fragments = kvs_.RecentFragments(stream->id, Limit(request));
  if (!fragments.ok()) return Problem(500, fragments.status().message());
  json list = json::array();
  for (const KvsFragment& f : *fragments) {
    list.push_back({{"number", FormatFragmentNumber(f.number)}, {"producer_ms", f.producer_ms},
                    {"server_ms", f.server_ms}, {"duration_ms", f.duration_ms},
                    {"bytes", f.size}, {"session", f.header_id}});
  }
  return JsonReply({{"stream", stream->name}, {"fragments", list}});
}

HttpResponse ConsoleService::Records(const HttpRequest& request) const {
  StatusOr<KdsStream> stream = kinesis_.GetStream(QueryParam(request.query, "stream"));
  if (!stream.ok()) return Problem(404, stream.status().message());
  StatusOr<std::vector<KdsRecordOut>> records = kinesis_.Recent(stream->id, Limit(request));
  if (!records.ok()) return Problem(500, records.status().message());
  json list = json::array();
  for (const KdsRecordOut& r : *records) {
    json record = ShownData(r.data);
    record["sequence"] = FormatSequenceNumber(r.sequence);
    record["shard"] = KdsShard{r.shard_index, {}, {}, 0}.Id();
    record["partition_key"] = r.partition_key;
    record["arrival_ms"] = r.arrival_ms;
    record["bytes"] = r.data.size();
    list.push_back(std::move(record));
  }
  return JsonReply({{"stream", stream->name}, {"records", list}});
}

HttpResponse ConsoleService::Deliveries(const HttpRequest& request) const {
  std::string name = QueryParam(request.query, "stream");
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_.-") != std::string::npos ||
      name[0] == '.') {
    return Problem(400, "stream must be a delivery stream name");
  }
  std::string root = firehose_.root() + "/" + name;
  if (!env_.FileExists(root)) return Problem(404, "Firehose " + name + " not found.");
  // <root>/YYYY/MM/DD/HH/<file>: walk the newest directories first.
  std::vector<std::string> files;
  std::vector<std::string> level = {""};
  for (int depth = 0; depth < 5; ++depth) {
    std::vector<std::string> next;
    for (const std::string& dir : level) {
      StatusOr<std::vector<std::string>> names = env_.ListDir(root + dir);
      if (!names.ok()) continue;
      for (const std::string& n : *names) {
        if (n.empty() || n[0] == '.') continue;  // files being written are renamed in
        next.push_back(dir + "/" + n);
      }
    }
    std::sort(next.rbegin(), next.rend());
    level = std::move(next);
  }
  files = std::move(level);
  int limit = Limit(request);
  json list = json::array();
  for (size_t i = 0; i < files.size() && static_cast<int>(i) < limit; ++i) {
    StatusOr<uint64_t> size = env_.FileSize(root + files[i]);
    list.push_back({{"path", name + files[i]}, {"bytes", size.ok() ? *size : 0}});
  }
  json lines = json::array();
  if (!files.empty()) {
    StatusOr<uint64_t> size = env_.FileSize(root + files[0]);
    StatusOr<std::string> text = size.ok() && *size <= kMaxTailedFileBytes
                                     ? env_.ReadFile(root + files[0])
                                     : StatusOr<std::string>(std::string());
    if (text.ok()) {
      std::vector<std::string> all;
      size_t start = 0;
      while (start < text->size()) {
        size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        all.push_back(text->substr(start, end - start));
        start = end + 1;
      }
      size_t from = all.size() > 20 ? all.size() - 20 : 0;
      for (size_t i = all.size(); i > from; --i) lines.push_back(ShownData(all[i - 1]));
    }
  }
  return JsonReply({{"stream", name}, {"files", list}, {"file_count", files.size()},
                    {"newest_lines", lines}});
}

HttpResponse ConsoleService::Hls(const HttpRequest& request) const {
  std::string mode = QueryParam(request.query, "mode");
  json input = {{"StreamName", QueryParam(request.query, "stream")},
                {"PlaybackMode", mode.empty() ? "LIVE" : mode},
                {"Expires", 43200}};
  std::string start = QueryParam(request.query, "start");
  std::string end = QueryParam(request.query, "end");
  auto number = [](const std::string& text) {
    return !text.empty() && text.size() < 16 && text.find_first_not_of("0123456789") == std::string::npos;
  };
  if (number(start) || number(end)) {
    json range = json::object();
    if (number(start)) range["StartTimestamp"] = std::stoll(start) / 1000.0;
    range["EndTimestamp"] = number(end) ? std::stoll(end) / 1000.0 : 32503680000.0;  // year 3000
    input["HLSFragmentSelector"] = {{"FragmentSelectorType", "PRODUCER_TIMESTAMP"},
                                    {"TimestampRange", range}};
  }
  HttpRequest create;
  create.method = "POST";
  create.path = "/getHLSStreamingSessionURL";
  create.headers.emplace_back("Content-Type", "application/json");
  create.body = input.dump();
  HttpResponse session = hls_.CreateSession(create);
  if (session.status != 200) return session;
  json reply = json::parse(session.body, nullptr, false);
  std::string url = reply.is_object() ? reply.value("HLSStreamingSessionURL", "") : "";
  size_t path = url.find("/hls/");
  if (path == std::string::npos) return Problem(500, "no HLS session URL");
  // Relative, so the page plays from whatever host name the browser used.
  return JsonReply({{"url", url.substr(path)}, {"mode", input["PlaybackMode"]}});
}

}  // namespace kedge::ingest
