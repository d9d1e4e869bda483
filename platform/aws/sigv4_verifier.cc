#include "platform/aws/sigv4_verifier.h"

#include "platform/aws/sigv4.h"
#include "platform/crypto.h"

namespace kedge::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view FindHeader(const net::Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (Lower(name) == lower_name) return value;
  }
  return {};
}

struct Authorization {
  std::string access_key_id, date, region, service, terminator;
  std::vector<std::string> signed_headers;
  std::string signature;
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

bool ParseAuthorization(std::string_view value, Authorization* out) {
  value = Trim(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm) return false;
  value.remove_prefix(kAlgorithm.size());
  for (const std::string& part : Split(value, ',')) {
    std::string_view p = Trim(part);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view key = p.substr(0, eq), val = p.substr(eq + 1);
    if (key == "Credential") {
      std::vector<std::string> scope = Split(val, '/');
      if (scope.size() != 5) return false;
      out->access_key_id = scope[0];
      out->date = scope[1];
      out->region = scope[2];
      out->service = scope[3];
      out->terminator = scope[4];
    } else if (key == "SignedHeaders") {
      out->signed_headers = Split(val, ';');
    } else if (key == "Signature") {
      out->signature = std::string(val);
    }
  }
  return !out->access_key_id.empty() && !out->signed_headers.empty() &&
         !out->signature.empty() && out->terminator == "aws4_request";
}

// Constant-time comparison of two signatures.
bool SameSignature(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::optional<VerifiedIdentity> Fail(ApiError* error, int status, std::string code,
                                     std::string message) {
  error->http_status = status;
  error->code = std::move(code);
  error->message = std::move(message);
  return std::nullopt;
}

std::string StripPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:443
    size_t close = host.find(']');
    return std::string(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  return std::string(host.substr(0, host.rfind(':')));
}

}  // namespace

SigV4Verifier::SigV4Verifier(SecretLookup secrets, Clock& clock, std::chrono::seconds allowed_skew)
    : secrets_(std::move(secrets)), clock_(clock), allowed_skew_(allowed_skew) {}

std::optional<VerifiedIdentity> SigV4Verifier::Verify(const IncomingRequest& request,
                                                      ApiError* error) const {
  std::string_view header = FindHeader(request.headers, "authorization");
  if (header.empty()) {
    return Fail(error, 403, "MissingAuthenticationTokenException",
                "Missing Authentication Token");
  }
  Authorization auth;
  if (!ParseAuthorization(header, &auth)) {
    return Fail(error, 400, "IncompleteSignatureException",
                "Authorization header requires Credential, SignedHeaders and Signature of "
                "algorithm AWS4-HMAC-SHA256");
  }
  std::optional<std::string> secret = secrets_(auth.access_key_id);
  if (!secret) {
    return Fail(error, 400, "UnrecognizedClientException",
                "The security token included in the request is invalid.");
  }
  std::string_view amz_date = FindHeader(request.headers, "x-amz-date");
  StatusOr<WallTime> when = ParseAmzDate(amz_date);
  if (!when.ok() || amz_date.substr(0, 8) != auth.date) {
    return Fail(error, 400, "IncompleteSignatureException",
                "X-Amz-Date must be a date like 20150830T123600Z matching the credential scope");
  }
  WallTime now = clock_.WallNow();
  if (*when < now - allowed_skew_ || *when > now + allowed_skew_) {
    return Fail(error, 400, "InvalidSignatureException",
                "Signature expired: " + std::string(amz_date) + " is now earlier or later than " +
                    AmzDate(now) + " by more than " +
                    std::to_string(allowed_skew_.count() / 60) + " minutes.");
  }

  net::Headers signed_headers;
  for (const std::string& name : auth.signed_headers) {
    bool found = false;
    for (const auto& [n, v] : request.headers) {
      if (Lower(n) == name) {
        signed_headers.emplace_back(name, v);
        found = true;
      }
    }
    if (!found) {
      return Fail(error, 400, "IncompleteSignatureException",
                  "the signed header '" + name + "' is missing from the request");
    }
  }

  std::vector<std::string> hashes = request.accepted_payload_hashes;
  if (hashes.empty()) {
    std::string body_hash = HexEncode(Sha256(request.body));
    std::string_view declared = FindHeader(request.headers, "x-amz-content-sha256");
    if (declared == kUnsignedPayload) hashes.emplace_back(declared);
    else hashes.push_back(body_hash);  // a declared hash must match the body anyway
  }

  size_t q = request.target.find('?');
  std::string path = request.target.substr(0, q);
  std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  Credentials credentials{auth.access_key_id, *secret, "", std::nullopt};
  SigningParams params;
  params.service = auth.service;
  params.region = auth.region;
  params.time = *when;

  // Some clients (kvssink) sign the Host header without the port that they send.
  std::vector<net::Headers> header_variants = {signed_headers};
  for (auto& [name, value] : signed_headers) {
    if (name == "host" && value.find(':') != std::string::npos) {
      net::Headers without_port = signed_headers;
      for (auto& h : without_port) {
        if (h.first == "host") h.second = StripPort(h.second);
      }
      header_variants.push_back(std::move(without_port));
    }
  }
  for (const net::Headers& headers : header_variants) {
    for (const std::string& hash : hashes) {
      SignatureParts parts =
          ComputeSignature(request.method, path, query, headers, hash, credentials, params);
      if (SameSignature(parts.signature, auth.signature)) {
        return VerifiedIdentity{auth.access_key_id, auth.region, auth.service};
      }
    }
  }
  return Fail(error, 400, "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method.");
}

}  // namespace kedge::aws
