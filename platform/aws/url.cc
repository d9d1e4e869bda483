#include "platform/aws/url.h"

#include <string>

#include "platform/text.h"

namespace kedge::aws {
namespace {

Status BadUrl(std::string_view url, std::string_view why) {
  std::string message = "bad URL '";
  message += url;
  message += "': ";
  message += why;
  return InvalidArgumentError(message);
}

// Splits "host[:port]" or "[v6]:port" into host and port.
Status ParseAuthority(std::string_view url, std::string_view authority, Url* out) {
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "user info in URLs is not supported; configure credentials instead");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return BadUrl(url, "junk after the IPv6 address");
      port = rest.substr(1);
      if (port.empty()) return BadUrl(url, "empty port");
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return BadUrl(url, "empty port");
  }
  if (host.empty() || host == "[]") return BadUrl(url, "no host");
  out->host = std::string(host);
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return BadUrl(url, "bad port");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return BadUrl(url, "port out of range 1-65535");
    out->port = value;
  }
  return Status::Ok();
}

}  // namespace

int Url::EffectivePort() const {
  if (port != 0) return port;
  return scheme == "https" ? 443 : 80;
}

std::string Url::HostHeader() const {
  if (port == 0 || port == (scheme == "https" ? 443 : 80)) return host;
  return host + ":" + std::to_string(port);
}

StatusOr<Url> ParseUrl(std::string_view url) {
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return BadUrl(url, "contains a space or control character (percent-encode it)");
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return BadUrl(url, "expected http:// or https://");
  Url out;
  out.scheme = AsciiLower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return BadUrl(url, "expected http:// or https://");
  }
  std::string_view rest = url.substr(sep + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t authority_end = rest.find_first_of("/?");
  KEDGE_RETURN_IF_ERROR(ParseAuthority(url, rest.substr(0, authority_end), &out));
  if (authority_end == std::string_view::npos) {
    out.path = "/";
    return out;
  }
  rest = rest.substr(authority_end);
  size_t question = rest.find('?');
  std::string_view path = rest.substr(0, question);
  out.path = path.empty() ? "/" : std::string(path);
  if (question != std::string_view::npos) out.query = std::string(rest.substr(question + 1));
  return out;
}

}  // namespace kedge::aws
