#include "platform/aws/credential_providers.h"

#include <algorithm>
#include <utility>

#include "platform/aws/profile_file.h"
#include "platform/logging.h"

namespace kedge::aws {
namespace {

// A variable's value without surrounding whitespace ("" when unset): a stray '\r' from a file
// edited on Windows would otherwise make every signature wrong. Keys never contain whitespace.
std::string TrimmedVar(const Env& env, const char* name) {
  std::string value = env.GetVar(name).value_or("");
  size_t first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
}

// "configured but broken" when only one half of a key pair is present.
Status CheckKeyPair(const std::string& source, const Credentials& credentials,
                    const char* key_id_name, const char* secret_name) {
  if (!credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    return InvalidArgumentError(source + ": " + key_id_name + " is set but " + secret_name +
                                " is not");
  }
  if (credentials.access_key_id.empty() && !credentials.secret_access_key.empty()) {
    return InvalidArgumentError(source + ": " + secret_name + " is set but " + key_id_name +
                                " is not");
  }
  return Status::Ok();
}

std::string Lookup(const IniSection* section, const char* key) {
  if (section == nullptr) return "";
  auto it = section->find(key);
  return it == section->end() ? "" : it->second;
}

// Profile keys that mean "credentials come from somewhere kedge cannot fetch from".
const char* UnsupportedFeature(const IniSection* section) {
  static const std::pair<const char*, const char*> kFeatures[] = {
      {"sso_session", "IAM Identity Center (SSO)"},
      {"sso_start_url", "IAM Identity Center (SSO)"},
      {"role_arn", "an assumed role (role_arn)"},
      {"credential_process", "credential_process"},
      {"web_identity_token_file", "web identity (web_identity_token_file)"},
  };
  for (const auto& [key, feature] : kFeatures) {
    if (!Lookup(section, key).empty()) return feature;
  }
  return nullptr;
}

// The shared credentials and config files. A file whose location is unknown (no HOME and no
// variable) has an empty path and counts as absent.
struct ProfileFiles {
  ProfileFile credentials;
  ProfileFile config;
};

StatusOr<ProfileFiles> LoadProfileFiles(const Env& env) {
  ProfileFiles files;
  if (std::optional<std::string> path = SharedCredentialsFilePath(env)) {
    KEDGE_ASSIGN_OR_RETURN(files.credentials, LoadProfileFile(env, *path));
  }
  if (std::optional<std::string> path = SharedConfigFilePath(env)) {
    KEDGE_ASSIGN_OR_RETURN(files.config, LoadProfileFile(env, *path));
  }
  return files;
}

std::string Describe(const ProfileFile& file) {
  if (file.path.empty()) return "no home directory to find ~/.aws in (set HOME)";
  return file.path + (file.exists ? "" : ": no such file");
}

// The NotFound text of a provider without its "Name: " prefix, for the chain's summary.
std::string Reason(const CredentialsProvider& provider, const Status& status) {
  std::string prefix = provider.Name() + ": ";
  const std::string& message = status.message();
  if (message.rfind(prefix, 0) == 0) return message.substr(prefix.size());
  return message;
}

}  // namespace

void RegisterSecrets(const Credentials& credentials) {
  Logger::Get().AddSecret(credentials.secret_access_key);
  Logger::Get().AddSecret(credentials.session_token);
}

// --- StaticCredentialsProvider ---

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials, std::string name)
    : credentials_(std::move(credentials)), name_(std::move(name)) {
  RegisterSecrets(credentials_);
}

StatusOr<Credentials> StaticCredentialsProvider::GetCredentials() {
  if (credentials_.access_key_id.empty() && credentials_.secret_access_key.empty()) {
    return NotFoundError(name_ + ": no access key configured");
  }
  KEDGE_RETURN_IF_ERROR(
      CheckKeyPair(name_, credentials_, "the access key id", "the secret access key"));
  return credentials_;
}

// --- EnvironmentCredentialsProvider ---

StatusOr<Credentials> EnvironmentCredentialsProvider::GetCredentials() {
  Credentials credentials;
  credentials.access_key_id = TrimmedVar(env_, "AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = TrimmedVar(env_, "AWS_SECRET_ACCESS_KEY");
  credentials.session_token = TrimmedVar(env_, "AWS_SESSION_TOKEN");
  if (credentials.session_token.empty()) {
    credentials.session_token = TrimmedVar(env_, "AWS_SECURITY_TOKEN");  // older SDKs' name
  }
  RegisterSecrets(credentials);
  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    return NotFoundError("environment: AWS_ACCESS_KEY_ID unset");
  }
  KEDGE_RETURN_IF_ERROR(
      CheckKeyPair("environment", credentials, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"));
  return credentials;
}

// --- ProfileCredentialsProvider ---

ProfileCredentialsProvider::ProfileCredentialsProvider(Env& env, const std::string& profile)
    : env_(env),
      profile_(ActiveProfile(profile, env)),
      explicit_profile_(!profile.empty() || env.GetVar("AWS_PROFILE").value_or("") != "") {}

StatusOr<Credentials> ProfileCredentialsProvider::GetCredentials() {
  KEDGE_ASSIGN_OR_RETURN(ProfileFiles files, LoadProfileFiles(env_));
  // Absent is "nothing here" for the implicit default, but an error for a profile asked for.
  auto absent = [&](const std::string& what) -> Status {
    std::string message = Name() + ": " + what;
    return explicit_profile_ ? InvalidArgumentError(message) : NotFoundError(message);
  };
  std::string both = Describe(files.credentials) + ", " + Describe(files.config);
  if (!files.credentials.exists && !files.config.exists) return absent(both);

  const IniSection* from_credentials = FindCredentialsProfile(files.credentials.sections, profile_);
  const IniSection* from_config = FindConfigProfile(files.config.sections, profile_);
  if (from_credentials == nullptr && from_config == nullptr) {
    return absent("no [" + profile_ + "] in " + Describe(files.credentials) + " and no [profile " +
                  profile_ + "] in " + Describe(files.config));
  }
  auto value = [&](const char* key) {
    std::string v = Lookup(from_credentials, key);
    return v.empty() ? Lookup(from_config, key) : v;
  };
  Credentials credentials;
  credentials.access_key_id = value("aws_access_key_id");
  credentials.secret_access_key = value("aws_secret_access_key");
  credentials.session_token = value("aws_session_token");
  if (credentials.session_token.empty()) credentials.session_token = value("aws_security_token");
  RegisterSecrets(credentials);

  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    const char* feature = UnsupportedFeature(from_credentials);
    if (feature == nullptr) feature = UnsupportedFeature(from_config);
    if (feature != nullptr) {
      return InvalidArgumentError(
          Name() + " uses " + feature + ", which kedge cannot use: export keys with `aws " +
          "configure export-credentials --profile " + profile_ + " --format env`, or use the " +
          "AWS IoT credentials provider");
    }
    return absent("no aws_access_key_id in " + both);
  }
  KEDGE_RETURN_IF_ERROR(
      CheckKeyPair(Name(), credentials, "aws_access_key_id", "aws_secret_access_key"));
  return credentials;
}

// --- ChainCredentialsProvider ---

ChainCredentialsProvider::ChainCredentialsProvider(
    std::vector<std::unique_ptr<CredentialsProvider>> providers)
    : providers_(std::move(providers)) {}

std::string ChainCredentialsProvider::Name() const {
  std::string name = "chain of ";
  for (size_t i = 0; i < providers_.size(); ++i) {
    name += (i ? ", " : "") + providers_[i]->Name();
  }
  return name;
}

StatusOr<Credentials> ChainCredentialsProvider::GetCredentials() {
  std::string tried;
  for (const auto& provider : providers_) {
    StatusOr<Credentials> credentials = provider->GetCredentials();
    if (credentials.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (last_source_ != provider->Name()) {
        last_source_ = provider->Name();
        KEDGE_LOG(kInfo) << "using AWS credentials from " << last_source_;
      }
      return credentials;
    }
    if (credentials.status().code() != StatusCode::kNotFound) {
      return credentials.status().WithContext("AWS credentials");
    }
    tried += (tried.empty() ? "" : ", ") + provider->Name() + " (" +
             Reason(*provider, credentials.status()) + ")";
  }
  return NotFoundError("no AWS credentials found: tried " +
                       (tried.empty() ? std::string("no sources") : tried) +
                       ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure`, "
                       "or configure credentials in kedge's config");
}

void ChainCredentialsProvider::Invalidate() {
  for (const auto& provider : providers_) provider->Invalidate();
}

// --- CachingCredentialsProvider ---

CachingCredentialsProvider::CachingCredentialsProvider(
    std::unique_ptr<CredentialsProvider> inner, Clock& clock, std::chrono::seconds refresh_margin)
    : inner_(std::move(inner)), clock_(clock), refresh_margin_(refresh_margin) {}

StatusOr<Credentials> CachingCredentialsProvider::GetCredentials() {
  std::lock_guard<std::mutex> lock(mu_);
  WallTime now = clock_.WallNow();
  if (cached_ && (!refresh_at_ || now < *refresh_at_)) return *cached_;
  StatusOr<Credentials> fresh = inner_->GetCredentials();
  if (fresh.ok()) {
    RegisterSecrets(*fresh);
    cached_ = *fresh;
    refresh_at_.reset();
    if (fresh->expiration) {
      auto lifetime = *fresh->expiration - now;
      refresh_at_ = *fresh->expiration - std::min<WallTime::duration>(refresh_margin_, lifetime / 2);
    }
    return fresh;
  }
  if (cached_ && cached_->expiration && now < *cached_->expiration) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
        << "refreshing AWS credentials failed, using the cached ones until they expire: "
        << fresh.status().ToString();
    refresh_at_ = std::min<WallTime>(now + kRetryAfterFailure, *cached_->expiration);
    return *cached_;
  }
  cached_.reset();
  refresh_at_.reset();
  return fresh;
}

void CachingCredentialsProvider::Invalidate() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cached_.reset();
    refresh_at_.reset();
  }
  inner_->Invalidate();
}

// --- factories ---

std::vector<std::unique_ptr<CredentialsProvider>> DefaultCredentialsProviders(
    Env& env, const std::string& profile) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<EnvironmentCredentialsProvider>(env));
  providers.push_back(std::make_unique<ProfileCredentialsProvider>(env, profile));
  return providers;
}

std::unique_ptr<CredentialsProvider> NewCredentialsChain(
    std::vector<std::unique_ptr<CredentialsProvider>> providers, Clock& clock) {
  return std::make_unique<CachingCredentialsProvider>(
      std::make_unique<ChainCredentialsProvider>(std::move(providers)), clock);
}

std::unique_ptr<CredentialsProvider> NewDefaultCredentialsChain(Env& env,
                                                                const std::string& profile) {
  return NewDefaultCredentialsChain(env, profile, Clock::Real());
}

std::unique_ptr<CredentialsProvider> NewDefaultCredentialsChain(Env& env,
                                                                const std::string& profile,
                                                                Clock& clock) {
  return NewCredentialsChain(DefaultCredentialsProviders(env, profile), clock);
}

}  // namespace kedge::aws
