#pragma once
// SigV4Verifier: checks the SigV4 signature of an incoming request, as the AWS services do.
// Used by kedge-ingest and by tests that prove what kedge sends is signed correctly.
// Thread-safe (const after construction; the secret lookup must be thread-safe).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/aws/errors.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"

namespace kedge::aws {

struct IncomingRequest {
  std::string method;
  std::string target;     // request target as received: path plus "?query"
  net::Headers headers;   // as received, any case
  // Payload hashes the caller accepts (hex). Empty: SHA-256 of `body` is required, unless the
  // request carries x-amz-content-sha256 (then that value, when it matches the body or is
  // UNSIGNED-PAYLOAD). Streaming endpoints (PutMedia) pass the hashes of an unread body they
  // accept, e.g. kEmptyPayloadSha256 and kUnsignedPayload.
  std::vector<std::string> accepted_payload_hashes;
  std::string_view body;
};

struct VerifiedIdentity {
  std::string access_key_id;
  std::string region;
  std::string service;
};

class SigV4Verifier {
 public:
  // Returns the secret for an access key id, or nullopt when the key is unknown.
  using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

  SigV4Verifier(SecretLookup secrets, Clock& clock,
                std::chrono::seconds allowed_skew = std::chrono::minutes(5));

  // The identity on success; on failure an ApiError in the service's terms, HTTP status
  // included: MissingAuthenticationTokenException, IncompleteSignatureException,
  // UnrecognizedClientException (unknown key), InvalidSignatureException (wrong secret,
  // tampered request, or a date outside the allowed skew: "Signature expired").
  std::optional<VerifiedIdentity> Verify(const IncomingRequest& request, ApiError* error) const;

 private:
  SecretLookup secrets_;
  Clock& clock_;
  std::chrono::seconds allowed_skew_;
};

}  // namespace kedge::aws
