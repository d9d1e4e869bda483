#include "platform/aws/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "platform/aws/sigv4.h"

namespace kedge::aws {
namespace {

class SigV4VerifierTest : public ::testing::Test {
 protected:
  SigV4VerifierTest()
      : verifier_(
            [](std::string_view key) -> std::optional<std::string> {
              if (key == "AKIDGOOD") return std::string("good-secret");
              return std::nullopt;
            },
            clock_) {}

  // Signs a Kinesis-style POST the way kedge sends it, and returns it as a server sees it.
  IncomingRequest Signed(const std::string& secret, const std::string& body,
                         std::string key = "AKIDGOOD") {
    net::HttpRequest r;
    r.method = "POST";
    r.url = "http://127.0.0.1:4567/";
    r.body = body;
    r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
    SigningParams p{"kinesis", "us-east-1", clock_.WallNow()};
    EXPECT_TRUE(SignRequest(&r, Credentials{key, secret, "", std::nullopt}, p).ok());
    body_ = r.body;
    IncomingRequest in;
    in.method = r.method;
    in.target = "/";
    in.headers = r.headers;
    in.body = body_;
    return in;
  }

  std::optional<VerifiedIdentity> Verify(const IncomingRequest& r) {
    return verifier_.Verify(r, &error_);
  }

  FakeClock clock_;
  SigV4Verifier verifier_;
  ApiError error_;
  std::string body_;
};

TEST_F(SigV4VerifierTest, AcceptsWhatSignRequestSigned) {
  auto id = Verify(Signed("good-secret", "{\"StreamName\":\"s\"}"));
  ASSERT_TRUE(id.has_value()) << error_.code << ": " << error_.message;
  EXPECT_EQ(id->access_key_id, "AKIDGOOD");
  EXPECT_EQ(id->region, "us-east-1");
  EXPECT_EQ(id->service, "kinesis");
}

TEST_F(SigV4VerifierTest, WrongSecretIsInvalidSignature) {
  EXPECT_FALSE(Verify(Signed("bad-secret", "{}")).has_value());
  EXPECT_EQ(error_.code, "InvalidSignatureException");
  EXPECT_EQ(error_.http_status, 400);
}

TEST_F(SigV4VerifierTest, UnknownAccessKeyIsUnrecognizedClient) {
  EXPECT_FALSE(Verify(Signed("good-secret", "{}", "AKIDOTHER")).has_value());
  EXPECT_EQ(error_.code, "UnrecognizedClientException");
}

TEST_F(SigV4VerifierTest, TamperedBodyIsInvalidSignature) {
  IncomingRequest r = Signed("good-secret", "{\"a\":1}");
  std::string tampered = "{\"a\":2}";
  r.body = tampered;
  EXPECT_FALSE(Verify(r).has_value());
  EXPECT_EQ(error_.code, "InvalidSignatureException");
}

TEST_F(SigV4VerifierTest, TamperedSignedHeaderIsInvalidSignature) {
  IncomingRequest r = Signed("good-secret", "{}");
  for (auto& h : r.headers) {
    if (h.first == "X-Amz-Target") h.second = "Kinesis_20131202.DeleteStream";
  }
  EXPECT_FALSE(Verify(r).has_value());
  EXPECT_EQ(error_.code, "InvalidSignatureException");
}

TEST_F(SigV4VerifierTest, RequestOlderThanFiveMinutesIsExpired) {
  IncomingRequest r = Signed("good-secret", "{}");
  clock_.Advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  EXPECT_FALSE(Verify(r).has_value());
  EXPECT_EQ(error_.code, "InvalidSignatureException");
  EXPECT_NE(error_.message.find("Signature expired"), std::string::npos);
}

TEST_F(SigV4VerifierTest, ReplayWithinTheWindowIsAccepted) {
  IncomingRequest r = Signed("good-secret", "{}");
  clock_.Advance(std::chrono::minutes(4));
  EXPECT_TRUE(Verify(r).has_value());
}

TEST_F(SigV4VerifierTest, MissingAuthorizationIsMissingToken) {
  IncomingRequest r;
  r.method = "POST";
  r.target = "/";
  EXPECT_FALSE(Verify(r).has_value());
  EXPECT_EQ(error_.code, "MissingAuthenticationTokenException");
  EXPECT_EQ(error_.http_status, 403);
}

TEST_F(SigV4VerifierTest, GarbledAuthorizationIsIncompleteSignature) {
  IncomingRequest r = Signed("good-secret", "{}");
  for (auto& h : r.headers) {
    if (h.first == "Authorization") h.second = "AWS4-HMAC-SHA256 Credential=AKIDGOOD";
  }
  EXPECT_FALSE(Verify(r).has_value());
  EXPECT_EQ(error_.code, "IncompleteSignatureException");
}

TEST_F(SigV4VerifierTest, HostSignedWithoutItsPortIsAccepted) {
  // kvssink signs "host: 127.0.0.1" but sends "Host: 127.0.0.1:4567".
  net::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1/putMedia";
  SigningParams p{"kinesisvideo", "us-east-1", clock_.WallNow()};
  ASSERT_TRUE(SignRequest(&r, Credentials{"AKIDGOOD", "good-secret", "", std::nullopt}, p,
                          kEmptyPayloadSha256)
                  .ok());
  IncomingRequest in;
  in.method = "POST";
  in.target = "/putMedia";
  in.headers = r.headers;
  for (auto& h : in.headers) {
    if (h.first == "Host") h.second = "127.0.0.1:4567";
  }
  in.accepted_payload_hashes = {std::string(kEmptyPayloadSha256), std::string(kUnsignedPayload)};
  auto id = Verify(in);
  ASSERT_TRUE(id.has_value()) << error_.code << ": " << error_.message;
  EXPECT_EQ(id->service, "kinesisvideo");
}

}  // namespace
}  // namespace kedge::aws
