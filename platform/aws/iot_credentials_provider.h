#pragma once
// IotCredentialsProvider: temporary AWS credentials from the AWS IoT credentials provider,
// for devices that hold an X.509 certificate registered with AWS IoT instead of access keys.
//
//   GET https://<endpoint>/role-aliases/<role_alias>/credentials
//   x-amzn-iot-thingname: <thing_name>        (over mutual TLS with the device certificate)
//   -> {"credentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}}
//
// The credentials are cached and fetched again 5 minutes before they expire (by the injected
// Clock's wall time). If a refresh fails while the cached credentials are still valid, those
// are returned and the failure is logged. Secrets are registered with the Logger.
//
// Threading: GetCredentials() is thread-safe; calls are serialised and the HttpClient is only
// used under the provider's lock, one request at a time.
// Errors name the provider, role alias and thing: InvalidArgument for missing options or an
// unknown role alias, PermissionDenied (403: the certificate's policy does not allow
// iot:AssumeRoleWithCertificate), Unauthenticated (401), FailedPrecondition for TLS problems
// (server not trusted, client certificate rejected), Unavailable for network and 5xx failures
// and malformed answers.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"
#include "platform/status.h"

namespace kedge::aws {

struct IotCredentialsOptions {
  // "xxxx.credentials.iot.us-east-1.amazonaws.com" (https is implied), or a full
  // "https://host[:port]" URL (tests, proxies).
  std::string endpoint;
  std::string role_alias;
  std::string thing_name;
  std::string cert_file;  // the device certificate (PEM)
  std::string key_file;   // its private key (PEM)
  std::string ca_file;    // CA bundle for the endpoint (e.g. AmazonRootCA1.pem); empty = system
  std::chrono::milliseconds timeout{10000};
};

class IotCredentialsProvider final : public CredentialsProvider {
 public:
  // Refresh this long before the credentials expire.
  static constexpr std::chrono::minutes kRefreshMargin{5};

  // Uses its own HttpClient (libcurl) with mutual TLS from `options`. `clock` must outlive this.
  IotCredentialsProvider(IotCredentialsOptions options, Clock& clock);
  // Uses `http`, which must already be set up for mutual TLS (tests, shared clients).
  IotCredentialsProvider(IotCredentialsOptions options, Clock& clock,
                         std::unique_ptr<net::HttpClient> http);

  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override;

  // InvalidArgument naming the first missing option, else OK.
  static Status Validate(const IotCredentialsOptions& options);
  // The URL that GetCredentials() requests.
  static std::string CredentialsUrl(const IotCredentialsOptions& options);

 private:
  StatusOr<Credentials> Fetch();
  Status ErrorFor(const net::HttpResponse& response) const;

  const IotCredentialsOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::unique_ptr<net::HttpClient> http_;  // guarded by mu_
  std::optional<Credentials> cached_;      // guarded by mu_
};

// Parses an ISO-8601 UTC timestamp as AWS writes it: "2026-11-25T19:00:00Z", optionally with
// fractional seconds or a "+00:00" offset. InvalidArgument otherwise.
StatusOr<WallTime> ParseIso8601Utc(std::string_view text);

}  // namespace kedge::aws
