#pragma once
// AWS credentials and where they come from.
//
// Providers are thread-safe and cache what they fetched; GetCredentials() returns cached
// credentials until shortly before they expire. Errors: NotFound when a source simply has no
// credentials (the chain moves on), Unauthenticated/InvalidArgument/Unavailable with a message
// naming the source when a source is configured but broken. Secrets are registered with the
// Logger so they can never be logged.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"

namespace kedge::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;      // empty when none
  std::optional<WallTime> expiration;  // nullopt = does not expire
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual StatusOr<Credentials> GetCredentials() = 0;
  // A short name for messages: "environment", "profile default (~/.aws/credentials)", ...
  virtual std::string Name() const = 0;
  // Forgets cached credentials, so the next GetCredentials() fetches afresh. Call it when AWS
  // rejected the credentials as expired (ErrorClass::kExpired). No-op for uncached sources.
  virtual void Invalidate() {}
};

}  // namespace kedge::aws
