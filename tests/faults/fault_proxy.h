#pragma once
// FaultProxy: a Kinesis endpoint for fault tests. It sits in front of a real Kinesis
// implementation (kinesalite), checks every request's SigV4 signature as AWS does, and injects
// the faults a test scripts:
//
//   kDelay          answer after `delay` (the request is forwarded)
//   kResetBefore    reset the connection without forwarding: the request is lost
//   kResetAfter     forward, then reset instead of answering: stored, but the answer is lost
//   kStatus500/503  answer InternalFailure (500) / ServiceUnavailable (503), not forwarded
//   kThrottle       answer ProvisionedThroughputExceededException (400), not forwarded
//   kPartialFailure PutRecords: every `fail_every`-th record is taken out of the request and
//                   reported failed (alternately ProvisionedThroughputExceededException and
//                   InternalFailure); the rest are forwarded, and the answers are merged in order
//
// A clock skew makes the proxy behave like AWS seen from a device whose clock is off: its
// answers carry a Date header `skew` ahead of (or behind) this machine's clock, and a request
// whose X-Amz-Date is more than 5 minutes from that time is refused with
// InvalidSignatureException "Signature expired: ..." (or RequestExpired, as chosen).
//
// Faults apply to requests of one operation (X-Amz-Target suffix, "PutRecords" by default),
// taken in turn from a cyclic plan; other operations are only forwarded (and skew-checked).
//
// Threading: requests are handled on the TestHttpServer's connection threads; every public
// method is thread-safe. JSON and CBOR bodies are both understood.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/aws/sigv4_verifier.h"
#include "platform/clock.h"
#include "tests/support/test_http_server.h"

namespace kedge::testing {

// The real clock moved by an offset that tests change at run time. Thread-safe.
class SkewedClock final : public Clock {
 public:
  SteadyTime Now() const override { return Clock::Real().Now(); }
  WallTime WallNow() const override {
    return Clock::Real().WallNow() + std::chrono::seconds(offset_seconds_.load());
  }
  void set_offset(std::chrono::seconds offset) { offset_seconds_ = offset.count(); }

 private:
  std::atomic<int64_t> offset_seconds_{0};
};

enum class FaultKind {
  kNone,
  kDelay,
  kResetBefore,
  kResetAfter,
  kStatus500,
  kStatus503,
  kThrottle,
  kPartialFailure,
};

struct Fault {
  FaultKind kind = FaultKind::kNone;
  std::chrono::milliseconds delay{0};  // kDelay
  int fail_every = 3;                   // kPartialFailure
};

const char* FaultName(FaultKind kind);

class FaultProxy {
 public:
  // `upstream`: the kinesalite URL. `options`: plain HTTP by default, or TLS.
  explicit FaultProxy(std::string upstream, TestHttpServerOptions options = {});
  Status Start() { return server_.Start(); }
  void Stop() { server_.Stop(); }
  std::string Url() const { return server_.Url("/"); }

  // The faults for requests of `operation`, applied in turn (the plan repeats). Empty: none.
  void SetPlan(std::vector<Fault> plan, std::string operation = "PutRecords");
  // Answers carry Date = now + `skew`; signatures are checked against that time.
  // `error_code`: "InvalidSignatureException" (Signature expired) or "RequestExpired".
  void SetClockSkew(std::chrono::seconds skew,
                    std::string error_code = "InvalidSignatureException");

  // What happened so far.
  int injected(FaultKind kind) const;
  int injected_total() const;
  int skew_rejections() const { return skew_rejections_.load(); }
  int rejected() const { return rejected_.load(); }  // bad signatures other than skew
  int forwarded() const { return forwarded_.load(); }
  int records_failed() const { return records_failed_.load(); }

  // The Kinesis records (partition key, data) of requests forwarded whose answer was then
  // lost (kResetAfter): the only records the stream may legitimately hold twice.
  struct SentRecord {
    std::string partition_key;
    std::string data;
  };
  std::vector<SentRecord> lost_answer_records() const;

 private:
  TestHttpResponse Handle(const TestHttpRequest& request);
  bool CheckSignature(const TestHttpRequest& request, TestHttpResponse* refusal);
  Fault NextFault(const TestHttpRequest& request);
  TestHttpResponse Forward(const TestHttpRequest& request, const std::string& body);
  TestHttpResponse PartiallyFail(const TestHttpRequest& request, int fail_every);
  TestHttpResponse ErrorAnswer(int status, const std::string& code, const std::string& message);
  void Stamp(TestHttpResponse* response) const;
  void RememberLostAnswer(const TestHttpRequest& request);

  std::string upstream_;
  SkewedClock clock_;
  aws::SigV4Verifier verifier_;

  mutable std::mutex mu_;
  std::vector<Fault> plan_;            // guarded by mu_
  std::string operation_;              // guarded by mu_
  size_t next_ = 0;                    // guarded by mu_
  std::string skew_error_code_;        // guarded by mu_
  std::map<FaultKind, int> injected_;  // guarded by mu_
  int partial_sequence_ = 0;           // guarded by mu_: alternates the per-record error code
  std::vector<SentRecord> lost_answer_records_;  // guarded by mu_

  std::atomic<int> skew_rejections_{0};
  std::atomic<int> rejected_{0};
  std::atomic<int> forwarded_{0};
  std::atomic<int> records_failed_{0};
  TestHttpServer server_;
};

}  // namespace kedge::testing
