#pragma once
// The credential sources kedge ships, a chain that tries them in order, and a cache that
// refreshes before expiry. (The AWS IoT X.509 provider is in iot_credentials_provider.h.)
//
// Default order (NewDefaultCredentialsChain): environment, then the shared credentials/config
// files' profile. A caller with explicit credentials in its config puts a
// StaticCredentialsProvider first (see DefaultCredentialsProviders + NewCredentialsChain).
//
// Threading: every provider here is safe to call from any thread. Borrowed Env& and Clock& must
// outlive the provider. Errors follow credentials.h: NotFound = "this source has nothing" (the
// chain moves on); InvalidArgument/PermissionDenied/... = "configured but broken" (the chain
// stops and reports it). Messages start with the source's Name().

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::aws {

// Registers the secret access key and session token with the Logger so they are never printed.
void RegisterSecrets(const Credentials& credentials);

// Fixed credentials (from kedge's own config, or tests). NotFound when both the key id and the
// secret are empty; InvalidArgument when only one is set.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials, std::string name = "static");
  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override { return name_; }

 private:
  const Credentials credentials_;
  const std::string name_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (empty counts as unset).
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(Env& env) : env_(env) {}
  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override { return "environment"; }

 private:
  Env& env_;
};

// aws_access_key_id / aws_secret_access_key / aws_session_token of a profile in the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section [NAME]) and
// config file (AWS_CONFIG_FILE, default ~/.aws/config, section [profile NAME] or [default]);
// the credentials file wins where both set a key. The profile is `profile`, else AWS_PROFILE,
// else "default". Reads the files on every call (wrap it in a CachingCredentialsProvider).
// NotFound when the implicit default profile is absent or has no keys; InvalidArgument when an
// explicitly chosen profile is absent, is incomplete, or needs a feature kedge lacks (SSO,
// assume-role, credential_process).
class ProfileCredentialsProvider final : public CredentialsProvider {
 public:
  ProfileCredentialsProvider(Env& env, const std::string& profile);
  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override { return "profile " + profile_; }

 private:
  Env& env_;
  std::string profile_;
  bool explicit_profile_;
};

// Tries providers in order and returns the first credentials found. Moves on when a provider
// answers NotFound; stops at any other error. When none has credentials: NotFound
// "no AWS credentials found: tried environment (AWS_ACCESS_KEY_ID unset), profile default
// (...)" plus how to configure some. Invalidate() reaches every provider.
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers);
  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override;
  void Invalidate() override;

 private:
  const std::vector<std::unique_ptr<CredentialsProvider>> providers_;
  std::mutex mu_;
  std::string last_source_;  // guarded by mu_; for logging the source when it changes
};

// Caches another provider's credentials and fetches new ones once `expiration - refresh_margin`
// has passed (never, for credentials without an expiration, until Invalidate()). Short-lived
// credentials are refreshed at half their lifetime at the latest, so they are not fetched again
// on every call. When a refresh fails but the cached credentials have not yet expired, keeps
// using them (and logs) and tries again after kRetryAfterFailure.
class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  static constexpr std::chrono::minutes kDefaultRefreshMargin{5};
  static constexpr std::chrono::seconds kRetryAfterFailure{10};

  CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> inner, Clock& clock,
                             std::chrono::seconds refresh_margin = kDefaultRefreshMargin);
  StatusOr<Credentials> GetCredentials() override;
  std::string Name() const override { return inner_->Name(); }
  void Invalidate() override;

 private:
  const std::unique_ptr<CredentialsProvider> inner_;
  Clock& clock_;
  const std::chrono::seconds refresh_margin_;
  std::mutex mu_;  // also serialises fetches, so concurrent callers fetch once
  std::optional<Credentials> cached_;  // guarded by mu_
  std::optional<WallTime> refresh_at_;  // guarded by mu_; nullopt = keep until Invalidate()
};

// The default sources, in order: environment, then profile `profile` ("" = AWS_PROFILE or
// "default"). Insert others (static config first, IoT) and pass the result to
// NewCredentialsChain.
std::vector<std::unique_ptr<CredentialsProvider>> DefaultCredentialsProviders(
    Env& env, const std::string& profile);

// A cached chain of `providers`.
std::unique_ptr<CredentialsProvider> NewCredentialsChain(
    std::vector<std::unique_ptr<CredentialsProvider>> providers, Clock& clock);

// A cached chain of DefaultCredentialsProviders(env, profile), on `clock` (or the real clock).
std::unique_ptr<CredentialsProvider> NewDefaultCredentialsChain(Env& env,
                                                                const std::string& profile);
std::unique_ptr<CredentialsProvider> NewDefaultCredentialsChain(Env& env,
                                                                const std::string& profile,
                                                                Clock& clock);

}  // namespace kedge::aws
