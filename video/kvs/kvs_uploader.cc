#include "video/kvs/kvs_uploader.h"

#include <algorithm>
#include <cstring>

#include "platform/aws/errors.h"
#include "platform/logging.h"
#include "video/kvs/fragment_payload.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video::kvs {
namespace {

constexpr size_t kRawPrefixBytes = 4096;  // of a response body, for error answers
constexpr size_t kLatencyWindow = 256;
constexpr Millis kCreatingPoll{1000};
constexpr Millis kDrainGrace{2000};  // after the drain deadline, for the session to close
constexpr int kFailuresBeforeDescribe = 3;
constexpr Millis kMinSessionForRefresh{10000};

}  // namespace

struct KvsUploader::Session {
  uint64_t generation = 0;
  net::HttpClient::RequestId id = 0;
  std::string pending;  // bytes for the body reader
  size_t offset = 0;
  bool paused = false;     // the body reader returned kBodyPause
  bool ending = false;     // send no more fragments, then end the body
  bool eofr_sent = false;
  bool body_done = false;  // the body reader returned 0
  bool failed = false;     // an ERROR ACK, a timeout: cancelled
  bool stream_problem = false;
  std::string header;      // this session's EBML header + Segment + Info + Tracks
  SteadyTime started;
  SteadyTime last_ack;
  SteadyTime body_done_at;
  std::optional<WallTime> credentials_expire;
  std::deque<InFlight> in_flight;  // sent, not yet released, oldest first
  AckParser parser;
  std::string raw_prefix;  // the first bytes of the response body
};

KvsUploader::KvsUploader(KvsUploaderOptions options, net::HttpClient& http,
                         aws::CredentialsProvider& credentials, FragmentStore& store,
                         Clock& clock, OutcomeCallback on_outcome)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      store_(store),
      clock_(clock),
      on_outcome_(std::move(on_outcome)),
      control_(http, credentials, clock,
               KvsControlPlane::Options{options_.control_endpoint, options_.region,
                                        options_.control_timeout}),
      backoff_(options_.backoff_initial, options_.backoff_max, options_.jitter_seed),
      fragment_pace_(options_.max_fragments_per_second, options_.max_fragments_per_second,
                     clock.Now()),
      byte_pace_(options_.max_bytes_per_second, options_.max_bytes_per_second, clock.Now()),
      alive_(std::make_shared<bool>(true)) {
  mkv::Bytes eofr = mkv::MkvFragmenter::EndOfFragmentTags();
  end_of_fragment_.assign(eofr.begin(), eofr.end());
}

KvsUploader::~KvsUploader() {
  *alive_ = false;
  if (session_) http_.Cancel(session_->id);  // removes the transfer: no more body callbacks
}

UploadStats KvsUploader::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void KvsUploader::SetError(const std::string& error) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.last_error = error;
}

void KvsUploader::Tick() {
  if (done_) return;
  if (!started_) {
    started_ = true;
    Enter(Phase::kDescribe);
  }
  SteadyTime now = clock_.Now();
  if (phase_ == Phase::kBackoff && now >= backoff_until_) Enter(after_backoff_);
  bool may_open = !draining_ || now < drain_deadline_;
  if (phase_ == Phase::kReady && may_open && HaveDataToSend()) OpenSession();
  if (session_) CheckSessionTimers(*session_);
  if (draining_) CheckDrain();
}

SteadyTime KvsUploader::NextDeadline() const {
  SteadyTime now = clock_.Now();
  SteadyTime next = now + Millis(1000);
  if (phase_ == Phase::kBackoff) next = std::min(next, backoff_until_);
  if (session_) {
    const Session& s = *session_;
    if (!s.in_flight.empty()) {
      next = std::min(next, std::max(s.last_ack, s.in_flight.front().sent_at) +
                                options_.ack_timeout);
    }
    next = std::min(next, s.started + options_.max_session);
  }
  if (draining_) next = std::min(next, drain_deadline_);
  if (paced_until_ > now) next = std::min(next, paced_until_);
  return std::max(next, now);
}

void KvsUploader::BeginDrain(SteadyTime deadline) {
  draining_ = true;
  drain_deadline_ = deadline;
}

void KvsUploader::CheckDrain() {
  SteadyTime now = clock_.Now();
  if (session_) {
    if (now >= drain_deadline_ + kDrainGrace && !session_->failed) {
      session_->failed = true;
      http_.Cancel(session_->id);
    }
    return;
  }
  bool empty = store_.stats().fragments == 0 && !held_;
  if (empty || now >= drain_deadline_ || !fatal_.ok()) {
    done_ = true;
    phase_ = Phase::kStopped;
  }
}

// ---- control plane ----

void KvsUploader::Enter(Phase phase) {
  phase_ = phase;
  switch (phase) {
    case Phase::kDescribe: return StartDescribe();
    case Phase::kCreate: return StartCreate();
    case Phase::kGetEndpoint: return StartGetEndpoint();
    case Phase::kReady:
      if (HaveDataToSend() && (!draining_ || clock_.Now() < drain_deadline_)) OpenSession();
      return;
    default: return;
  }
}

void KvsUploader::Fail(const Status& status, Phase retry_phase) {
  SetError(status.message());
  Millis wait = backoff_.Next();
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
      << "video stream " << options_.stream_name << ": " << status.message() << "; retrying in "
      << wait.count() << " ms";
  phase_ = Phase::kBackoff;
  after_backoff_ = retry_phase;
  backoff_until_ = clock_.Now() + wait;
}

void KvsUploader::StartDescribe() {
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.control_calls;
  }
  control_.DescribeStream(options_.stream_name, [this](StatusOr<StreamDescription> d) {
    if (!d.ok()) {
      if (d.status().code() == StatusCode::kNotFound) {
        if (options_.create_stream) return Enter(Phase::kCreate);
        fatal_ = Status(d.status().code(),
                        d.status().message() + " (create it, or let kedge create it: --create / "
                                               "create_stream: true)");
        return Fail(fatal_, Phase::kDescribe);
      }
      return Fail(d.status(), Phase::kDescribe);
    }
    if (d->status == "ACTIVE" || d->status == "UPDATING") {
      keeps_data_ = d->retention_hours > 0;
      fatal_ = Status();
      bool fresh = !data_endpoint_.empty() &&
                   clock_.Now() - endpoint_time_ < options_.endpoint_ttl;
      return Enter(fresh ? Phase::kReady : Phase::kGetEndpoint);
    }
    if (d->status == "CREATING") {
      phase_ = Phase::kBackoff;
      after_backoff_ = Phase::kDescribe;
      backoff_until_ = clock_.Now() + kCreatingPoll;
      return;
    }
    Fail(FailedPreconditionError("stream " + options_.stream_name + " is " + d->status),
         Phase::kDescribe);
  });
}

void KvsUploader::StartCreate() {
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.control_calls;
  }
  CreateStreamRequest request;
  request.stream_name = options_.stream_name;
  request.media_type = options_.media_type;
  request.retention_hours = options_.retention_hours;
  KEDGE_LOG(kInfo) << "creating video stream " << options_.stream_name << " (retention "
                   << options_.retention_hours << " h)";
  control_.CreateStream(request, [this](StatusOr<std::string> arn) {
    // ResourceInUse: created meanwhile by someone else; describe it either way.
    if (!arn.ok() && arn.status().message().find("ResourceInUse") == std::string::npos) {
      return Fail(arn.status(), Phase::kDescribe);
    }
    Enter(Phase::kDescribe);
  });
}

void KvsUploader::StartGetEndpoint() {
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.control_calls;
  }
  control_.GetDataEndpoint(options_.stream_name, "PUT_MEDIA", [this](StatusOr<std::string> url) {
    if (!url.ok()) return Fail(url.status(), Phase::kDescribe);
    data_endpoint_ = *url;
    endpoint_time_ = clock_.Now();
    Enter(Phase::kReady);
  });
}

// ---- sessions ----

bool KvsUploader::HaveDataToSend() const { return held_.has_value() || store_.PeekNext(); }

void KvsUploader::OpenSession() {
  SteadyTime now = clock_.Now();
  if (data_endpoint_.empty() || now - endpoint_time_ >= options_.endpoint_ttl) {
    return Enter(Phase::kGetEndpoint);
  }
  auto s = std::make_unique<Session>();
  s->generation = ++generation_;
  if (!LoadNextFragment(*s)) return;  // nothing readable after all
  StatusOr<aws::Credentials> credentials = credentials_.GetCredentials();
  StatusOr<net::HttpRequest> request =
      credentials.ok() ? control_.PutMediaRequest(data_endpoint_, options_.stream_name,
                                                  s->in_flight.front().timecode_ms)
                       : StatusOr<net::HttpRequest>(credentials.status());
  if (!request.ok()) {
    store_.Rewind();
    held_.reset();
    return Fail(request.status(), Phase::kReady);
  }
  s->credentials_expire = credentials->expiration;
  Session* raw = s.get();
  request->body_reader = [this, raw](char* buf, size_t max) { return ReadBody(*raw, buf, max); };
  request->on_body = [this, raw](std::string_view chunk) { OnBody(*raw, chunk); };
  s->started = s->last_ack = now;
  session_ = std::move(s);
  phase_ = Phase::kStreaming;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.sessions;
  }
  uint64_t generation = raw->generation;
  raw->id = http_.Start(std::move(*request),
                        [this, alive = alive_, generation](StatusOr<net::HttpResponse> result) {
                          if (*alive) OnSessionDone(generation, std::move(result));
                        });
}

bool KvsUploader::LoadNextFragment(Session& s) {
  while (true) {
    std::optional<StoredFragment> f;
    if (held_) {
      f = std::move(held_);
      held_.reset();
    } else {
      StatusOr<std::optional<StoredFragment>> read = store_.ReadNext();
      if (!read.ok()) {
        SetError(read.status().message());
        KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
            << "video stream " << options_.stream_name << ": " << read.status().message();
        return false;
      }
      if (!*read) return false;
      f = std::move(**read);
    }
    const std::string& payload = f->payload;
    StatusOr<size_t> header_length = SessionHeaderLength(payload);
    if (!header_length.ok() || (*header_length == 0 && s.header.empty() && last_header_.empty())) {
      Discard(f->meta.timecode_ms, header_length.ok() ? "it has no session header"
                                                      : "its MKV header is malformed");
      continue;
    }
    if (!TakePace(payload.size())) {
      held_ = std::move(f);  // goes once the allowance is there; the session waits
      return false;
    }
    std::string_view header(payload.data(), *header_length);
    if (s.header.empty()) {
      s.header = *header_length > 0 ? std::string(header) : last_header_;
      last_header_ = s.header;
      s.pending = *header_length > 0 ? payload : last_header_ + payload;
    } else if (*header_length > 0 && header != s.header) {
      held_ = std::move(f);  // the codec changed: it opens the next session
      s.ending = true;
      return false;
    } else {
      s.pending.assign(payload, *header_length, std::string::npos);
    }
    if (options_.end_each_fragment) s.pending += end_of_fragment_;
    s.offset = 0;
    s.in_flight.push_back(InFlight{f->meta.timecode_ms, f->meta.timecode_ms + f->meta.duration_ms,
                                 f->meta.size, clock_.Now()});
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.fragments_sent;
    stats_.bytes_sent += s.pending.size();
    return true;
  }
}

size_t KvsUploader::ReadBody(Session& s, char* buf, size_t max) {
  if (s.offset >= s.pending.size()) {
    s.pending.clear();
    s.offset = 0;
    if (!s.ending && !s.failed) LoadNextFragment(s);
    if (s.pending.empty() && s.ending && !s.failed && !s.eofr_sent &&
        !options_.end_each_fragment && !s.in_flight.empty()) {
      s.pending = end_of_fragment_;  // tells the service the last fragment is complete
      s.eofr_sent = true;
    }
    if (s.pending.empty()) {
      if (s.ending || s.failed) {
        if (!s.body_done) s.body_done_at = clock_.Now();
        s.body_done = true;
        return 0;
      }
      s.paused = true;
      return net::kBodyPause;
    }
  }
  size_t n = std::min(max, s.pending.size() - s.offset);
  std::memcpy(buf, s.pending.data() + s.offset, n);
  s.offset += n;
  if (s.offset == s.pending.size() && !s.in_flight.empty()) {
    s.in_flight.back().sent_at = clock_.Now();  // latency counts from the last byte
  }
  return n;
}

void KvsUploader::Resume(Session& s) {
  if (!s.paused) return;
  s.paused = false;
  http_.Unpause(s.id);
}

void KvsUploader::CheckSessionTimers(Session& s) {
  SteadyTime now = clock_.Now();
  if (s.failed) return;  // cancelled; waiting for the callback
  if (!s.in_flight.empty() &&
      now >= std::max(s.last_ack, s.in_flight.front().sent_at) + options_.ack_timeout) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "video stream " << options_.stream_name << ": no acknowledgement for "
        << options_.ack_timeout.count() << " ms; reconnecting";
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.ack_timeouts;
    }
    s.failed = true;
    http_.Cancel(s.id);
    return;
  }
  if (s.body_done && now >= s.body_done_at + options_.ack_timeout) {
    s.failed = true;  // the service does not close the finished session
    http_.Cancel(s.id);
    return;
  }
  if (!s.ending && ShouldRotate(s)) {
    s.ending = true;
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.rotations;
  }
  if (draining_ && !s.ending && s.in_flight.empty() && !HaveDataToSend()) s.ending = true;
  if (draining_ && !s.ending && now >= drain_deadline_) s.ending = true;
  if (s.ending || (HaveDataToSend() && now >= paced_until_)) Resume(s);
}

bool KvsUploader::TakePace(size_t size) {
  SteadyTime now = clock_.Now();
  bool by_count = options_.max_fragments_per_second > 0;
  bool by_bytes = options_.max_bytes_per_second > 0;
  // A fragment larger than a second's bytes waits for a full bucket and takes all of it.
  double bytes = std::min(static_cast<double>(size), byte_pace_.capacity());
  SteadyTime when = now;
  if (by_count) when = std::max(when, fragment_pace_.WhenAvailable(1, now));
  if (by_bytes) when = std::max(when, byte_pace_.WhenAvailable(bytes, now));
  if (when > now) {
    bool new_wait = paced_until_ <= now;
    paced_until_ = when;
    if (new_wait) {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.paced;
    }
    return false;
  }
  if (by_count) fragment_pace_.TryTake(1, now);
  if (by_bytes) byte_pace_.TryTake(bytes, now);
  return true;
}

bool KvsUploader::ShouldRotate(const Session& s) const {
  Millis age = std::chrono::duration_cast<Millis>(clock_.Now() - s.started);
  if (age >= options_.max_session) return true;
  // Credentials already close to expiry when the session opened must not end every session
  // at once: give each at least kMinSessionForRefresh.
  return s.credentials_expire && age >= kMinSessionForRefresh &&
         *s.credentials_expire - clock_.WallNow() <= options_.credentials_margin;
}

// ---- acknowledgements ----

void KvsUploader::OnBody(Session& s, std::string_view chunk) {
  if (s.raw_prefix.size() < kRawPrefixBytes) {
    s.raw_prefix.append(chunk.substr(0, kRawPrefixBytes - s.raw_prefix.size()));
  }
  for (const Ack& ack : s.parser.Feed(chunk)) HandleAck(s, ack);
}

void KvsUploader::HandleAck(Session& s, const Ack& ack) {
  s.last_ack = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.acks;
    ++stats_.acks_by_type[static_cast<size_t>(ack.type)];
  }
  switch (ack.type) {
    case AckType::kBuffering:
    case AckType::kIdle:
      return;
    case AckType::kReceived:
      if (!keeps_data_ && ack.timecode) {
        Release(s, static_cast<int64_t>(*ack.timecode), ack.type, ack.fragment_number);
      }
      return;
    case AckType::kPersisted:
      if (ack.timecode) {
        Release(s, static_cast<int64_t>(*ack.timecode), ack.type, ack.fragment_number);
      }
      return;
    case AckType::kError:
      return HandleErrorAck(s, ack);
    case AckType::kNotAck:
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
          << "video stream " << options_.stream_name << ": PutMedia answered: " << ack.message;
      if (ack.message.find("expired") != std::string::npos) credentials_.Invalidate();
      return;
  }
}

void KvsUploader::Release(Session& s, int64_t timecode_ms, AckType type,
                          const std::string& number) {
  StatusOr<uint64_t> removed = store_.MarkPersisted(timecode_ms);
  if (!removed.ok()) {
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "video stream " << options_.stream_name << ": " << removed.status().message();
  }
  FragmentOutcome outcome;
  outcome.type = type;
  outcome.timecode_ms = timecode_ms;
  outcome.fragment_number = number;
  SteadyTime now = clock_.Now();
  while (!s.in_flight.empty() && s.in_flight.front().timecode_ms <= timecode_ms) {
    if (s.in_flight.front().timecode_ms == timecode_ms) {
      outcome.latency =
          std::chrono::duration_cast<Millis>(now - s.in_flight.front().sent_at);
      outcome.end_to_ack = Millis(ToUnixMillis(clock_.WallNow()) - s.in_flight.front().end_ms);
    }
    s.in_flight.pop_front();
  }
  if (error_head_ && *error_head_ <= timecode_ms) error_head_.reset();
  backoff_.Reset();
  connection_failures_ = 0;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.fragments_persisted += removed.ok() ? *removed : 0;
    stats_.last_latency = outcome.latency;
    stats_.max_latency = std::max(stats_.max_latency, outcome.latency);
    if (stats_.recent_latencies_ms.size() >= kLatencyWindow) {
      stats_.recent_latencies_ms.erase(stats_.recent_latencies_ms.begin());
    }
    stats_.recent_latencies_ms.push_back(outcome.latency.count());
    if (stats_.recent_end_to_ack_ms.size() >= kLatencyWindow) {
      stats_.recent_end_to_ack_ms.erase(stats_.recent_end_to_ack_ms.begin());
    }
    stats_.recent_end_to_ack_ms.push_back(outcome.end_to_ack.count());
    stats_.last_error.clear();
  }
  if (on_outcome_) on_outcome_(outcome);
}

void KvsUploader::HandleErrorAck(Session& s, const Ack& ack) {
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.error_acks;
  }
  AckErrorAction action = ClassifyAckError(ack.error_id);
  std::optional<int64_t> timecode;
  if (ack.timecode) {
    timecode = static_cast<int64_t>(*ack.timecode);
  } else if (!s.in_flight.empty()) {
    timecode = s.in_flight.front().timecode_ms;
  }
  std::string name(ack.error_code.empty() ? AckErrorName(ack.error_id) : ack.error_code);
  SetError("PutMedia ERROR " + std::to_string(ack.error_id) + " " + name);
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
      << "video stream " << options_.stream_name << ": ERROR " << ack.error_id << " " << name
      << (timecode ? " for fragment " + std::to_string(*timecode) : std::string());
  bool skip = action == AckErrorAction::kSkipFragment;
  if (action == AckErrorAction::kResend && timecode) {
    error_head_count_ = error_head_ == timecode ? error_head_count_ + 1 : 1;
    error_head_ = timecode;
    skip = error_head_count_ >= options_.poison_attempts;
  }
  if (skip && timecode) {
    Discard(*timecode, name.c_str());
    error_head_.reset();
  }
  if (on_outcome_) {
    FragmentOutcome outcome;
    outcome.type = AckType::kError;
    outcome.timecode_ms = timecode.value_or(0);
    outcome.fragment_number = ack.fragment_number;
    outcome.error_id = ack.error_id;
    outcome.skipped = skip;
    on_outcome_(outcome);
  }
  s.stream_problem = action == AckErrorAction::kStreamProblem;
  s.failed = true;  // the service ends the connection after an ERROR; do not wait for that
  http_.Cancel(s.id);
}

void KvsUploader::Discard(int64_t timecode_ms, const char* why) {
  KEDGE_LOG(kWarn) << "video stream " << options_.stream_name << ": dropping fragment "
                   << timecode_ms << ": " << why;
  Status discarded = store_.Discard(timecode_ms);
  if (!discarded.ok() && discarded.code() != StatusCode::kNotFound) {
    KEDGE_LOG(kError) << "video stream " << options_.stream_name << ": " << discarded.message();
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++stats_.fragments_skipped;
}

void KvsUploader::OnSessionDone(uint64_t generation, StatusOr<net::HttpResponse> result) {
  if (!session_ || session_->generation != generation) return;
  std::unique_ptr<Session> s = std::move(session_);
  // Whatever was read and not released is sent again; released fragments are gone.
  store_.Rewind();
  held_.reset();
  bool clean = result.ok() && result->status == 200 && !s->failed &&
               (s->in_flight.empty() || s->ending);
  if (clean && s->in_flight.empty()) {
    phase_ = Phase::kReady;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.session_failures;
    stats_.fragments_resent += s->in_flight.size();
  }
  std::string what = "PutMedia to stream " + options_.stream_name;
  if (result.ok() && result->status != 200) {
    aws::ApiError error =
        aws::ParseJsonError(result->status, s->raw_prefix, result->Header("x-amzn-errortype"));
    Status status = aws::ToStatus(error, what);
    aws::ErrorClass kind = aws::Classify(error);
    if (aws::IsClockSkewError(error)) control_.ObserveClockSkew(result->Header("date"));
    if (kind == aws::ErrorClass::kExpired || result->status == 401 || result->status == 403) {
      credentials_.Invalidate();
    }
    if (status.code() == StatusCode::kNotFound) return Fail(status, Phase::kDescribe);
    bool stale = error.code == "InvalidEndpointException" || result->status >= 500;
    return Fail(status, stale ? Phase::kGetEndpoint : Phase::kReady);
  }
  if (s->stream_problem) {
    return Fail(UnavailableError(what + ": the stream cannot take data now"), Phase::kDescribe);
  }
  if (!result.ok() && !s->failed) {  // the connection failed
    ++connection_failures_;
    return Fail(result.status(), connection_failures_ >= kFailuresBeforeDescribe
                                     ? Phase::kDescribe
                                     : Phase::kReady);
  }
  // Cancelled after an ERROR ACK or a timeout, or closed by the service with fragments in
  // flight (its idle timeout, MAX_CONNECTION_DURATION): resend after a short pause.
  Fail(UnavailableError(what + ": session ended with " + std::to_string(s->in_flight.size()) +
                        " fragment(s) unacknowledged"),
       Phase::kReady);
}

}  // namespace kedge::video::kvs
