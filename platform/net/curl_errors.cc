#include "platform/net/curl_errors.h"

#include <openssl/x509_vfy.h>

#include <cstring>
#include <string_view>

namespace kedge::net {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string Detail(const CurlFailure& f) {
  return f.error_buffer.empty() ? std::string(curl_easy_strerror(f.code)) : f.error_buffer;
}

std::string HostPort(const CurlFailure& f) { return f.host + ":" + f.port; }

Status TlsVerifyStatus(const CurlFailure& f) {
  const std::string who = "TLS: certificate of " + f.host;
  // libcurl checks the host name itself after OpenSSL accepted the chain, and then leaves the
  // verify result unset; its message is the reliable sign.
  if (f.ssl_verify_result == X509_V_ERR_HOSTNAME_MISMATCH ||
      f.ssl_verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH ||
      Contains(f.error_buffer, "subject name matches target host") ||
      Contains(f.error_buffer, "does not match target host")) {
    return FailedPreconditionError(who + " does not match the host name (" + Detail(f) +
                                   "): connect by a name the certificate lists or reissue it "
                                   "with the right subjectAltName");
  }
  switch (f.ssl_verify_result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return FailedPreconditionError(
          who + " has expired: renew the server certificate, or check this machine's clock");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return FailedPreconditionError(who + " is not yet valid: check this machine's clock");
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return FailedPreconditionError(
          who + " is not trusted (self-signed or unknown CA): set tls.ca_file or fix the chain" +
          (f.ca_file.empty() ? std::string() : " (tls.ca_file is " + f.ca_file + ")"));
    default:
      return FailedPreconditionError(
          who + " failed verification: " +
          X509_verify_cert_error_string(static_cast<int>(f.ssl_verify_result)));
  }
}

// A TLS alert from the server during or right after the handshake: with TLS 1.3 a rejected
// client certificate only shows up on the first read, as a receive error.
Status TlsHandshakeStatus(const CurlFailure& f) {
  const std::string detail = Detail(f);
  if (Contains(detail, "alert protocol version") || Contains(detail, "unsupported protocol")) {
    return FailedPreconditionError("TLS: " + HostPort(f) + " offers no TLS version kedge "
                                   "accepts, which is TLS 1.2 or later (" + detail +
                                   "): enable TLS 1.2 or 1.3 on the server");
  }
  if (Contains(detail, "certificate required") ||
      (!f.has_client_cert && Contains(detail, "alert handshake failure"))) {
    return FailedPreconditionError("TLS: " + HostPort(f) + " requires a client certificate (" +
                                   detail + "): set tls.client_cert and tls.client_key");
  }
  if (f.has_client_cert &&
      (Contains(detail, "unknown ca") || Contains(detail, "bad certificate") ||
       Contains(detail, "certificate unknown") || Contains(detail, "alert handshake failure") ||
       Contains(detail, "certificate revoked") || Contains(detail, "certificate expired") ||
       Contains(detail, "access denied"))) {
    return FailedPreconditionError("TLS: " + HostPort(f) + " rejected the client certificate " +
                                   f.client_cert + " (" + detail +
                                   "): use a certificate the server trusts");
  }
  return Status();
}

Status TimeoutStatus(const CurlFailure& f) {
  if (!f.connected) {
    return DeadlineExceededError("connect to " + HostPort(f) + " timed out after " +
                                 std::to_string(f.connect_timeout_ms) + " ms");
  }
  return DeadlineExceededError(f.method + " " + f.url + " timed out after " +
                               std::to_string(f.timeout_ms) + " ms (" + Detail(f) + ")");
}

Status ConnectStatus(const CurlFailure& f) {
  std::string reason = f.os_errno != 0 ? std::strerror(static_cast<int>(f.os_errno)) : Detail(f);
  return UnavailableError("connect to " + HostPort(f) + ": " + reason);
}

}  // namespace

Status CurlFailureToStatus(const CurlFailure& f) {
  switch (f.code) {
    case CURLE_OK:
      return Status();
    case CURLE_OPERATION_TIMEDOUT:
      return TimeoutStatus(f);
    case CURLE_COULDNT_CONNECT:
      return ConnectStatus(f);
    case CURLE_COULDNT_RESOLVE_HOST:
      return UnavailableError("resolve host " + f.host + ": " + Detail(f));
    case CURLE_COULDNT_RESOLVE_PROXY:
      return UnavailableError("resolve proxy for " + f.url + ": " + Detail(f) +
                              " (check the proxy setting or https_proxy)");
    case CURLE_PEER_FAILED_VERIFICATION:
      return TlsVerifyStatus(f);
    case CURLE_SSL_CACERT_BADFILE:
      return InvalidArgumentError("TLS: cannot load CA file '" + f.ca_file + "': " + Detail(f));
    case CURLE_SSL_CERTPROBLEM:
      return InvalidArgumentError("TLS: cannot load client certificate or key '" + f.client_cert +
                                  "': " + Detail(f));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgumentError("invalid URL '" + f.url + "': " + Detail(f));
    case CURLE_OUT_OF_MEMORY:
      return ResourceExhaustedError(f.method + " " + f.url + ": out of memory");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR: {
      Status tls = TlsHandshakeStatus(f);
      if (!tls.ok()) return tls;
      if (f.code == CURLE_SSL_CONNECT_ERROR) {
        return UnavailableError("TLS handshake with " + HostPort(f) + " failed: " + Detail(f));
      }
      return UnavailableError("connection to " + HostPort(f) + " failed: " + Detail(f));
    }
    case CURLE_GOT_NOTHING:
      return UnavailableError(HostPort(f) + " closed the connection without a response");
    case CURLE_PARTIAL_FILE:
      return UnavailableError(HostPort(f) +
                              " closed the connection before the whole response "
                              "arrived (" +
                              Detail(f) + ")");
    default:
      return UnavailableError(f.method + " " + f.url + ": " + Detail(f) + " (curl error " +
                              std::to_string(static_cast<int>(f.code)) + ")");
  }
}

}  // namespace kedge::net
