#pragma once
// A Kinesis endpoint for tests that checks every request's SigV4 signature, as AWS does, and
// forwards the valid ones to a real Kinesis implementation (kinesalite). Requests with a bad
// signature get the service's error answer. Plain HTTP or TLS. SetOutage makes it play an
// unavailable endpoint: connections reset, or 503 ServiceUnavailable, until set back to kNone.

#include <atomic>
#include <memory>
#include <string>

#include "platform/aws/sigv4_verifier.h"
#include "tests/support/test_http_server.h"

namespace kedge::testing {

inline constexpr char kTestAccessKeyId[] = "AKIDKEDGETEST";
inline constexpr char kTestSecretKey[] = "kedge-test-secret-Xyz1";

enum class ProxyOutage {
  kNone,          // forward (the normal case)
  kReset,         // reset every connection without answering, like a crashed endpoint
  kUnavailable,   // answer 503 ServiceUnavailable, like an overloaded service
};

class KinesisTestProxy {
 public:
  // `upstream`: the kinesalite URL. With `tls`, serves the shared TestPki's server certificate.
  explicit KinesisTestProxy(std::string upstream, bool tls = false);
  Status Start() { return server_.Start(); }
  std::string Url() const { return server_.Url("/"); }

  int verified() const { return verified_.load(); }
  int rejected() const { return rejected_.load(); }
  // Thread-safe; applies to requests that arrive after the call.
  void SetOutage(ProxyOutage outage) { outage_ = outage; }
  // Requests refused by an outage.
  int refused() const { return refused_.load(); }

 private:
  TestHttpResponse Handle(const TestHttpRequest& request);

  std::string upstream_;
  aws::SigV4Verifier verifier_;
  std::atomic<int> verified_{0};
  std::atomic<int> rejected_{0};
  std::atomic<int> refused_{0};
  std::atomic<ProxyOutage> outage_{ProxyOutage::kNone};
  TestHttpServer server_;
};

}  // namespace kedge::testing
