#pragma once
// A small parser for the http:// and https:// URLs kedge signs and sends. It splits a URL into
// its parts and leaves percent-encoding alone (the path and query stay exactly as they will
// appear on the request line, which is what SigV4 signs). Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::aws {

struct Url {
  std::string scheme;  // "http" or "https" (lower case)
  std::string host;    // "kinesis.us-east-1.amazonaws.com", "127.0.0.1", "[::1]"
  int port = 0;        // 0 when the URL names none
  std::string path;    // raw, "/" when the URL has none
  std::string query;   // raw, without '?'; "" when none

  // The explicit port, else 80 for http and 443 for https.
  int EffectivePort() const;
  // The Host header value: the host, plus ":port" only when the port is not the scheme's default.
  std::string HostHeader() const;
};

// Parses an absolute http(s) URL. InvalidArgument, quoting the URL, for another scheme, a missing
// host, a bad port, user info ("user:pass@"), or a space or control character.
StatusOr<Url> ParseUrl(std::string_view url);

}  // namespace kedge::aws
