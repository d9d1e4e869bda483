#pragma once
// SigV4Verifier: checks the AWS Signature Version 4 of requests to kedge-ingest when
// credentials are configured, and answers failures the way AWS does:
//   no Authorization header            -> MissingAuthenticationTokenException (403)
//   unknown access key id              -> UnrecognizedClientException (400 JSON APIs, 403 REST)
//   wrong secret, tampered request     -> InvalidSignatureException (403)
//   X-Amz-Date more than 5 min off     -> InvalidSignatureException "Signature expired: ..." (403)
// The signature is recomputed with aws::ComputeSignature over exactly the headers the client
// listed in SignedHeaders. Tolerated like the service: a Host signed without its port (kvssink),
// and for streamed bodies (PutMedia) the payload hash of the empty string or UNSIGNED-PAYLOAD,
// or whatever x-amz-content-sha256 declares.
//
// Threading: Check is const and thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "ingest/server/http_types.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"

namespace kedge::ingest {

class SigV4Verifier {
 public:
  SigV4Verifier(std::vector<aws::Credentials> accepted, const Clock& clock)
      : accepted_(std::move(accepted)), clock_(clock) {}

  // Paths under these prefixes are not checked (the web console, HLS URLs with their own token).
  void Exempt(std::string path_prefix) { exempt_.push_back(std::move(path_prefix)); }

  // nullopt when the request is authentic (or exempt); else the error response to send.
  std::optional<HttpResponse> Check(const HttpRequest& request, bool streamed) const;

  struct Failure {
    int http_status;
    std::string code;
    std::string message;
  };
  // The same check, as a failure description (nullopt = authentic).
  std::optional<Failure> Verify(const HttpRequest& request, bool streamed) const;

 private:
  std::vector<aws::Credentials> accepted_;
  const Clock& clock_;
  std::vector<std::string> exempt_;
};

}  // namespace kedge::ingest
