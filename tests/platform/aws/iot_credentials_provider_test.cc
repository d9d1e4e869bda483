#include "platform/aws/iot_credentials_provider.h"

#include <gtest/gtest.h>

#include <atomic>

#include "platform/aws/time_format.h"
#include "platform/logging.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"

namespace kedge::aws {
namespace {

using kedge::testing::TestHttpRequest;
using kedge::testing::TestHttpResponse;
using kedge::testing::TestHttpServer;
using kedge::testing::TestHttpServerOptions;
using kedge::testing::TestPki;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Stands in for the AWS IoT credentials endpoint: mutual TLS with the test CA, and answers
// with credentials numbered by request that expire an hour after the fake clock's now.
class IotCredentialsProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok());
    server_ = std::make_unique<TestHttpServer>(
        [this](const TestHttpRequest& request) { return Answer(request); },
        TestHttpServerOptions::Tls(pki_.server(), pki_.ca_file()));
    ASSERT_TRUE(server_->Start().ok());
  }

  TestHttpResponse Answer(const TestHttpRequest&) {
    int n = ++served_;
    TestHttpResponse response;
    response.status = status_.load();
    if (response.status != 200) {
      response.body = R"({"message":"Access Denied"})";
      return response;
    }
    response.headers = {{"Content-Type", "application/json"}};
    response.body = R"({"credentials":{"accessKeyId":"ASIAKEDGE)" + std::to_string(n) +
                    R"(","secretAccessKey":"iot-secret-)" + std::to_string(n) +
                    R"(","sessionToken":"iot-token-)" + std::to_string(n) + R"(","expiration":")" +
                    FormatIso8601(clock_.WallNow() + hours(1)) + R"("}})";
    return response;
  }

  IotCredentialsOptions Options() const {
    IotCredentialsOptions options;
    options.endpoint = "https://127.0.0.1:" + std::to_string(server_->port());
    options.role_alias = "kedge-edge-role";
    options.thing_name = "camera-7";
    options.cert_file = pki_.client().cert_file;
    options.key_file = pki_.client().key_file;
    options.ca_file = pki_.ca_file();
    return options;
  }

  const TestPki& pki_ = TestPki::Shared();
  FakeClock clock_;
  std::atomic<int> served_{0};
  std::atomic<int> status_{200};
  std::unique_ptr<TestHttpServer> server_;
};

TEST_F(IotCredentialsProviderTest, FetchesWithThingNameOverMutualTls) {
  IotCredentialsProvider provider(Options(), clock_);
  StatusOr<Credentials> credentials = provider.GetCredentials();

  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIAKEDGE1");
  EXPECT_EQ(credentials->secret_access_key, "iot-secret-1");
  EXPECT_EQ(credentials->session_token, "iot-token-1");
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_EQ(FormatIso8601(*credentials->expiration), FormatIso8601(clock_.WallNow() + hours(1)));
  std::vector<TestHttpRequest> seen = server_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/role-aliases/kedge-edge-role/credentials");
  EXPECT_EQ(seen[0].Header("x-amzn-iot-thingname"), "camera-7");
}

TEST_F(IotCredentialsProviderTest, SecondCallIsServedFromCache) {
  IotCredentialsProvider provider(Options(), clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(minutes(30));
  StatusOr<Credentials> again = provider.GetCredentials();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->access_key_id, "ASIAKEDGE1");
  EXPECT_EQ(served_.load(), 1);
}

TEST_F(IotCredentialsProviderTest, RefreshesFiveMinutesBeforeExpiry) {
  IotCredentialsProvider provider(Options(), clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock_.Advance(hours(1) - minutes(5) - seconds(1));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "ASIAKEDGE1");
  EXPECT_EQ(served_.load(), 1);

  clock_.Advance(seconds(2));
  StatusOr<Credentials> refreshed = provider.GetCredentials();
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_EQ(refreshed->access_key_id, "ASIAKEDGE2");
  EXPECT_EQ(served_.load(), 2);
}

TEST_F(IotCredentialsProviderTest, KeepsValidCredentialsWhenRefreshFailsUntilTheyExpire) {
  IotCredentialsProvider provider(Options(), clock_);
  ASSERT_TRUE(provider.GetCredentials().ok());
  status_ = 503;
  clock_.Advance(hours(1) - minutes(1));
  StatusOr<Credentials> still = provider.GetCredentials();
  ASSERT_TRUE(still.ok()) << still.status().ToString();
  EXPECT_EQ(still->access_key_id, "ASIAKEDGE1");

  clock_.Advance(minutes(2));
  StatusOr<Credentials> expired = provider.GetCredentials();
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), StatusCode::kUnavailable);
}

TEST_F(IotCredentialsProviderTest, ForbiddenNamesRoleAliasAndPolicy) {
  status_ = 403;
  IotCredentialsProvider provider(Options(), clock_);
  StatusOr<Credentials> credentials = provider.GetCredentials();
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.status().code(), StatusCode::kPermissionDenied);
  const std::string& message = credentials.status().message();
  EXPECT_NE(message.find("role alias kedge-edge-role"), std::string::npos) << message;
  EXPECT_NE(message.find("HTTP 403"), std::string::npos) << message;
  EXPECT_NE(message.find("Access Denied"), std::string::npos) << message;
  EXPECT_NE(message.find("iot:AssumeRoleWithCertificate"), std::string::npos) << message;
}

TEST_F(IotCredentialsProviderTest, ClientCertificateFromAnotherCaIsRefused) {
  IotCredentialsOptions options = Options();
  options.cert_file = pki_.untrusted_client().cert_file;
  options.key_file = pki_.untrusted_client().key_file;
  IotCredentialsProvider provider(options, clock_);
  StatusOr<Credentials> credentials = provider.GetCredentials();
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(credentials.status().message().find("rejected the client certificate"),
            std::string::npos)
      << credentials.status().message();
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(IotCredentialsProviderTest, MalformedAnswerIsUnavailableNotACrash) {
  IotCredentialsOptions options = Options();
  TestHttpServerOptions tls = TestHttpServerOptions::Tls(pki_.server());
  for (const char* body : {"not json", "{}", R"({"credentials":[]})",
                           R"({"credentials":{"accessKeyId":"A","secretAccessKey":"s3cr3t",)"
                           R"("sessionToken":"t0ken","expiration":"tomorrow"}})"}) {
    TestHttpServer bad(
        [body](const TestHttpRequest&) {
          TestHttpResponse response;
          response.body = body;
          return response;
        },
        tls);
    ASSERT_TRUE(bad.Start().ok());
    options.endpoint = bad.Url("");
    StatusOr<Credentials> credentials = IotCredentialsProvider(options, clock_).GetCredentials();
    ASSERT_FALSE(credentials.ok()) << body;
    EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable) << body;
    EXPECT_NE(credentials.status().message().find("unexpected answer"), std::string::npos)
        << credentials.status().message();
  }
}

TEST_F(IotCredentialsProviderTest, MissingOptionIsInvalidArgumentWithoutRequest) {
  IotCredentialsOptions options = Options();
  options.thing_name.clear();
  StatusOr<Credentials> credentials = IotCredentialsProvider(options, clock_).GetCredentials();
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("thing_name"), std::string::npos);
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(IotCredentialsProviderTest, SecretsCannotReachTheLog) {
  IotCredentialsProvider provider(Options(), clock_);
  StatusOr<Credentials> credentials = provider.GetCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  std::string line =
      "secret " + credentials->secret_access_key + " token " + credentials->session_token;
  EXPECT_EQ(Logger::Get().Redact(line), "secret **** token ****");
}

TEST(IotCredentialsUrlTest, BuildsHttpsUrlFromHostOrFullUrl) {
  IotCredentialsOptions options;
  options.role_alias = "edge";
  options.endpoint = "c2ab.credentials.iot.us-east-1.amazonaws.com";
  EXPECT_EQ(IotCredentialsProvider::CredentialsUrl(options),
            "https://c2ab.credentials.iot.us-east-1.amazonaws.com/role-aliases/edge/credentials");
  options.endpoint = "https://127.0.0.1:8443/";
  EXPECT_EQ(IotCredentialsProvider::CredentialsUrl(options),
            "https://127.0.0.1:8443/role-aliases/edge/credentials");
}

TEST(ParseIso8601UtcTest, ParsesAwsExpirationFormats) {
  const WallTime expected = WallTime(seconds(1795633200));  // 2026-11-25T19:00:00Z
  for (const char* text :
       {"2026-11-25T19:00:00Z", "2026-11-25T19:00:00.123Z", "2026-11-25T19:00:00+00:00"}) {
    StatusOr<WallTime> parsed = ParseIso8601Utc(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, expected) << text;
  }
  EXPECT_EQ(FormatIso8601(*ParseIso8601Utc("2000-02-29T00:00:00Z")), "2000-02-29T00:00:00Z");
}

TEST(ParseIso8601UtcTest, ReadsBackWhatFormatIso8601Wrote) {
  WallTime t{std::chrono::seconds(1795633200)};  // 2026-11-25T19:00:00Z
  EXPECT_EQ(FormatIso8601(t), "2026-11-25T19:00:00Z");
  StatusOr<WallTime> back = ParseIso8601Utc(FormatIso8601(t + seconds(59)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, t + seconds(59));
}

TEST(ParseIso8601UtcTest, RejectsMalformedTimes) {
  for (const char* text : {"", "2026-11-25", "2026-11-25 19:00:00Z", "2026-13-01T00:00:00Z",
                           "2026-11-25T19:00:00", "2026-11-25T19:00:00+02:00", "tomorrow"}) {
    StatusOr<WallTime> parsed = ParseIso8601Utc(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace kedge::aws
