#pragma once
// KvsUploader: moves the fragments of one FragmentStore to one Kinesis Video stream. It runs
// the control plane (DescribeStream, CreateStream when allowed, GetDataEndpoint PUT_MEDIA), then
// PutMedia sessions: a chunked upload whose body is pulled from the store (pausing when the store
// is empty), while the ACK stream is parsed as it arrives.
//
//   PERSISTED (or RECEIVED when the stream keeps no data) -> the fragment leaves the store.
//   ERROR -> ClassifyAckError: resend (rewind), skip the refused fragment (counted), or treat
//            the stream as unable to take data (back off, describe again); the session ends.
//   no ACK for ack_timeout while fragments are in flight -> the session is cancelled.
//   a session closed or failed -> whatever was not acknowledged is sent again (the store
//            rewinds), after a backoff with jitter when the failure was the connection's.
//   sessions are rotated before max_session (the service ends them at 45 min) and before the
//   credentials expire; each session opens with a fresh EBML header + Segment.
// A fragment whose session header differs from the open session's (the codec changed) ends the
// session; the next one starts with the new header.
//
// Sans-IO in the sense that matters for tests: all I/O goes through the injected HttpClient,
// FragmentStore and Clock, so tests drive it with a fake HttpClient and a FakeClock.
// Threading: everything runs on the HttpClient's owner thread (the caller polls the client and
// calls Tick()); stats() may be called from any thread.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kpl/token_bucket.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"
#include "platform/status.h"
#include "video/kvs/ack_parser.h"
#include "video/kvs/kvs_control_plane.h"
#include "video/kvs/upload_policy.h"
#include "video/store/fragment_store.h"

namespace kedge::video::kvs {

struct KvsUploaderOptions {
  std::string stream_name;
  std::string region;
  std::string control_endpoint;  // https://kinesisvideo.<region>.amazonaws.com or an override
  bool create_stream = false;    // CreateStream when DescribeStream says it does not exist
  int retention_hours = 24;      // for CreateStream
  std::string media_type = "video/h264";
  Millis ack_timeout{20000};     // fragments in flight and no ACK at all for this long: reconnect
  Millis max_session{std::chrono::minutes(40)};  // rotate before the service's 45 min limit
  Millis credentials_margin{std::chrono::minutes(1)};  // rotate this long before they expire
  Millis endpoint_ttl{std::chrono::minutes(40)};       // GetDataEndpoint again after this
  Millis backoff_initial{500};
  Millis backoff_max{30000};
  Millis control_timeout{10000};
  // Send the AWS_KINESISVIDEO_END_OF_FRAGMENT tag after every fragment, so the service closes
  // (and acknowledges) it at once instead of when the next one starts.
  bool end_each_fragment = true;
  // A fragment the service answers with a resend-class ERROR this many times in a row is
  // dropped as poison (counted), so one bad fragment cannot stall the stream forever.
  int poison_attempts = 5;
  // The service's per-stream PutMedia limits: fragments and bytes per second (0: no limit).
  // A live camera stays far below them; a backlog after an outage or `kedge video upload` of
  // a file would not, so fragments are paced (with a one-second burst) instead of refused.
  double max_fragments_per_second = 5;
  double max_bytes_per_second = 12.5e6;
  uint64_t jitter_seed = 1;
};

// One acknowledged (or refused) fragment, for callers that report progress.
struct FragmentOutcome {
  AckType type = AckType::kPersisted;  // kPersisted, kReceived (no retention) or kError
  int64_t timecode_ms = 0;
  std::string fragment_number;
  int error_id = 0;       // kError
  bool skipped = false;   // kError: the fragment was dropped for good
  Millis latency{0};      // from the fragment's last byte handed to the connection
  // From the fragment's end in producer time (timecode + duration) to the ACK, on the wall
  // clock: what a viewer waits beyond the fragment itself (capture, encode, store, upload).
  Millis end_to_ack{0};
};

struct UploadStats {
  uint64_t fragments_sent = 0;       // handed to a connection (resends included)
  uint64_t fragments_persisted = 0;  // released from the store on PERSISTED/RECEIVED
  uint64_t fragments_skipped = 0;    // refused for good (ERROR) or poison
  uint64_t fragments_resent = 0;     // sent again after a rewind
  uint64_t bytes_sent = 0;
  uint64_t acks = 0;
  // ACKs by type, indexed by AckType (kBuffering ... kNotAck).
  std::array<uint64_t, 6> acks_by_type{};
  uint64_t error_acks = 0;
  uint64_t sessions = 0;             // PutMedia requests started
  uint64_t session_failures = 0;     // ended by an error, a timeout or a failed connection
  uint64_t ack_timeouts = 0;
  uint64_t rotations = 0;
  uint64_t paced = 0;                // times a fragment waited for the per-stream limits
  uint64_t control_calls = 0;
  Millis last_latency{0};             // send to PERSISTED, last fragment
  Millis max_latency{0};
  std::vector<int64_t> recent_latencies_ms;  // the last 256, for percentiles
  std::vector<int64_t> recent_end_to_ack_ms;  // FragmentOutcome::end_to_ack, the last 256
  std::string last_error;            // "" when the last attempt worked
};

class KvsUploader {
 public:
  using OutcomeCallback = std::function<void(const FragmentOutcome&)>;

  // Borrowed: http, credentials, store and clock outlive the uploader.
  KvsUploader(KvsUploaderOptions options, net::HttpClient& http,
              aws::CredentialsProvider& credentials, FragmentStore& store, Clock& clock,
              OutcomeCallback on_outcome = nullptr);
  ~KvsUploader();
  KvsUploader(const KvsUploader&) = delete;
  KvsUploader& operator=(const KvsUploader&) = delete;

  // Advances everything that waits on time or on the store: starts the control plane, opens a
  // session when fragments wait, resumes a paused upload, enforces timeouts and rotation.
  // Call after every HttpClient::Poll and when a fragment was appended.
  void Tick();
  // When Tick() next has something to do (the caller's Poll may wait until then).
  SteadyTime NextDeadline() const;

  // Finish: upload what is stored, wait for its ACKs, and close the session, giving up at
  // `deadline` (what is left stays in the store for the next run). Done() says when it is over.
  void BeginDrain(SteadyTime deadline);
  bool Done() const { return done_; }

  // Set when the stream cannot be used and retrying cannot help (it does not exist and may not
  // be created): the caller should stop. OK otherwise.
  const Status& fatal_error() const { return fatal_; }

  UploadStats stats() const;

 private:
  enum class Phase { kDescribe, kCreate, kGetEndpoint, kReady, kStreaming, kBackoff, kStopped };
  struct Session;
  struct InFlight {
    int64_t timecode_ms = 0;
    int64_t end_ms = 0;  // timecode + duration
    uint64_t size = 0;
    SteadyTime sent_at;
  };

  void Enter(Phase phase);
  void StartDescribe();
  void StartCreate();
  void StartGetEndpoint();
  void Fail(const Status& status, Phase retry_phase);
  bool HaveDataToSend() const;
  void OpenSession();
  size_t ReadBody(Session& s, char* buf, size_t max);
  bool LoadNextFragment(Session& s);
  void OnBody(Session& s, std::string_view chunk);
  void HandleAck(Session& s, const Ack& ack);
  void HandleErrorAck(Session& s, const Ack& ack);
  void Release(Session& s, int64_t timecode_ms, AckType type, const std::string& number);
  void EndSession(Session& s);
  void OnSessionDone(uint64_t generation, StatusOr<net::HttpResponse> result);
  void CheckSessionTimers(Session& s);
  void CheckDrain();
  void Resume(Session& s);
  bool ShouldRotate(const Session& s) const;
  void Discard(int64_t timecode_ms, const char* why);
  // Takes the per-stream allowance for a fragment of `size` bytes, or says when it will be
  // there (paced_until_) and takes nothing.
  bool TakePace(size_t size);
  void SetError(const std::string& error);

  KvsUploaderOptions options_;
  net::HttpClient& http_;
  aws::CredentialsProvider& credentials_;
  FragmentStore& store_;
  Clock& clock_;
  OutcomeCallback on_outcome_;
  KvsControlPlane control_;
  Backoff backoff_;

  Phase phase_ = Phase::kDescribe;
  bool started_ = false;
  bool call_in_flight_ = false;
  Phase after_backoff_ = Phase::kDescribe;
  SteadyTime backoff_until_;
  bool keeps_data_ = true;  // retention > 0: wait for PERSISTED
  std::string data_endpoint_;
  SteadyTime endpoint_time_;
  int connection_failures_ = 0;
  std::unique_ptr<Session> session_;
  uint64_t generation_ = 0;
  std::string last_header_;  // the header of the last session (for a fragment without one)
  std::optional<StoredFragment> held_;  // read from the store, waits for the next session
                                        // or for the pace allowance
  kpl::TokenBucket fragment_pace_;
  kpl::TokenBucket byte_pace_;
  SteadyTime paced_until_{};            // no fragment may go before this
  std::optional<int64_t> error_head_;   // fragment of the last resend-class ERROR
  int error_head_count_ = 0;
  bool draining_ = false;
  SteadyTime drain_deadline_;
  bool done_ = false;
  Status fatal_;
  std::string end_of_fragment_;  // the EoFR Tags element
  std::shared_ptr<bool> alive_;  // false once destroyed: late HTTP callbacks do nothing

  mutable std::mutex stats_mu_;
  UploadStats stats_;  // guarded by stats_mu_
};

}  // namespace kedge::video::kvs
