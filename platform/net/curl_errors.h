#pragma once
// Turns a failed libcurl transfer into a Status a user can act on (internal to platform/net).
//
// Codes follow http_client.h: Unavailable for connect/reset/DNS failures, DeadlineExceeded for
// timeouts, FailedPrecondition for TLS verification failures (message names the cause:
// untrusted, expired, wrong host, client certificate rejected), InvalidArgument for malformed
// URLs and unreadable TLS files.

#include <curl/curl.h>

#include <string>

#include "platform/status.h"

namespace kedge::net {

// What is known about a failed transfer, read from the easy handle after it finished.
struct CurlFailure {
  CURLcode code = CURLE_OK;
  std::string method;
  std::string url;
  std::string host;            // from the URL, for messages
  std::string port;            // from the URL (default port filled in)
  std::string error_buffer;    // CURLOPT_ERRORBUFFER text, may be empty
  long os_errno = 0;           // CURLINFO_OS_ERRNO
  long ssl_verify_result = 0;  // CURLINFO_SSL_VERIFYRESULT (an X509_V_ERR_* value)
  bool connected = false;      // a TCP connection was established
  long connect_timeout_ms = 0;
  long timeout_ms = 0;
  bool has_client_cert = false;
  std::string ca_file;
  std::string client_cert;
};

Status CurlFailureToStatus(const CurlFailure& failure);

}  // namespace kedge::net
