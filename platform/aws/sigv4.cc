#include "platform/aws/sigv4.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "platform/text.h"
#include "platform/aws/url.h"
#include "platform/crypto.h"

namespace kedge::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// ASCII only, whatever the process locale says about bytes above 0x7f.
bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendEscaped(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

// RFC 3986 encoding: everything but the unreserved characters (and '/' when asked) is escaped,
// '%' included, so an already-encoded path comes out encoded twice.
std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      AppendEscaped(c, &out);
    }
  }
  return out;
}

// Like UriEncode(text, true) but keeps valid %XX escapes as they are (S3-style single encoding).
std::string UriEncodeKeepingEscapes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool escape = c == '%' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 &&
                  HexDigitValue(text[i + 2]) >= 0;
    if (IsUnreserved(c) || c == '/' || escape) {
      out.push_back(text[i]);
    } else {
      AppendEscaped(c, &out);
    }
  }
  return out;
}

// RFC 3986 remove_dot_segments, also dropping empty segments ("//"). The result starts with '/'
// and ends with '/' when the input did (or ended in "." or "..").
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::string_view segment;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    segment = path.substr(pos, next - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = next + 1;
  }
  // `segment` is now the last one: "", "." and ".." all leave a directory path.
  bool trailing_slash = segment.empty() || segment == "." || segment == "..";
  std::string out;
  for (std::string_view s : segments) {
    out.push_back('/');
    out.append(s);
  }
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  if (!normalize) return UriEncodeKeepingEscapes(path);
  return UriEncode(NormalizePath(path), /*keep_slash=*/true);
}

// Parameters are decoded, then encoded the SigV4 way and sorted by encoded key, then value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t next = query.find('&', pos);
    if (next == std::string_view::npos) next = query.size();
    std::string_view param = query.substr(pos, next - pos);
    if (!param.empty()) {
      size_t eq = param.find('=');
      std::string_view key = param.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(key), false),
                          UriEncode(PercentDecode(value), false));
    }
    pos = next + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Trims a value and collapses inner runs of blanks to one space. A folded (multi-line) value
// becomes its lines joined with ','.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t next = value.find('\n', pos);
    if (next == std::string_view::npos) next = value.size();
    std::string line;
    bool blank_run = false;
    for (char c : value.substr(pos, next - pos)) {
      if (c == ' ' || c == '\t' || c == '\r') {
        blank_run = true;
        continue;
      }
      if (blank_run && !line.empty()) line.push_back(' ');
      blank_run = false;
      line.push_back(c);
    }
    if (!line.empty()) {
      if (!out.empty()) out.push_back(',');
      out += line;
    }
    pos = next + 1;
  }
  return out;
}

std::string ToHex(const Sha256Digest& digest) { return HexEncode(digest); }

bool IsNamed(const std::pair<std::string, std::string>& header, std::string_view lower_name) {
  return AsciiLower(header.first) == lower_name;
}

// Sets a header, replacing the first one of that name in place and dropping any others.
void SetHeader(net::Headers* headers, std::string_view name, std::string value) {
  std::string lower = AsciiLower(name);
  bool set = false;
  for (auto it = headers->begin(); it != headers->end();) {
    if (!IsNamed(*it, lower)) {
      ++it;
    } else if (!set) {
      it->second = std::move(value);
      set = true;
      ++it;
    } else {
      it = headers->erase(it);
    }
  }
  if (!set) headers->emplace_back(std::string(name), std::move(value));
}

void RemoveHeader(net::Headers* headers, std::string_view name) {
  std::string lower = AsciiLower(name);
  headers->erase(std::remove_if(headers->begin(), headers->end(),
                                [&](const auto& h) { return IsNamed(h, lower); }),
                 headers->end());
}

// Headers that proxies or libcurl may rewrite; SDKs leave them unsigned too.
bool IsUnsignedHeader(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "x-amzn-trace-id";
}

// The key derived from the secret for one day, region and service. Deriving it costs four
// HMACs, most of the cost of a signature, and it changes once a day: each thread keeps the last.
const Sha256Digest& SigningKey(const std::string& secret, const std::string& date,
                               const std::string& region, const std::string& service) {
  struct Entry {
    std::string secret, date, region, service;
    Sha256Digest key{};
  };
  thread_local Entry entry;
  if (entry.secret != secret || entry.date != date || entry.region != region ||
      entry.service != service || entry.secret.empty()) {
    Sha256Digest key = HmacSha256("AWS4" + secret, date);
    key = HmacSha256(AsStringView(key), region);
    key = HmacSha256(AsStringView(key), service);
    entry.key = HmacSha256(AsStringView(key), "aws4_request");
    entry.secret = secret;
    entry.date = date;
    entry.region = region;
    entry.service = service;
  }
  return entry.key;
}

}  // namespace

SignatureParts ComputeSignature(std::string_view method, std::string_view path,
                                std::string_view query, const net::Headers& headers,
                                std::string_view payload_hash, const Credentials& credentials,
                                const SigningParams& params) {
  // Names sorted; values of repeated headers joined with ',' in the order sent.
  std::map<std::string, std::string> canonical_headers;
  for (const auto& [name, value] : headers) {
    std::string lower = AsciiLower(name);
    if (lower == "authorization") continue;
    auto [it, inserted] = canonical_headers.emplace(lower, CanonicalHeaderValue(value));
    if (!inserted) it->second += "," + CanonicalHeaderValue(value);
  }
  SignatureParts parts;
  std::string header_block;
  for (const auto& [name, value] : canonical_headers) {
    header_block += name + ":" + value + "\n";
    if (!parts.signed_headers.empty()) parts.signed_headers.push_back(';');
    parts.signed_headers += name;
  }
  parts.canonical_request = std::string(method) + "\n" +
                            CanonicalUri(path, params.normalize_path) + "\n" +
                            CanonicalQuery(query) + "\n" + header_block + "\n" +
                            parts.signed_headers + "\n" + std::string(payload_hash);

  std::string date = AmzDateStamp(params.time);
  std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  parts.string_to_sign = std::string(kAlgorithm) + "\n" + AmzDate(params.time) + "\n" + scope +
                         "\n" + ToHex(Sha256(parts.canonical_request));

  const Sha256Digest& key =
      SigningKey(credentials.secret_access_key, date, params.region, params.service);
  parts.signature = ToHex(HmacSha256(AsStringView(key), parts.string_to_sign));
  parts.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id +
                        "/" + scope + ", SignedHeaders=" + parts.signed_headers +
                        ", Signature=" + parts.signature;
  return parts;
}

Status SignRequest(net::HttpRequest* request, const Credentials& credentials,
                   const SigningParams& params, std::string_view payload_hash_override) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InvalidArgumentError("cannot sign request: the credentials have no access key id or "
                                "no secret access key");
  }
  if (params.region.empty() || params.service.empty()) {
    return InvalidArgumentError("cannot sign request: no region or service to sign for");
  }
  StatusOr<Url> url = ParseUrl(request->url);
  if (!url.ok()) return url.status().WithContext("cannot sign request");

  std::string payload_hash = payload_hash_override.empty()
                                 ? ToHex(Sha256(request->body))
                                 : std::string(payload_hash_override);
  // Replacing rather than appending lets a retried request be signed again.
  SetHeader(&request->headers, "Host", url->HostHeader());
  SetHeader(&request->headers, "X-Amz-Date", AmzDate(params.time));
  if (credentials.session_token.empty()) {
    RemoveHeader(&request->headers, "X-Amz-Security-Token");
  } else {
    SetHeader(&request->headers, "X-Amz-Security-Token", credentials.session_token);
  }
  if (params.add_content_sha256_header) {
    SetHeader(&request->headers, "x-amz-content-sha256", payload_hash);
  }
  RemoveHeader(&request->headers, "Authorization");

  net::Headers to_sign;
  for (const auto& header : request->headers) {
    if (!IsUnsignedHeader(AsciiLower(header.first))) to_sign.push_back(header);
  }
  SignatureParts parts = ComputeSignature(request->method, url->path, url->query, to_sign,
                                          payload_hash, credentials, params);
  request->headers.emplace_back("Authorization", std::move(parts.authorization));
  return Status::Ok();
}

}  // namespace kedge::aws
