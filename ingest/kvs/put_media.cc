#include "ingest/kvs/put_media.h"

#include "ingest/kvs/put_media_ack.h"
#include "ingest/server/aws_errors.h"
#include "platform/logging.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::ingest {
namespace {

namespace mkv = video::mkv;

constexpr int kStreamNotActive = 4008;
constexpr int kArchivalError = 5001;

struct SessionConfig {
  KvsStream stream;
  bool relative = false;    // RELATIVE timecodes: producer time = start + timecode
  int64_t start_ms = 0;     // x-amzn-producer-start-timestamp
  bool acks = true;         // x-amzn-fragment-acknowledgment-required
};

// One PutMedia upload. See put_media.h for the ACK sequence.
class PutMediaSession : public StreamHandler, public mkv::MkvFragmentSplitter::Sink {
 public:
  PutMediaSession(SessionConfig config, KvsStore& store, FragmentFiles& files, Clock& clock,
                  PutMediaLimits limits, ResponseStream& out)
      : config_(std::move(config)),
        store_(store),
        files_(files),
        clock_(clock),
        limits_(limits),
        out_(out),
        splitter_(mkv::MkvParser::Options(), *this),
        last_data_(clock.Now()),
        last_ack_(last_data_) {}

  void OnBody(std::string_view data) override {
    if (failed_) return;
    last_data_ = clock_.Now();
    Status status = splitter_.Feed(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (!status.ok()) FailMkv(status);
  }

  void OnTick() override {
    if (failed_) return;
    SteadyTime now = clock_.Now();
    if (now - last_data_ >= limits_.idle_timeout) {
      KEDGE_LOG(kInfo) << "putMedia " << config_.stream.name << ": no data for "
                       << limits_.idle_timeout.count() << " ms, closing";
      failed_ = true;
      return out_.Finish();
    }
    if (now - last_data_ >= limits_.idle_ack_interval &&
        now - last_ack_ >= limits_.idle_ack_interval) {
      Send(Ack{AckEvent::kIdle, std::nullopt, std::nullopt, 0, ""});
    }
  }

  void OnEnd(const Status& status) override {
    if (failed_) return;
    if (!status.ok()) {
      KEDGE_LOG(kInfo) << "putMedia " << config_.stream.name << ": " << status.message()
                       << "; the fragment in progress is dropped";
      return;
    }
    Status finished = splitter_.Finish();
    if (!finished.ok()) FailMkv(finished);
  }

  void OnHeader(const mkv::StoredHeader& header) override {
    if (failed_) return;
    timecode_scale_ns_ = header.timecode_scale_ns;
    StatusOr<int64_t> unique = store_.NextFragmentNumber();
    StatusOr<std::string> path =
        unique.ok() ? files_.WriteHeader(config_.stream.id, *unique,
                                         std::string(header.bytes.begin(), header.bytes.end()))
                    : StatusOr<std::string>(unique.status());
    StatusOr<int64_t> id = path.ok() ? store_.AddHeader(config_.stream.id, *path)
                                     : StatusOr<int64_t>(path.status());
    if (!id.ok()) return Fail(kArchivalError, "ARCHIVAL_ERROR", id.status());
    header_id_ = *id;
  }

  void OnFragmentStart(uint64_t timecode) override {
    if (failed_) return;
    timecode_ = timecode;
    server_ms_ = ToUnixMillis(clock_.WallNow());
    StatusOr<int64_t> number = store_.NextFragmentNumber();
    if (!number.ok()) return Fail(kArchivalError, "ARCHIVAL_ERROR", number.status());
    number_ = *number;
    if (config_.acks) Send(Ack{AckEvent::kBuffering, timecode_, number_, 0, ""});
  }

  void OnFragment(mkv::StoredFragment&& fragment) override {
    if (failed_) return;
    if (config_.acks) Send(Ack{AckEvent::kReceived, timecode_, number_, 0, ""});
    StatusOr<KvsStream> current = store_.GetStream(config_.stream.name);
    if (!current.ok() || current->id != config_.stream.id) {
      return Fail(kStreamNotActive, "STREAM_NOT_ACTIVE", NotFoundError("the stream was deleted"));
    }
    KvsFragment row;
    row.number = *number_;
    row.stream_id = config_.stream.id;
    row.header_id = header_id_;
    row.timecode = fragment.timecode;
    row.producer_ms = config_.relative
                          ? config_.start_ms + static_cast<int64_t>(fragment.timecode *
                                                                    timecode_scale_ns_ / 1000000)
                          : fragment.producer_time_ms;
    row.server_ms = server_ms_;
    row.duration_ms = fragment.duration_ms;
    row.size = static_cast<int64_t>(fragment.bytes.size());
    StatusOr<std::string> path = files_.WriteFragment(
        row.stream_id, row.number, row.server_ms,
        std::string(fragment.bytes.begin(), fragment.bytes.end()));
    Status indexed = path.ok() ? (row.path = *path, store_.AddFragment(row)) : path.status();
    if (!indexed.ok()) return Fail(kArchivalError, "ARCHIVAL_ERROR", indexed);
    if (config_.acks && current->retention_hours > 0) {
      Send(Ack{AckEvent::kPersisted, timecode_, number_, 0, ""});
    }
    number_.reset();
  }

 private:
  void Send(const Ack& ack) {
    last_ack_ = clock_.Now();
    out_.Write(FormatAck(ack));
  }

  void FailMkv(const Status& status) {
    mkv::KvsAckError error = mkv::KvsAckErrorFor(splitter_.error());
    Fail(error.error_id, error.error_code, status);
  }

  void Fail(int error_id, const char* error_code, const Status& status) {
    if (failed_) return;
    failed_ = true;
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "putMedia " << config_.stream.name << ": " << error_code << ": " << status.message();
    std::optional<uint64_t> timecode;
    if (number_) timecode = timecode_;
    Send(Ack{AckEvent::kError, timecode, number_, error_id, error_code});
    out_.Finish();
  }

  SessionConfig config_;
  KvsStore& store_;
  FragmentFiles& files_;
  Clock& clock_;
  PutMediaLimits limits_;
  ResponseStream& out_;
  mkv::MkvFragmentSplitter splitter_;
  SteadyTime last_data_;
  SteadyTime last_ack_;
  bool failed_ = false;
  uint64_t timecode_scale_ns_ = mkv::kTimecodeScaleNs;
  int64_t header_id_ = 0;
  uint64_t timecode_ = 0;
  int64_t server_ms_ = 0;
  std::optional<int64_t> number_;  // of the fragment being received
};

HttpResponse Reject(int status, const char* code, const std::string& message) {
  return AwsError(ErrorStyle::kRest, status, code, message);
}

}  // namespace

StatusOr<int64_t> ParseProducerStartTimestamp(std::string_view text) {
  Status invalid = InvalidArgumentError("x-amzn-producer-start-timestamp '" + std::string(text) +
                                        "' is not epoch seconds");
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12 || whole.find_first_not_of("0123456789") != std::string_view::npos ||
      fraction.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalid;
  }
  int64_t ms = std::stoll(std::string(whole)) * 1000;
  std::string digits(fraction.substr(0, 3));
  while (digits.size() < 3) digits.push_back('0');
  return ms + std::stoll(digits);
}

void PutMediaService::Register(Router& router) {
  router.HandleStream("POST", "/putMedia", [this](const HttpRequest& head, ResponseStream& out) {
    return Open(head, out);
  });
}

StreamStart PutMediaService::Open(const HttpRequest& head, ResponseStream& out) {
  StreamStart start;
  std::string name(head.Header("x-amzn-stream-name"));
  std::string arn(head.Header("x-amzn-stream-arn"));
  if (name.empty() == arn.empty()) {
    start.rejection = Reject(400, "InvalidArgumentException",
                             "give exactly one of x-amzn-stream-name and x-amzn-stream-arn");
    return start;
  }
  StatusOr<KvsStream> stream = name.empty() ? store_.GetStreamByArn(arn) : store_.GetStream(name);
  if (!stream.ok()) {
    bool missing = stream.status().code() == StatusCode::kNotFound;
    start.rejection = Reject(missing ? 404 : 500,
                             missing ? "ResourceNotFoundException" : "ClientLimitExceededException",
                             stream.status().message());
    return start;
  }
  SessionConfig config;
  config.stream = *stream;
  std::string_view type = head.Header("x-amzn-fragment-timecode-type");
  if (!type.empty() && type != "ABSOLUTE" && type != "RELATIVE") {
    start.rejection = Reject(400, "InvalidArgumentException",
                             "x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE");
    return start;
  }
  config.relative = type == "RELATIVE";
  std::string_view start_ts = head.Header("x-amzn-producer-start-timestamp");
  if (!start_ts.empty()) {
    StatusOr<int64_t> ms = ParseProducerStartTimestamp(start_ts);
    if (!ms.ok()) {
      start.rejection = Reject(400, "InvalidArgumentException", ms.status().message());
      return start;
    }
    config.start_ms = *ms;
  } else if (config.relative) {
    start.rejection = Reject(400, "InvalidArgumentException",
                             "RELATIVE timecodes need x-amzn-producer-start-timestamp");
    return start;
  }
  config.acks = head.Header("x-amzn-fragment-acknowledgment-required") != "0";
  start.headers.emplace_back("Content-Type", "application/json");
  start.handler =
      std::make_unique<PutMediaSession>(std::move(config), store_, files_, clock_, limits_, out);
  return start;
}

}  // namespace kedge::ingest
