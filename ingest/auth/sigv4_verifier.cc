#include "ingest/auth/sigv4_verifier.h"

#include <openssl/crypto.h>

#include "ingest/server/aws_errors.h"
#include "platform/aws/sigv4.h"
#include "platform/aws/time_format.h"
#include "platform/crypto.h"

namespace kedge::ingest {
namespace {

constexpr auto kMaxSkew = std::chrono::minutes(5);
constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

struct Authorization {
  std::string access_key;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(Trim(s.substr(start, at == std::string_view::npos ? s.npos : at - start)));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

// "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/kinesis/aws4_request,
//  SignedHeaders=host;x-amz-date, Signature=abc..."
std::optional<Authorization> ParseAuthorization(std::string_view header) {
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  Authorization auth;
  for (const std::string& part : Split(header.substr(kAlgorithm.size()), ',')) {
    size_t eq = part.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string key = part.substr(0, eq);
    std::string value = part.substr(eq + 1);
    if (key == "Credential") {
      std::vector<std::string> scope = Split(value, '/');
      if (scope.size() != 5 || scope[4] != "aws4_request") return std::nullopt;
      auth.access_key = scope[0];
      auth.date = scope[1];
      auth.region = scope[2];
      auth.service = scope[3];
    } else if (key == "SignedHeaders") {
      auth.signed_headers = Split(value, ';');
    } else if (key == "Signature") {
      auth.signature = value;
    }
  }
  if (auth.access_key.empty() || auth.signed_headers.empty() || auth.signature.empty()) {
    return std::nullopt;
  }
  return auth;
}

// "20150830T123600Z". aws::ParseAmzDate refuses impossible dates and years a WallTime cannot
// hold (converting those overflowed: undefined behaviour, found by fuzz_ingest_http).
std::optional<WallTime> ParseAmzTime(std::string_view text) {
  StatusOr<WallTime> time = aws::ParseAmzDate(text);
  if (!time.ok()) return std::nullopt;
  return *time;
}

bool SameSignature(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string StripPort(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos) {
    return std::string(host);
  }
  return std::string(host.substr(0, colon));
}

// Recomputes the signature for each acceptable payload hash, and again with the Host's port
// removed (kvssink signs the host name alone).
bool SignatureMatches(const HttpRequest& request, const Authorization& auth,
                      const aws::Credentials& credentials, WallTime time,
                      const std::vector<std::string>& payload_hashes, net::Headers signed_headers) {
  aws::SigningParams params;
  params.service = auth.service;
  params.region = auth.region;
  params.time = time;
  params.normalize_path = auth.service != "s3";
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 1) {
      bool changed = false;
      for (auto& [key, value] : signed_headers) {
        if (EqualsIgnoreCase(key, "host") && StripPort(value) != value) {
          value = StripPort(value);
          changed = true;
        }
      }
      if (!changed) return false;
    }
    for (const std::string& hash : payload_hashes) {
      aws::SignatureParts parts = aws::ComputeSignature(request.method, request.path, request.query,
                                                        signed_headers, hash, credentials, params);
      if (SameSignature(parts.signature, auth.signature)) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<SigV4Verifier::Failure> SigV4Verifier::Verify(const HttpRequest& request,
                                                            bool streamed) const {
  for (const std::string& prefix : exempt_) {
    if (request.path.compare(0, prefix.size(), prefix) == 0) return std::nullopt;
  }
  std::string_view header = request.Header("Authorization");
  if (header.empty()) return Failure{403, "MissingAuthenticationTokenException", "Missing Authentication Token"};
  std::optional<Authorization> auth = ParseAuthorization(header);
  if (!auth) {
    return Failure{400, "IncompleteSignatureException",
                   "Authorization header requires Credential, SignedHeaders and Signature "
                   "(AWS4-HMAC-SHA256)."};
  }
  const aws::Credentials* credentials = nullptr;
  for (const aws::Credentials& c : accepted_) {
    if (c.access_key_id == auth->access_key) credentials = &c;
  }
  bool rest = request.Header("X-Amz-Target").empty();
  if (credentials == nullptr) {
    return Failure{rest ? 403 : 400, "UnrecognizedClientException",
                   "The security token included in the request is invalid."};
  }
  std::string amz_date(request.Header("X-Amz-Date"));
  std::optional<WallTime> time = ParseAmzTime(amz_date);
  if (!time) return Failure{400, "IncompleteSignatureException", "X-Amz-Date is missing or malformed."};
  WallTime now = clock_.WallNow();
  if (*time < now - kMaxSkew || *time > now + kMaxSkew) {
    bool early = *time < now;
    std::string now_text = aws::AmzDate(now);
    std::string bound = aws::AmzDate(early ? now - kMaxSkew : now + kMaxSkew);
    return Failure{403, "InvalidSignatureException",
                   "Signature expired: " + amz_date + " is now " + (early ? "earlier" : "later") +
                       " than " + bound + " (" + now_text + (early ? " - " : " + ") + "5 min.)"};
  }
  net::Headers signed_headers;
  for (const std::string& name : auth->signed_headers) {
    bool found = false;
    for (const auto& [key, value] : request.headers) {
      if (EqualsIgnoreCase(key, name)) {
        signed_headers.emplace_back(name, value);
        found = true;
      }
    }
    if (!found) return Failure{403, "InvalidSignatureException", kMismatch};
  }
  std::vector<std::string> payload_hashes;
  std::string declared(request.Header("x-amz-content-sha256"));
  if (!declared.empty()) {
    payload_hashes.push_back(declared);
  } else if (streamed) {
    payload_hashes = {std::string(aws::kEmptyPayloadSha256), std::string(aws::kUnsignedPayload)};
  } else {
    payload_hashes.push_back(HexEncode(Sha256(request.body)));
  }
  if (!declared.empty() && !streamed && declared != aws::kUnsignedPayload &&
      declared != HexEncode(Sha256(request.body))) {
    return Failure{400, "XAmzContentSHA256Mismatch",
                   "The provided 'x-amz-content-sha256' header does not match what was computed."};
  }
  if (SignatureMatches(request, *auth, *credentials, *time, payload_hashes, signed_headers)) {
    return std::nullopt;
  }
  return Failure{403, "InvalidSignatureException", kMismatch};
}

std::optional<HttpResponse> SigV4Verifier::Check(const HttpRequest& request, bool streamed) const {
  std::optional<Failure> failure = Verify(request, streamed);
  if (!failure) return std::nullopt;
  HttpResponse response =
      AwsError(ErrorStyleOf(request), failure->http_status, failure->code, failure->message);
  // As AWS does: the service's time, from which a client with a wrong clock learns its offset.
  response.headers.emplace_back("Date", aws::FormatHttpDate(clock_.WallNow()));
  return response;
}

}  // namespace kedge::ingest
