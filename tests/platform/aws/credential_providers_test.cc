#include "platform/aws/credential_providers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "platform/logging.h"
#include "tests/support/test_util.h"

namespace kedge::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A FakeEnv whose HOME is a fresh temporary directory, with helpers to write AWS files there.
class AwsFilesTest : public ::testing::Test {
 protected:
  AwsFilesTest() : home_(testing::MakeTempDir("kedge-aws")) {
    env_.SetVar("HOME", home_);
    EXPECT_TRUE(env_.CreateDirs(home_ + "/.aws").ok());
  }
  ~AwsFilesTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
  }
  void WriteCredentials(const std::string& text) { Write(home_ + "/.aws/credentials", text); }
  void WriteConfig(const std::string& text) { Write(home_ + "/.aws/config", text); }
  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(env_.WriteFileAtomic(path, text).ok()) << path;
  }

  std::string home_;
  FakeEnv env_;
};

// --- static and environment ---

TEST(StaticCredentialsProviderTest, ReturnsItsCredentialsAndRegistersTheSecret) {
  StaticCredentialsProvider provider({"AKIDSTATIC", "static-secret-value", "static-token", {}});
  StatusOr<Credentials> credentials = provider.GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIDSTATIC");
  EXPECT_EQ(credentials->session_token, "static-token");
  EXPECT_EQ(Logger::Get().Redact("x static-secret-value y static-token"), "x **** y ****");
}

TEST(StaticCredentialsProviderTest, EmptyIsNotFoundAndHalfAKeyIsInvalid) {
  EXPECT_EQ(StaticCredentialsProvider({}).GetCredentials().status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(StaticCredentialsProvider({"AKID", "", "", {}}).GetCredentials().status().code(),
            StatusCode::kInvalidArgument);
}

TEST(EnvironmentCredentialsProviderTest, ReadsKeysAndSessionToken) {
  FakeEnv env({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
               {"AWS_SECRET_ACCESS_KEY", "env-secret-value"},
               {"AWS_SESSION_TOKEN", "env-session-token"}});
  EnvironmentCredentialsProvider provider(env);
  StatusOr<Credentials> credentials = provider.GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIDENV");
  EXPECT_EQ(credentials->secret_access_key, "env-secret-value");
  EXPECT_EQ(credentials->session_token, "env-session-token");
  EXPECT_FALSE(credentials->expiration.has_value());
  EXPECT_EQ(Logger::Get().Redact("env-secret-value"), "****");
}

TEST(EnvironmentCredentialsProviderTest, TrimsStrayWhitespaceAroundValues) {
  FakeEnv env;
  env.SetVar("AWS_ACCESS_KEY_ID", " AKIDENV\r\n");
  env.SetVar("AWS_SECRET_ACCESS_KEY", "env-secret-value\r");
  StatusOr<Credentials> credentials = EnvironmentCredentialsProvider(env).GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIDENV");
  EXPECT_EQ(credentials->secret_access_key, "env-secret-value");
}

TEST(EnvironmentCredentialsProviderTest, UnsetIsNotFoundNamingTheVariable) {
  FakeEnv env;
  env.SetVar("AWS_ACCESS_KEY_ID", "");
  Status status = EnvironmentCredentialsProvider(env).GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "environment: AWS_ACCESS_KEY_ID unset");
}

TEST(EnvironmentCredentialsProviderTest, KeyIdWithoutSecretIsInvalid) {
  FakeEnv env;
  env.SetVar("AWS_ACCESS_KEY_ID", "AKIDENV");
  Status status = EnvironmentCredentialsProvider(env).GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "AWS_SECRET_ACCESS_KEY is not")) << status.message();
}

// --- profile ---

TEST_F(AwsFilesTest, ProfileReadsTheDefaultProfileFromTheCredentialsFile) {
  WriteCredentials(
      "# written by aws configure\n"
      "[default]\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key=default-secret-value   ; inline comment\n"
      "\n"
      "[other]\n"
      "aws_access_key_id = AKIDOTHER\n"
      "aws_secret_access_key = other-secret\n");
  StatusOr<Credentials> credentials = ProfileCredentialsProvider(env_, "").GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(credentials->secret_access_key, "default-secret-value");
  EXPECT_EQ(credentials->session_token, "");
}

TEST_F(AwsFilesTest, ProfileFollowsAwsProfileAndTheExplicitName) {
  WriteCredentials("[default]\naws_access_key_id=A1\naws_secret_access_key=s1secret\n"
                   "[dev]\naws_access_key_id=A2\naws_secret_access_key=s2secret\n"
                   "[prod]\naws_access_key_id=A3\naws_secret_access_key=s3secret\n"
                   "aws_session_token=prod-token\n");
  env_.SetVar("AWS_PROFILE", "dev");
  EXPECT_EQ(ProfileCredentialsProvider(env_, "").GetCredentials()->access_key_id, "A2");
  ProfileCredentialsProvider prod(env_, "prod");
  EXPECT_EQ(prod.Name(), "profile prod");
  StatusOr<Credentials> credentials = prod.GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "A3");
  EXPECT_EQ(credentials->session_token, "prod-token");
}

TEST_F(AwsFilesTest, ProfileReadsTheConfigFileAndTheCredentialsFileWins) {
  WriteConfig("[default]\nregion = eu-west-1\n"
              "[profile edge]\naws_access_key_id = AKIDCONFIG\n"
              "aws_secret_access_key = config-secret\naws_session_token = config-token\n");
  StatusOr<Credentials> from_config = ProfileCredentialsProvider(env_, "edge").GetCredentials();
  ASSERT_TRUE(from_config.ok()) << from_config.status().ToString();
  EXPECT_EQ(from_config->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(from_config->session_token, "config-token");

  WriteCredentials("[edge]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = cred-secret\n");
  StatusOr<Credentials> both = ProfileCredentialsProvider(env_, "edge").GetCredentials();
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->access_key_id, "AKIDCREDS");
  EXPECT_EQ(both->secret_access_key, "cred-secret");
}

TEST_F(AwsFilesTest, ProfileHonoursFileLocationVariables) {
  Write(home_ + "/creds.ini", "[default]\naws_access_key_id=AKIDVAR\naws_secret_access_key=varsecret\n");
  env_.SetVar("AWS_SHARED_CREDENTIALS_FILE", "~/creds.ini");
  env_.SetVar("AWS_CONFIG_FILE", home_ + "/none");
  StatusOr<Credentials> credentials = ProfileCredentialsProvider(env_, "").GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIDVAR");
}

TEST_F(AwsFilesTest, ProfileWithoutFilesIsNotFoundNamingThem) {
  Status status = ProfileCredentialsProvider(env_, "").GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(status.message(), home_ + "/.aws/credentials: no such file"))
      << status.message();
}

TEST(ProfileCredentialsProviderTest, WithoutAHomeDirectoryIsNotFoundAndSaysSo) {
  FakeEnv env;  // no HOME, as under some service managers
  Status status = ProfileCredentialsProvider(env, "").GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(status.message(), "no home directory")) << status.message();
}

TEST_F(AwsFilesTest, ExplicitProfileThatIsMissingIsInvalid) {
  WriteCredentials("[default]\naws_access_key_id=A\naws_secret_access_key=secret\n");
  Status status = ProfileCredentialsProvider(env_, "prod").GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "no [prod]")) << status.message();
}

TEST_F(AwsFilesTest, DefaultProfileWithOnlyARegionIsNotFound) {
  WriteConfig("[default]\nregion = us-east-1\n");
  EXPECT_EQ(ProfileCredentialsProvider(env_, "").GetCredentials().status().code(),
            StatusCode::kNotFound);
}

TEST_F(AwsFilesTest, SsoProfileIsRejectedWithAWayOut) {
  WriteConfig("[profile sso]\nsso_session = corp\nsso_account_id = 1\n");
  Status status = ProfileCredentialsProvider(env_, "sso").GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "export-credentials")) << status.message();
}

TEST_F(AwsFilesTest, ProfileWithKeyIdButNoSecretIsInvalid) {
  WriteCredentials("[default]\naws_access_key_id = AKIDHALF\n");
  Status status = ProfileCredentialsProvider(env_, "").GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "aws_secret_access_key is not")) << status.message();
}

// --- chain ---

// Counts calls and answers what it is told.
class ScriptedProvider : public CredentialsProvider {
 public:
  ScriptedProvider(std::string name, StatusOr<Credentials> answer)
      : name_(std::move(name)), answer_(std::move(answer)) {}
  StatusOr<Credentials> GetCredentials() override {
    ++calls;
    return answer_;
  }
  std::string Name() const override { return name_; }
  void Invalidate() override { ++invalidations; }
  void Answer(StatusOr<Credentials> answer) { answer_ = std::move(answer); }

  std::atomic<int> calls{0};
  std::atomic<int> invalidations{0};

 private:
  std::string name_;
  StatusOr<Credentials> answer_;
};

Credentials Keys(const std::string& id) { return {id, "secret-of-" + id, "", std::nullopt}; }

TEST(ChainCredentialsProviderTest, MovesOnWhenASourceHasNothing) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("first", NotFoundError("first: none")));
  providers.push_back(std::make_unique<ScriptedProvider>("second", Keys("AKID2")));
  ChainCredentialsProvider chain(std::move(providers));
  StatusOr<Credentials> credentials = chain.GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKID2");
  EXPECT_EQ(chain.Name(), "chain of first, second");
}

TEST(ChainCredentialsProviderTest, StopsAtABrokenSource) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>(
      "iot", UnavailableError("iot: connect to credentials endpoint failed")));
  providers.push_back(std::make_unique<ScriptedProvider>("second", Keys("AKID2")));
  Status status = ChainCredentialsProvider(std::move(providers)).GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(status.message(), "iot: connect")) << status.message();
}

TEST_F(AwsFilesTest, DefaultChainExplainsEverythingItTried) {
  Status status = NewDefaultCredentialsChain(env_, "")->GetCredentials().status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(status.message(), "no AWS credentials found: tried environment "
                                         "(AWS_ACCESS_KEY_ID unset), profile default (" +
                                             home_ + "/.aws/credentials: no such file"))
      << status.message();
  EXPECT_TRUE(Contains(status.message(), "aws configure")) << status.message();
}

TEST_F(AwsFilesTest, DefaultChainPrefersTheEnvironmentOverTheProfile) {
  WriteCredentials("[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=filesecret\n");
  EXPECT_EQ(NewDefaultCredentialsChain(env_, "")->GetCredentials()->access_key_id, "AKIDFILE");
  env_.SetVar("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.SetVar("AWS_SECRET_ACCESS_KEY", "envsecret");
  EXPECT_EQ(NewDefaultCredentialsChain(env_, "")->GetCredentials()->access_key_id, "AKIDENV");
}

TEST_F(AwsFilesTest, ChainBuiltFromAVectorPutsAStaticProviderFirst) {
  env_.SetVar("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.SetVar("AWS_SECRET_ACCESS_KEY", "envsecret");
  FakeClock clock;
  auto providers = DefaultCredentialsProviders(env_, "");
  providers.insert(providers.begin(),
                   std::make_unique<StaticCredentialsProvider>(Keys("AKIDCONFIG"), "config"));
  auto chain = NewCredentialsChain(std::move(providers), clock);
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "AKIDCONFIG");
}

// --- caching ---

// A cache over a ScriptedProvider, on a FakeClock.
class CachingCredentialsProviderTest : public ::testing::Test {
 protected:
  void StartWith(StatusOr<Credentials> first) {
    auto inner = std::make_unique<ScriptedProvider>("iot", std::move(first));
    script_ = inner.get();
    cache_ = std::make_unique<CachingCredentialsProvider>(std::move(inner), clock_);
  }
  // Keys that expire `lifetime` from now.
  Credentials Expiring(const std::string& id, std::chrono::seconds lifetime) {
    Credentials credentials = Keys(id);
    credentials.expiration = clock_.WallNow() + lifetime;
    return credentials;
  }
  std::string KeyId() {
    StatusOr<Credentials> credentials = cache_->GetCredentials();
    return credentials.ok() ? credentials->access_key_id : credentials.status().ToString();
  }

  FakeClock clock_;
  ScriptedProvider* script_ = nullptr;
  std::unique_ptr<CachingCredentialsProvider> cache_;
};

TEST_F(CachingCredentialsProviderTest, RefreshesFiveMinutesBeforeExpiry) {
  StartWith(Expiring("AKID1", minutes(60)));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(54));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 1);

  script_->Answer(Expiring("AKID2", minutes(60)));
  clock_.Advance(minutes(1) + seconds(1));  // now within 5 minutes of expiry
  EXPECT_EQ(KeyId(), "AKID2");
  EXPECT_EQ(script_->calls, 2);
}

TEST_F(CachingCredentialsProviderTest, RefreshesShortLivedCredentialsAtHalfTheirLifetime) {
  StartWith(Expiring("AKID1", minutes(4)));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(1));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 1);
  clock_.Advance(minutes(1) + seconds(1));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 2);
}

TEST_F(CachingCredentialsProviderTest, KeepsUnexpiredCredentialsWhenARefreshFails) {
  StartWith(Expiring("AKID1", minutes(10)));
  EXPECT_EQ(KeyId(), "AKID1");

  script_->Answer(UnavailableError("iot: endpoint down"));
  clock_.Advance(minutes(7));  // in the refresh window, not yet expired
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 2) << "a failed refresh is not retried on every call";
  clock_.Advance(CachingCredentialsProvider::kRetryAfterFailure);
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 3);
  clock_.Advance(minutes(4));  // expired
  EXPECT_EQ(cache_->GetCredentials().status().code(), StatusCode::kUnavailable);
}

TEST_F(CachingCredentialsProviderTest, CachesNonExpiringCredentialsUntilInvalidated) {
  StartWith(Keys("AKID1"));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(std::chrono::hours(24 * 30));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(script_->calls, 1);

  script_->Answer(Keys("AKID2"));
  cache_->Invalidate();
  EXPECT_EQ(script_->invalidations, 1);
  EXPECT_EQ(KeyId(), "AKID2");
}

TEST_F(CachingCredentialsProviderTest, RegistersSecretsOfAnyInnerProvider) {
  Credentials credentials = Keys("AKIDX");
  credentials.secret_access_key = "inner-provider-secret";
  credentials.session_token = "inner-provider-token";
  StartWith(credentials);
  EXPECT_EQ(KeyId(), "AKIDX");
  EXPECT_EQ(Logger::Get().Redact("inner-provider-secret inner-provider-token"), "**** ****");
}

}  // namespace
}  // namespace kedge::aws
