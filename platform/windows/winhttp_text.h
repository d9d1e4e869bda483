#pragma once
// The parts of the WinHTTP client (winhttp_http_client.h) that are plain logic: mapping a
// WinHTTP error to the Status net::HttpClient promises, parsing the raw response headers
// WinHTTP hands back, and framing a chunked upload (WinHTTP sends what it is given: with
// WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH the caller writes the chunk framing itself). Portable:
// compiled and tested on every platform; the numbers are <winhttp.h>'s, checked by
// static_assert in winhttp_http_client.cc.

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/net/http_client.h"
#include "platform/status.h"

namespace kedge::windows {

// ERROR_WINHTTP_* (WINHTTP_ERROR_BASE = 12000).
constexpr uint32_t kWinHttpTimeout = 12002;
constexpr uint32_t kWinHttpInvalidUrl = 12005;
constexpr uint32_t kWinHttpUnrecognizedScheme = 12006;
constexpr uint32_t kWinHttpNameNotResolved = 12007;
constexpr uint32_t kWinHttpOperationCancelled = 12017;
constexpr uint32_t kWinHttpCannotConnect = 12029;
constexpr uint32_t kWinHttpConnectionError = 12030;
constexpr uint32_t kWinHttpSecureCertDateInvalid = 12037;
constexpr uint32_t kWinHttpSecureCertCnInvalid = 12038;
constexpr uint32_t kWinHttpClientAuthCertNeeded = 12044;
constexpr uint32_t kWinHttpSecureInvalidCa = 12045;
constexpr uint32_t kWinHttpInvalidServerResponse = 12152;
constexpr uint32_t kWinHttpSecureChannelError = 12157;
constexpr uint32_t kWinHttpSecureInvalidCert = 12169;
constexpr uint32_t kWinHttpSecureCertRevoked = 12170;
constexpr uint32_t kWinHttpSecureFailure = 12175;

// WINHTTP_CALLBACK_STATUS_FLAG_*: why a TLS handshake failed, reported to the status callback
// before the request fails with kWinHttpSecureFailure.
constexpr uint32_t kSecureFlagCertRevFailed = 0x1;
constexpr uint32_t kSecureFlagInvalidCert = 0x2;
constexpr uint32_t kSecureFlagCertRevoked = 0x4;
constexpr uint32_t kSecureFlagInvalidCa = 0x8;
constexpr uint32_t kSecureFlagCertCnInvalid = 0x10;
constexpr uint32_t kSecureFlagCertDateInvalid = 0x20;
constexpr uint32_t kSecureFlagCertWrongUsage = 0x40;
constexpr uint32_t kSecureFlagChannelError = 0x80000000;

// The Status for a failed WinHTTP call, as net::HttpClient specifies: DeadlineExceeded for
// timeouts, Unavailable for DNS, connect and reset failures, FailedPrecondition for TLS
// verification (naming the cause from `secure_flags`: untrusted, expired, wrong host,
// revoked), InvalidArgument for bad URLs, Cancelled for a cancelled request, Unavailable
// otherwise. `context` names the call and the URL; `system_message` is FormatMessage's text.
Status WinHttpErrorStatus(uint32_t error, uint32_t secure_flags, std::string_view context,
                          std::string_view system_message);

// Parses WINHTTP_QUERY_RAW_HEADERS_CRLF ("HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n"):
// the status code and the headers with names lower-cased, in order. InvalidArgument when the
// status line is not HTTP.
Status ParseRawHeaders(std::string_view raw, net::HttpResponse* response);

// One chunk of a chunked body ("1a\r\n<data>\r\n"); empty data gives the last chunk "0\r\n\r\n".
std::string ChunkFrame(std::string_view data);

}  // namespace kedge::windows
