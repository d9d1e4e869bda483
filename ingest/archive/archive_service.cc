#include "ingest/archive/archive_service.h"

#include <cmath>
#include <cstdio>

#include "ingest/archive/get_media_tail.h"
#include "ingest/archive/remuxer.h"
#include "ingest/kvs/kvs_control_plane.h"
#include "ingest/server/aws_errors.h"
#include "video/mkv/matroska.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr int kMaxListResults = 1000;
constexpr int kMaxMediaFragments = 1000;
constexpr size_t kMaxMediaBytes = 100 * 1024 * 1024;
constexpr int kMaxClipFragments = 5400;  // 90 minutes of 1 s fragments

HttpResponse Error(int status, const char* code, const std::string& message) {
  return AwsError(ErrorStyle::kRest, status, code, message);
}

HttpResponse ErrorFor(const Status& status) {
  ApiError error = KvsControlPlane::ErrorFor(status);
  return Error(error.http_status, error.code.c_str(), error.message);
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

int64_t ToMs(const json& value) { return std::llround(value.get<double>() * 1000.0); }

// Parses the body, finds the stream; on failure fills `error`.
std::optional<std::pair<json, KvsStream>> Prepare(KvsStore& store, const HttpRequest& request,
                                                  HttpResponse* error) {
  StatusOr<json> body = ParseApiBody(request, Wire::kJson);
  if (!body.ok()) {
    *error = Error(400, "InvalidArgumentException", body.status().message());
    return std::nullopt;
  }
  StatusOr<KvsStream> stream = KvsControlPlane::FindStream(store, *body);
  if (!stream.ok()) {
    *error = ErrorFor(stream.status());
    return std::nullopt;
  }
  return std::make_pair(std::move(*body), std::move(*stream));
}

}  // namespace

StatusOr<std::pair<int64_t, int64_t>> ParseTimestampRange(const json& range) {
  if (!range.is_object() || !range.contains("StartTimestamp") ||
      !range["StartTimestamp"].is_number() || !range.contains("EndTimestamp") ||
      !range["EndTimestamp"].is_number()) {
    return InvalidArgumentError("TimestampRange needs StartTimestamp and EndTimestamp");
  }
  int64_t start = ToMs(range["StartTimestamp"]);
  int64_t end = ToMs(range["EndTimestamp"]);
  if (end < start) return InvalidArgumentError("EndTimestamp is before StartTimestamp");
  return std::make_pair(start, end);
}

void ArchiveService::Register(Router& router) {
  router.Handle("POST", "/listFragments", [this](const HttpRequest& r) { return ListFragments(r); });
  router.Handle("POST", "/getMediaForFragmentList",
                [this](const HttpRequest& r) { return GetMediaForFragmentList(r); });
  router.HandleResponseStream("POST", "/getMedia", [this](const HttpRequest& r, ResponseStream& out) {
    return OpenGetMedia(r, out);
  });
  router.Handle("POST", "/getClip", [this](const HttpRequest& r) { return GetClip(r); });
}

StatusOr<std::vector<KvsFragment>> ArchiveService::Range(int64_t stream_id, bool by_server_time,
                                                         int64_t start_ms, int64_t end_ms,
                                                         int limit) {
  FragmentQuery query;
  query.stream_id = stream_id;
  query.by_server_time = by_server_time;
  query.start_ms = start_ms;
  query.end_ms = end_ms;
  query.limit = limit;
  return store_.ListFragments(query);
}

StatusOr<std::string> ArchiveService::FragmentMedia(const KvsFragment& fragment) {
  KEDGE_ASSIGN_OR_RETURN(std::string header_path, store_.HeaderPath(fragment.header_id));
  KEDGE_ASSIGN_OR_RETURN(std::string header, files_.Read(header_path));
  KEDGE_ASSIGN_OR_RETURN(std::string body, files_.Read(fragment.path));
  video::mkv::EbmlWriter tags;
  video::mkv::WriteTags(tags, {{"AWS_KINESISVIDEO_FRAGMENT_NUMBER", FormatFragmentNumber(fragment.number)},
                               {"AWS_KINESISVIDEO_SERVER_TIMESTAMP", Seconds(fragment.server_ms)},
                               {"AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", Seconds(fragment.producer_ms)}});
  std::string out = std::move(header);
  out.append(reinterpret_cast<const char*>(tags.bytes().data()), tags.size());
  out += body;
  return out;
}

HttpResponse ArchiveService::ListFragments(const HttpRequest& request) {
  HttpResponse error;
  auto prepared = Prepare(store_, request, &error);
  if (!prepared) return error;
  const auto& [input, stream] = *prepared;
  FragmentQuery query;
  query.stream_id = stream.id;
  query.limit = input.value("MaxResults", kMaxListResults);
  if (query.limit < 1 || query.limit > kMaxListResults) {
    return Error(400, "InvalidArgumentException", "MaxResults must be between 1 and 1000");
  }
  if (input.contains("FragmentSelector")) {
    const json& selector = input["FragmentSelector"];
    std::string type = selector.is_object() ? selector.value("FragmentSelectorType", "") : "";
    if (type != "PRODUCER_TIMESTAMP" && type != "SERVER_TIMESTAMP") {
      return Error(400, "InvalidArgumentException",
                   "FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP");
    }
    query.by_server_time = type == "SERVER_TIMESTAMP";
    StatusOr<std::pair<int64_t, int64_t>> range = ParseTimestampRange(selector.value("TimestampRange", json()));
    if (!range.ok()) return Error(400, "InvalidArgumentException", range.status().message());
    query.start_ms = range->first;
    query.end_ms = range->second;
  }
  if (input.contains("NextToken") && input["NextToken"].is_string()) {
    StatusOr<int64_t> after = ParseFragmentNumber(input["NextToken"].get<std::string>());
    if (!after.ok()) return Error(400, "InvalidArgumentException", "NextToken is not valid");
    query.after_number = *after;
  }
  StatusOr<std::vector<KvsFragment>> fragments = store_.ListFragments(query);
  if (!fragments.ok()) return ErrorFor(fragments.status());
  json list = json::array();
  for (const KvsFragment& f : *fragments) {
    list.push_back({{"FragmentNumber", FormatFragmentNumber(f.number)},
                    {"FragmentSizeInBytes", f.size},
                    {"ProducerTimestamp", static_cast<double>(f.producer_ms) / 1000.0},
                    {"ServerTimestamp", static_cast<double>(f.server_ms) / 1000.0},
                    {"FragmentLengthInMilliseconds", f.duration_ms}});
  }
  json reply = {{"Fragments", list}};
  if (static_cast<int>(fragments->size()) == query.limit) {
    reply["NextToken"] = FormatFragmentNumber(fragments->back().number);
  }
  return HttpResponse::Make(200, "application/json", DumpJson(reply));
}

HttpResponse ArchiveService::MediaResponse(const std::vector<KvsFragment>& fragments) {
  std::string body;
  for (const KvsFragment& fragment : fragments) {
    StatusOr<std::string> media = FragmentMedia(fragment);
    if (!media.ok()) return Error(500, "ClientLimitExceededException", media.status().message());
    body += *media;
    if (body.size() > kMaxMediaBytes) break;
  }
  return HttpResponse::Make(200, "video/webm", std::move(body));
}

HttpResponse ArchiveService::GetMediaForFragmentList(const HttpRequest& request) {
  HttpResponse error;
  auto prepared = Prepare(store_, request, &error);
  if (!prepared) return error;
  const auto& [input, stream] = *prepared;
  auto numbers = input.find("Fragments");
  if (numbers == input.end() || !numbers->is_array() || numbers->empty() ||
      numbers->size() > kMaxMediaFragments) {
    return Error(400, "InvalidArgumentException", "Fragments must list 1 to 1000 fragment numbers");
  }
  std::vector<KvsFragment> fragments;
  for (const json& number : *numbers) {
    StatusOr<int64_t> parsed = ParseFragmentNumber(number.is_string() ? number.get<std::string>() : "");
    StatusOr<KvsFragment> fragment = parsed.ok() ? store_.GetFragment(stream.id, *parsed)
                                                 : StatusOr<KvsFragment>(parsed.status());
    if (!fragment.ok()) {
      return Error(404, "ResourceNotFoundException",
                   "fragment " + DumpJson(number) + " of stream " + stream.name + " was not found");
    }
    fragments.push_back(std::move(*fragment));
  }
  return MediaResponse(fragments);
}

StreamStart ArchiveService::OpenGetMedia(const HttpRequest& request, ResponseStream& out) {
  StreamStart start;
  HttpResponse error;
  auto prepared = Prepare(store_, request, &error);
  if (!prepared) {
    start.rejection = std::move(error);
    return start;
  }
  const auto& [input, stream] = *prepared;
  StatusOr<MediaCursor> cursor =
      ResolveStartSelector(store_, stream, input.value("StartSelector", json::object()));
  if (!cursor.ok()) {
    start.rejection = cursor.status().code() == StatusCode::kInvalidArgument
                          ? Error(400, "InvalidArgumentException", cursor.status().message())
                          : ErrorFor(cursor.status());
    return start;
  }
  start.headers.emplace_back("Content-Type", "video/webm");
  start.handler = std::make_unique<GetMediaTail>(std::move(*cursor), store_, *this, out);
  return start;
}

HttpResponse ArchiveService::GetClip(const HttpRequest& request) {
  HttpResponse error;
  auto prepared = Prepare(store_, request, &error);
  if (!prepared) return error;
  const auto& [input, stream] = *prepared;
  json selector = input.value("ClipFragmentSelector", json::object());
  std::string type = selector.is_object() ? selector.value("FragmentSelectorType", "") : "";
  if (type != "PRODUCER_TIMESTAMP" && type != "SERVER_TIMESTAMP") {
    return Error(400, "InvalidArgumentException",
                 "ClipFragmentSelector.FragmentSelectorType must be PRODUCER_TIMESTAMP or "
                 "SERVER_TIMESTAMP");
  }
  StatusOr<std::pair<int64_t, int64_t>> range = ParseTimestampRange(selector.value("TimestampRange", json()));
  if (!range.ok()) return Error(400, "InvalidArgumentException", range.status().message());
  StatusOr<std::vector<KvsFragment>> fragments =
      Range(stream.id, type == "SERVER_TIMESTAMP", range->first, range->second, kMaxClipFragments);
  if (!fragments.ok()) return ErrorFor(fragments.status());
  if (fragments->empty()) {
    return Error(404, "ResourceNotFoundException", "No fragments found in the requested range.");
  }
  // One MKV stream: the first fragment's session header, then every Cluster of that session.
  StatusOr<std::string> header_path = store_.HeaderPath(fragments->front().header_id);
  StatusOr<std::string> mkv = header_path.ok() ? files_.Read(*header_path) : header_path.status();
  if (!mkv.ok()) return Error(500, "ClientLimitExceededException", mkv.status().message());
  for (const KvsFragment& f : *fragments) {
    if (f.header_id != fragments->front().header_id) break;  // codec may differ across sessions
    StatusOr<std::string> body = files_.Read(f.path);
    if (!body.ok()) return Error(500, "ClientLimitExceededException", body.status().message());
    *mkv += *body;
    if (mkv->size() > kMaxMediaBytes) break;
  }
  StatusOr<std::string> mp4 = Remux(*mkv, RemuxOptions());  // from 0
  if (!mp4.ok()) return Error(400, "InvalidCodecPrivateDataException", mp4.status().message());
  return HttpResponse::Make(200, "video/mp4", std::move(*mp4));
}

}  // namespace kedge::ingest
