#pragma once
// HttpGetLocal: fetches one page from kedge's own status server (`kedge status`). A plain
// HTTP/1.1 GET over a POSIX socket with "Connection: close", meant for loopback: no TLS, no
// redirects, no proxies. Returns the body of a 200 answer; Unavailable when nothing listens
// (kedge not running), DeadlineExceeded after `timeout`, Internal for another status.

#include <string>

#include "platform/clock.h"
#include "platform/status.h"

namespace kedge::agent {

StatusOr<std::string> HttpGetLocal(const std::string& host_port, const std::string& path,
                                   Millis timeout);

}  // namespace kedge::agent
