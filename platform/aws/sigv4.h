#pragma once
// AWS Signature Version 4 (header-based signing).
// Pure functions of their inputs (the time is passed in); thread-safe.
// Verified against the AWS SigV4 test suite (tests/platform/aws/sigv4_suite_test.cc).

#include <string>
#include <string_view>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"

namespace kedge::aws {

// SHA-256 of the empty payload, and the marker for unsigned / streamed payloads.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningParams {
  std::string service;  // "kinesis", "firehose", "kinesisvideo"
  std::string region;   // "us-east-1"
  WallTime time;
  // Normalize the URI path (remove '.', '..' and duplicate '/') and encode each segment twice,
  // as every service but S3 expects.
  bool normalize_path = true;
  // Also add the header x-amz-content-sha256 (S3 style). Kinesis services do not need it.
  bool add_content_sha256_header = false;
};

// The pieces of the signature, exposed for tests and for kedge-ingest's verifier.
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "content-type;host;x-amz-date"
  std::string authorization;   // the full Authorization header value
};

// Computes the signature over `method`, `path` (raw, as on the request line, without query),
// `query` (raw, without '?'), `headers` (as sent; names any case; duplicates allowed) and the
// hex `payload_hash`. `headers` must include Host and X-Amz-Date (and X-Amz-Security-Token when
// the credentials have one) — SignRequest adds them. Every header given is signed, except an
// Authorization header, which is ignored. A value with line breaks (an obsolete folded header)
// is signed as its lines joined with ','.
SignatureParts ComputeSignature(std::string_view method, std::string_view path,
                                std::string_view query, const net::Headers& headers,
                                std::string_view payload_hash, const Credentials& credentials,
                                const SigningParams& params);

// Signs an outgoing request in place: adds Host (from the URL, port only when not the
// default), X-Amz-Date, X-Amz-Security-Token (when present) and Authorization. Headers of those
// names already present are replaced (a retried request is simply signed again). All other
// headers are signed except User-Agent, Expect and X-Amzn-Trace-Id, which proxies may rewrite.
// The payload hash is SHA-256 of request->body, or `payload_hash_override` when not empty
// (e.g. for a streamed body). Returns InvalidArgument for a URL it cannot parse, or for
// credentials without an access key id or secret.
Status SignRequest(net::HttpRequest* request, const Credentials& credentials,
                   const SigningParams& params, std::string_view payload_hash_override = {});

// "20150830T123600Z" and "20150830".
std::string AmzDate(WallTime time);
std::string AmzDateStamp(WallTime time);

// Parses an X-Amz-Date value ("20150830T123600Z"); InvalidArgument quoting it when malformed.
StatusOr<WallTime> ParseAmzDate(std::string_view text);

}  // namespace kedge::aws
