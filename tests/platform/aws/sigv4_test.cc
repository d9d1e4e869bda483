#include "platform/aws/sigv4.h"

#include <gtest/gtest.h>

#include <string>

#include "platform/text.h"
#include "platform/aws/url.h"
#include "platform/crypto.h"

namespace kedge::aws {
namespace {

// 2015-08-30T12:36:00Z, the AWS suite's time.
const WallTime kSuiteTime = WallTime(std::chrono::seconds(1440938160));

Credentials TestCredentials(std::string token = "") {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(token),
          std::nullopt};
}

SigningParams KinesisParams() {
  SigningParams params;
  params.service = "kinesis";
  params.region = "us-east-1";
  params.time = kSuiteTime;
  return params;
}

// The values of every header named `name` (any case).
std::vector<std::string> HeaderValues(const net::Headers& headers, std::string name) {
  std::vector<std::string> values;
  for (const auto& [n, v] : headers) {
    if (AsciiLower(n) == name) values.push_back(v);
  }
  return values;
}

std::string CanonicalLine(const SignatureParts& parts, int index) {
  std::string text = parts.canonical_request;
  size_t pos = 0;
  for (int i = 0; i < index; ++i) pos = text.find('\n', pos) + 1;
  return text.substr(pos, text.find('\n', pos) - pos);
}

TEST(AmzDateTest, FormatsUtcTimes) {
  EXPECT_EQ(AmzDate(kSuiteTime), "20150830T123600Z");
  EXPECT_EQ(AmzDateStamp(kSuiteTime), "20150830");
  // 2024-02-29T23:59:59.750Z: a leap day, and fractions are dropped.
  WallTime leap = WallTime(std::chrono::seconds(1709251199)) + std::chrono::milliseconds(750);
  EXPECT_EQ(AmzDate(leap), "20240229T235959Z");
  EXPECT_EQ(AmzDate(WallTime()), "19700101T000000Z");
}

TEST(AmzDateTest, ParsesWhatItFormatsAndRejectsJunk) {
  StatusOr<WallTime> parsed = ParseAmzDate("20240229T235959Z");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(AmzDate(*parsed), "20240229T235959Z");
  EXPECT_EQ(*ParseAmzDate("20150830T123600Z"), kSuiteTime);
  for (const char* bad : {"", "2015-08-30", "20150830T123600", "20151330T000000Z",
                          "2015083OT123600Z", "20150830T256000Z"}) {
    EXPECT_EQ(ParseAmzDate(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseUrlTest, SplitsSchemeHostPortPathAndQuery) {
  StatusOr<Url> url = ParseUrl("HTTPS://Kinesis.us-east-1.amazonaws.com:8443/a/b%20c?x=1&y#frag");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "Kinesis.us-east-1.amazonaws.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/a/b%20c");
  EXPECT_EQ(url->query, "x=1&y");

  url = ParseUrl("http://[::1]:4567?q");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->host, "[::1]");
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->query, "q");
  EXPECT_EQ(ParseUrl("http://127.0.0.1")->path, "/");
}

TEST(ParseUrlTest, RejectsWhatCannotBeSent) {
  for (const char* bad :
       {"", "kinesis.us-east-1.amazonaws.com", "ftp://host/", "http://", "http://:80/",
        "http://host:0/", "http://host:65536/", "http://host:12ab/", "http://host:/",
        "http://user:pass@host/", "http://host/a b", "http://[::1/", "http://host/\r\nX: y"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseUrlTest, HostHeaderCarriesOnlyANonDefaultPort) {
  EXPECT_EQ(ParseUrl("https://h:443/")->HostHeader(), "h");
  EXPECT_EQ(ParseUrl("http://h:80/")->HostHeader(), "h");
  EXPECT_EQ(ParseUrl("http://h:443/")->HostHeader(), "h:443");
  EXPECT_EQ(ParseUrl("https://[::1]:8443/")->HostHeader(), "[::1]:8443");
  EXPECT_EQ(ParseUrl("https://h/")->EffectivePort(), 443);
}

TEST(ComputeSignatureTest, EncodesAnAlreadyEncodedPathAgainUnlessNormalizationIsOff) {
  net::Headers headers = {{"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"}};
  SigningParams params = KinesisParams();
  auto uri = [&](std::string_view path) {
    return CanonicalLine(ComputeSignature("GET", path, "", headers, kEmptyPayloadSha256,
                                          TestCredentials(), params),
                         1);
  };
  EXPECT_EQ(uri("/a%20b/./c//d/"), "/a%2520b/c/d/");
  EXPECT_EQ(uri(""), "/");
  params.normalize_path = false;
  EXPECT_EQ(uri("/a%20b//c"), "/a%20b//c");
  EXPECT_EQ(uri("/a b/%zz"), "/a%20b/%25zz");
}

TEST(ComputeSignatureTest, DecodesThenEncodesAndSortsTheQuery) {
  net::Headers headers = {{"Host", "h"}};
  SignatureParts parts = ComputeSignature("GET", "/", "b=2&a=1&&c=x%20y&d=a+b&a=0&e",
                                          headers, kEmptyPayloadSha256, TestCredentials(),
                                          KinesisParams());
  EXPECT_EQ(CanonicalLine(parts, 2), "a=0&a=1&b=2&c=x%20y&d=a%2Bb&e=");
}

TEST(ComputeSignatureTest, NeverSignsAnAuthorizationHeader) {
  net::Headers headers = {{"Host", "h"}, {"Authorization", "old"}};
  SignatureParts parts = ComputeSignature("GET", "/", "", headers, kEmptyPayloadSha256,
                                          TestCredentials(), KinesisParams());
  EXPECT_EQ(parts.signed_headers, "host");
}

TEST(ComputeSignatureTest, SignaturesDependOnSecretDateRegionAndServiceEveryTime) {
  net::Headers headers = {{"Host", "h"}};
  auto sign = [&](const std::string& secret, WallTime time, const std::string& region,
                  const std::string& service) {
    SigningParams params;
    params.time = time;
    params.region = region;
    params.service = service;
    return ComputeSignature("GET", "/", "", headers, kEmptyPayloadSha256,
                            {"AKID", secret, "", std::nullopt}, params)
        .signature;
  };
  std::string base = sign("secret-1", kSuiteTime, "us-east-1", "kinesis");
  EXPECT_NE(sign("secret-2", kSuiteTime, "us-east-1", "kinesis"), base);
  EXPECT_NE(sign("secret-1", kSuiteTime + std::chrono::hours(24), "us-east-1", "kinesis"), base);
  EXPECT_NE(sign("secret-1", kSuiteTime, "eu-west-1", "kinesis"), base);
  EXPECT_NE(sign("secret-1", kSuiteTime, "us-east-1", "firehose"), base);
  EXPECT_EQ(sign("secret-1", kSuiteTime, "us-east-1", "kinesis"), base);
}

TEST(SignRequestTest, AddsHostWithANonDefaultPortAndTheDate) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:4567/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
  request.body = R"({"StreamName":"edge-logs","Records":[]})";
  ASSERT_TRUE(SignRequest(&request, TestCredentials(), KinesisParams()).ok());

  EXPECT_EQ(HeaderValues(request.headers, "host"), std::vector<std::string>{"127.0.0.1:4567"});
  EXPECT_EQ(HeaderValues(request.headers, "x-amz-date"),
            std::vector<std::string>{"20150830T123600Z"});
  EXPECT_TRUE(HeaderValues(request.headers, "x-amz-security-token").empty());
  ASSERT_EQ(request.headers.back().first, "Authorization");

  net::Headers signed_headers(request.headers.begin(), request.headers.end() - 1);
  SignatureParts expected =
      ComputeSignature("POST", "/", "", signed_headers, HexEncode(Sha256(request.body)),
                       TestCredentials(), KinesisParams());
  EXPECT_EQ(request.headers.back().second, expected.authorization);
  EXPECT_EQ(expected.signed_headers, "content-type;host;x-amz-date;x-amz-target");
  EXPECT_EQ(request.headers.back().second.rfind(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=",
                0),
            0u);
}

TEST(SignRequestTest, SendsAndSignsTheSessionToken) {
  net::HttpRequest request;
  request.url = "https://kinesis.us-east-1.amazonaws.com";
  ASSERT_TRUE(SignRequest(&request, TestCredentials("session-token-value"), KinesisParams()).ok());
  EXPECT_EQ(HeaderValues(request.headers, "host"),
            std::vector<std::string>{"kinesis.us-east-1.amazonaws.com"});
  EXPECT_EQ(HeaderValues(request.headers, "x-amz-security-token"),
            std::vector<std::string>{"session-token-value"});
  EXPECT_NE(request.headers.back().second.find("SignedHeaders=host;x-amz-date;x-amz-security-token,"),
            std::string::npos)
      << request.headers.back().second;
}

TEST(SignRequestTest, StreamedBodyIsSignedWithTheOverrideHash) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = "https://s-1234abcd.kinesisvideo.us-east-1.amazonaws.com/putMedia";
  request.headers = {{"x-amzn-stream-name", "cam1"}, {"transfer-encoding", "chunked"}};
  request.body_reader = [](char*, size_t) -> size_t { return 0; };
  SigningParams params = KinesisParams();
  params.service = "kinesisvideo";
  for (std::string_view hash : {kEmptyPayloadSha256, kUnsignedPayload}) {
    net::HttpRequest copy = request;
    ASSERT_TRUE(SignRequest(&copy, TestCredentials(), params, hash).ok());
    net::Headers signed_headers(copy.headers.begin(), copy.headers.end() - 1);
    SignatureParts expected = ComputeSignature("POST", "/putMedia", "", signed_headers, hash,
                                               TestCredentials(), params);
    EXPECT_EQ(copy.headers.back().second, expected.authorization) << hash;
    EXPECT_EQ(expected.canonical_request.substr(expected.canonical_request.rfind('\n') + 1),
              hash);
  }
}

TEST(SignRequestTest, AddsTheContentSha256HeaderWhenAsked) {
  net::HttpRequest request;
  request.url = "https://bucket.s3.amazonaws.com/key";
  request.body = "hello";
  SigningParams params = KinesisParams();
  params.add_content_sha256_header = true;
  ASSERT_TRUE(SignRequest(&request, TestCredentials(), params).ok());
  EXPECT_EQ(HeaderValues(request.headers, "x-amz-content-sha256"),
            std::vector<std::string>{HexEncode(Sha256("hello"))});
  EXPECT_NE(request.headers.back().second.find("x-amz-content-sha256"), std::string::npos);
}

TEST(SignRequestTest, SigningAgainReplacesTheOldSignature) {
  net::HttpRequest request;
  request.url = "https://kinesis.us-east-1.amazonaws.com/";
  request.headers = {{"User-Agent", "kedge/0.1"}};
  ASSERT_TRUE(SignRequest(&request, TestCredentials("old-token"), KinesisParams()).ok());
  SigningParams later = KinesisParams();
  later.time = kSuiteTime + std::chrono::minutes(1);
  ASSERT_TRUE(SignRequest(&request, TestCredentials(), later).ok());

  EXPECT_EQ(HeaderValues(request.headers, "host").size(), 1u);
  EXPECT_EQ(HeaderValues(request.headers, "x-amz-date"),
            std::vector<std::string>{"20150830T123700Z"});
  EXPECT_TRUE(HeaderValues(request.headers, "x-amz-security-token").empty());
  EXPECT_EQ(HeaderValues(request.headers, "authorization").size(), 1u);
  EXPECT_NE(request.headers.back().second.find("SignedHeaders=host;x-amz-date,"),
            std::string::npos)
      << "user-agent must stay unsigned: " << request.headers.back().second;
}

TEST(SignRequestTest, RejectsABadUrlAndMissingCredentials) {
  net::HttpRequest request;
  request.url = "kinesis.us-east-1.amazonaws.com";
  Status status = SignRequest(&request, TestCredentials(), KinesisParams());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("kinesis.us-east-1.amazonaws.com"), std::string::npos);

  request.url = "https://kinesis.us-east-1.amazonaws.com/";
  EXPECT_EQ(SignRequest(&request, Credentials{}, KinesisParams()).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kedge::aws
