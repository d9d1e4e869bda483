#include "ingest/archive/get_media_tail.h"

#include <cmath>

#include "platform/logging.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr int kFragmentsPerPump = 50;

}  // namespace

StatusOr<MediaCursor> ResolveStartSelector(KvsStore& store, const KvsStream& stream,
                                           const json& selector) {
  MediaCursor cursor;
  cursor.stream_id = stream.id;
  cursor.stream_name = stream.name;
  std::string type = selector.is_object() ? selector.value("StartSelectorType", "") : "";
  if (type == "PRODUCER_TIMESTAMP" || type == "SERVER_TIMESTAMP") {
    if (!selector.contains("StartTimestamp") || !selector["StartTimestamp"].is_number()) {
      return InvalidArgumentError("StartTimestamp is required for " + type);
    }
    cursor.by_server_time = type == "SERVER_TIMESTAMP";
    cursor.start_ms = std::llround(selector["StartTimestamp"].get<double>() * 1000.0);
  } else if (type == "FRAGMENT_NUMBER" || type == "CONTINUATION_TOKEN") {
    std::string key = type == "FRAGMENT_NUMBER" ? "AfterFragmentNumber" : "ContinuationToken";
    StatusOr<int64_t> number = ParseFragmentNumber(selector.value(key, ""));
    if (!number.ok()) return InvalidArgumentError(key + " is not a fragment number");
    // The service starts at AfterFragmentNumber itself, and after a continuation token.
    cursor.after_number = type == "FRAGMENT_NUMBER" ? *number - 1 : *number;
  } else if (type == "NOW") {
    KEDGE_ASSIGN_OR_RETURN(std::vector<KvsFragment> newest, store.RecentFragments(stream.id, 1));
    if (!newest.empty()) cursor.after_number = newest.back().number;
  } else if (type != "EARLIEST") {
    return InvalidArgumentError(
        "StartSelectorType must be one of FRAGMENT_NUMBER, SERVER_TIMESTAMP, "
        "PRODUCER_TIMESTAMP, NOW, EARLIEST, CONTINUATION_TOKEN");
  }
  return cursor;
}

void GetMediaTail::Pump() {
  while (!done_ && out_.queued_bytes() < kMaxBacklogBytes) {
    StatusOr<KvsStream> stream = store_.GetStream(cursor_.stream_name);
    if (!stream.ok() || stream->id != cursor_.stream_id) {
      done_ = true;  // deleted: the service ends the response too
      return out_.Finish();
    }
    FragmentQuery query;
    query.stream_id = cursor_.stream_id;
    query.by_server_time = cursor_.by_server_time;
    query.start_ms = cursor_.start_ms;
    query.after_number = cursor_.after_number;
    query.limit = kFragmentsPerPump;
    StatusOr<std::vector<KvsFragment>> fragments = store_.ListFragments(query);
    if (!fragments.ok()) {
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
          << "getMedia " << cursor_.stream_name << ": " << fragments.status().message();
      done_ = true;
      return out_.Finish();
    }
    if (fragments->empty()) return;
    for (const KvsFragment& fragment : *fragments) {
      cursor_.after_number = fragment.number;
      // A fragment removed by retention between the listing and the read is skipped.
      StatusOr<std::string> media = archive_.FragmentMedia(fragment);
      if (media.ok()) out_.Write(std::move(*media));
    }
  }
}

}  // namespace kedge::ingest
