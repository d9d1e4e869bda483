#include "platform/windows/winhttp_text.h"

#include <cstdio>

#include "platform/net/http_text.h"

// Portable: compiled on every platform so that it is tested on Linux too.

namespace kedge::windows {
namespace {

// What went wrong in a TLS handshake, from the secure-failure flags or the error itself.
std::string TlsCause(uint32_t error, uint32_t flags) {
  if ((flags & kSecureFlagCertDateInvalid) || error == kWinHttpSecureCertDateInvalid) {
    return "the server certificate has expired or is not yet valid";
  }
  if ((flags & kSecureFlagCertCnInvalid) || error == kWinHttpSecureCertCnInvalid) {
    return "the server certificate is for another host name";
  }
  if ((flags & kSecureFlagCertRevoked) || error == kWinHttpSecureCertRevoked) {
    return "the server certificate has been revoked";
  }
  if ((flags & kSecureFlagInvalidCa) || error == kWinHttpSecureInvalidCa) {
    return "the server certificate is untrusted (its CA is not in the Windows certificate "
           "store; import it with certutil -addstore Root)";
  }
  if (flags & kSecureFlagCertRevFailed) {
    return "the revocation of the server certificate could not be checked";
  }
  if ((flags & (kSecureFlagInvalidCert | kSecureFlagCertWrongUsage)) ||
      error == kWinHttpSecureInvalidCert) {
    return "the server certificate is invalid";
  }
  return "the TLS handshake failed";
}

}  // namespace

Status WinHttpErrorStatus(uint32_t error, uint32_t secure_flags, std::string_view context,
                          std::string_view system_message) {
  std::string prefix = std::string(context) + ": ";
  std::string detail = system_message.empty() ? "WinHTTP error " + std::to_string(error)
                                              : std::string(system_message);
  switch (error) {
    case kWinHttpTimeout:
      return DeadlineExceededError(prefix + "timed out");
    case kWinHttpInvalidUrl:
    case kWinHttpUnrecognizedScheme:
      return InvalidArgumentError(prefix + "malformed URL (" + detail + ")");
    case kWinHttpOperationCancelled:
      return CancelledError(prefix + "cancelled");
    case kWinHttpNameNotResolved:
      return UnavailableError(prefix + "could not resolve the host name");
    case kWinHttpCannotConnect:
      return UnavailableError(prefix + "could not connect (" + detail + ")");
    case kWinHttpConnectionError:
      return UnavailableError(prefix + "the connection was reset");
    case kWinHttpSecureFailure:
    case kWinHttpSecureCertDateInvalid:
    case kWinHttpSecureCertCnInvalid:
    case kWinHttpSecureInvalidCa:
    case kWinHttpSecureInvalidCert:
    case kWinHttpSecureCertRevoked:
    case kWinHttpSecureChannelError:
      return FailedPreconditionError(prefix +
                                     "TLS verification failed: " + TlsCause(error, secure_flags));
    case kWinHttpClientAuthCertNeeded:
      return FailedPreconditionError(prefix + "the server asks for a client certificate");
    default:
      return UnavailableError(prefix + detail);
  }
}

Status ParseRawHeaders(std::string_view raw, net::HttpResponse* response) {
  size_t end = raw.find("\r\n");
  std::string_view status_line = raw.substr(0, end);
  int code = 0;
  if (status_line.substr(0, 5) != "HTTP/" ||
      std::sscanf(std::string(status_line).c_str(), "HTTP/%*s %d", &code) != 1 || code < 100 ||
      code > 999) {
    return InvalidArgumentError("not an HTTP status line: '" + std::string(status_line) + "'");
  }
  response->status = code;
  response->headers.clear();
  while (end != std::string_view::npos) {
    raw.remove_prefix(end + 2);
    end = raw.find("\r\n");
    std::string_view line = raw.substr(0, end);
    size_t colon = line.find(':');
    if (line.empty() || colon == std::string_view::npos) continue;
    response->headers.emplace_back(net::AsciiLower(net::TrimHttpSpace(line.substr(0, colon))),
                                   std::string(net::TrimHttpSpace(line.substr(colon + 1))));
  }
  return Status::Ok();
}

std::string ChunkFrame(std::string_view data) {
  static const char kHex[] = "0123456789abcdef";
  std::string size;
  for (size_t n = data.size(); n > 0 || size.empty(); n /= 16) {
    size.insert(size.begin(), kHex[n % 16]);
  }
  std::string frame = size + "\r\n";
  frame.append(data);
  frame.append("\r\n");
  return frame;
}

}  // namespace kedge::windows
