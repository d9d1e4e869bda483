// fuzz_sigv4: SigV4 canonicalisation and verification on arbitrary requests.
// Input, as text:  METHOD\n TARGET\n (NAME:VALUE\n)* \n BODY   (a request as it is received).
//  1. ComputeSignature of the request as given never crashes and gives 64 hex digits.
//  2. The verifier never crashes on the request as given, whatever its Authorization header.
//  3. Signer and verifier agree: the request signed by kedge (a valid header set: names are
//     HTTP tokens, values have no control characters) is accepted by the verifier.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/aws/sigv4.h"
#include "platform/aws/sigv4_verifier.h"
#include "platform/crypto.h"

namespace {

namespace aws = kedge::aws;

constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string_view NextLine(std::string_view* text) {
  size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  text->remove_prefix(nl == std::string_view::npos ? text->size() : nl + 1);
  return line;
}

bool IsToken(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || std::string_view("\"(),/:;<=>?@[\\]{}").find(c) !=
                                      std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsFieldValue(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

bool IsTarget(std::string_view target) {
  if (target.empty() || target[0] != '/') return false;
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  aws::IncomingRequest request;
  request.method = std::string(NextLine(&text));
  request.target = std::string(NextLine(&text));
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    if (line.empty()) break;
    size_t colon = line.find(':');
    request.headers.emplace_back(std::string(line.substr(0, colon)),
                                 colon == std::string_view::npos
                                     ? std::string()
                                     : std::string(line.substr(colon + 1)));
  }
  request.body = text;

  kedge::FakeClock clock;
  aws::Credentials credentials{kKeyId, kSecret, "", std::nullopt};
  aws::SigningParams params;
  params.service = "kinesis";
  params.region = "us-east-1";
  params.time = clock.WallNow();
  size_t q = request.target.find('?');
  std::string path = request.target.substr(0, q);
  std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  std::string payload_hash = kedge::HexEncode(kedge::Sha256(request.body));

  // 1. Canonicalisation of anything.
  aws::SignatureParts parts = aws::ComputeSignature(request.method, path, query, request.headers,
                                                    payload_hash, credentials, params);
  if (parts.signature.size() != 64) std::abort();

  // 2. The verifier on the request as received.
  aws::SigV4Verifier verifier(
      [](std::string_view id) -> std::optional<std::string> {
        if (id == kKeyId) return std::string(kSecret);
        return std::nullopt;
      },
      clock);
  aws::ApiError error;
  (void)verifier.Verify(request, &error);

  // 3. What kedge signs, the verifier accepts (for requests an HTTP server would deliver).
  if (!IsToken(request.method) || !IsTarget(request.target)) return 0;
  kedge::net::Headers headers;
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) return 0;
    std::string lower = Lower(name);
    if (lower == "authorization" || lower == "x-amz-date" || lower == "host" ||
        lower == "x-amz-content-sha256") {
      continue;
    }
    headers.emplace_back(name, value);
  }
  headers.emplace_back("Host", "127.0.0.1:4567");
  headers.emplace_back("X-Amz-Date", aws::AmzDate(params.time));
  parts = aws::ComputeSignature(request.method, path, query, headers, payload_hash, credentials,
                                params);
  headers.emplace_back("Authorization", parts.authorization);
  aws::IncomingRequest signed_request = request;
  signed_request.headers = headers;
  if (!verifier.Verify(signed_request, &error)) {
    std::fprintf(stderr, "verifier refused a request kedge signed: %s: %s\ncanonical:\n%s\n",
                 error.code.c_str(), error.message.c_str(), parts.canonical_request.c_str());
    std::abort();
  }
  return 0;
}
