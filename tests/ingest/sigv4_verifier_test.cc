// SigV4 verification: requests signed by the project's signer (platform/aws/sigv4) are accepted;
// wrong keys, tampering and skewed clocks get the service's errors.
#include "ingest/auth/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "platform/aws/sigv4.h"
#include "platform/crypto.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

const aws::Credentials kCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}};

// A signed request to http://127.0.0.1:4567<path>, as the server would see it.
HttpRequest Signed(const std::string& path, const std::string& body, net::Headers headers,
                   const aws::Credentials& credentials, WallTime time,
                   const std::string& service = "kinesis", std::string_view payload_hash = {},
                   const std::string& host = "127.0.0.1:4567") {
  net::HttpRequest out;
  out.method = "POST";
  out.url = "http://" + host + path;
  out.headers = std::move(headers);
  out.body = body;
  aws::SigningParams params{service, "us-east-1", time};
  EXPECT_TRUE(aws::SignRequest(&out, credentials, params, payload_hash).ok());
  HttpRequest in;
  in.method = "POST";
  size_t q = path.find('?');
  in.path = path.substr(0, q);
  if (q != std::string::npos) in.query = path.substr(q + 1);
  in.headers = out.headers;
  in.body = body;
  return in;
}

class SigV4VerifierTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  SigV4Verifier verifier_{{kCredentials}, clock_};
  net::Headers kinesis_headers_{{"Content-Type", "application/x-amz-json-1.1"},
                                {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
};

TEST_F(SigV4VerifierTest, AcceptsACorrectlySignedRequest) {
  HttpRequest request = Signed("/", "{}", kinesis_headers_, kCredentials, clock_.WallNow());
  EXPECT_FALSE(verifier_.Verify(request, false).has_value());
}

TEST_F(SigV4VerifierTest, RejectsAnUnknownAccessKey) {
  aws::Credentials other{"AKIDOTHER", kCredentials.secret_access_key, "", {}};
  auto failure = verifier_.Verify(Signed("/", "{}", kinesis_headers_, other, clock_.WallNow()), false);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, "UnrecognizedClientException");
  EXPECT_EQ(failure->http_status, 400);
}

TEST_F(SigV4VerifierTest, RejectsAWrongSecretOrATamperedRequest) {
  aws::Credentials wrong{kCredentials.access_key_id, "not-the-secret", "", {}};
  auto bad_secret = verifier_.Verify(Signed("/", "{}", kinesis_headers_, wrong, clock_.WallNow()), false);
  ASSERT_TRUE(bad_secret.has_value());
  EXPECT_EQ(bad_secret->code, "InvalidSignatureException");
  EXPECT_EQ(bad_secret->http_status, 403);

  HttpRequest tampered = Signed("/", "{}", kinesis_headers_, kCredentials, clock_.WallNow());
  tampered.body = "{\"StreamName\":\"other\"}";
  EXPECT_EQ(verifier_.Verify(tampered, false)->code, "InvalidSignatureException");
  HttpRequest retargeted = Signed("/", "{}", kinesis_headers_, kCredentials, clock_.WallNow());
  for (auto& [k, v] : retargeted.headers) {
    if (k == "X-Amz-Target") v = "Kinesis_20131202.DeleteStream";
  }
  EXPECT_EQ(verifier_.Verify(retargeted, false)->code, "InvalidSignatureException");
}

TEST_F(SigV4VerifierTest, RejectsSignaturesMoreThanFiveMinutesOff) {
  HttpRequest old = Signed("/", "{}", kinesis_headers_, kCredentials,
                           clock_.WallNow() - std::chrono::minutes(6));
  auto failure = verifier_.Verify(old, false);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code, "InvalidSignatureException");
  EXPECT_EQ(failure->message.rfind("Signature expired: ", 0), 0u) << failure->message;
  HttpRequest recent = Signed("/", "{}", kinesis_headers_, kCredentials,
                              clock_.WallNow() - std::chrono::minutes(4));
  EXPECT_FALSE(verifier_.Verify(recent, false).has_value());
}

// Found by fuzz_ingest_http: a year out of WallTime's range overflowed while it was converted.
TEST_F(SigV4VerifierTest, RejectsImpossibleOrFarDates) {
  for (const char* date : {"10130050T000000Z", "99991231T235959Z", "20261301T000000Z"}) {
    HttpRequest request = Signed("/", "{}", kinesis_headers_, kCredentials, clock_.WallNow());
    for (auto& [name, value] : request.headers) {
      if (name == "X-Amz-Date") value = date;
    }
    auto failure = verifier_.Verify(request, false);
    ASSERT_TRUE(failure.has_value()) << date;
    EXPECT_NE(failure->http_status, 200) << date;
  }
}

TEST_F(SigV4VerifierTest, RejectsMissingOrMalformedAuthorization) {
  HttpRequest none;
  none.method = "POST";
  none.path = "/describeStream";
  EXPECT_EQ(verifier_.Verify(none, false)->code, "MissingAuthenticationTokenException");
  none.headers = {{"Authorization", "Basic dXNlcjpwYXNz"}};
  EXPECT_EQ(verifier_.Verify(none, false)->code, "IncompleteSignatureException");
}

TEST_F(SigV4VerifierTest, AcceptsAHostSignedWithoutItsPortAsKvssinkDoes) {
  HttpRequest request = Signed("/putMedia", "", {{"x-amzn-stream-name", "cam"}}, kCredentials,
                               clock_.WallNow(), "kinesisvideo", aws::kEmptyPayloadSha256,
                               "127.0.0.1");
  for (auto& [k, v] : request.headers) {
    if (EqualsIgnoreCase(k, "host")) v = "127.0.0.1:4567";  // what actually arrives
  }
  EXPECT_FALSE(verifier_.Verify(request, true).has_value());
}

TEST_F(SigV4VerifierTest, AcceptsStreamedBodiesSignedAsEmptyOrUnsigned) {
  for (std::string_view hash : {aws::kEmptyPayloadSha256, aws::kUnsignedPayload}) {
    HttpRequest request = Signed("/putMedia", "", {{"x-amzn-stream-name", "cam"}}, kCredentials,
                                 clock_.WallNow(), "kinesisvideo", hash);
    EXPECT_FALSE(verifier_.Verify(request, true).has_value()) << hash;
  }
}

TEST_F(SigV4VerifierTest, ExemptPathsNeedNoSignature) {
  verifier_.Exempt("/hls/");
  HttpRequest request;
  request.method = "GET";
  request.path = "/hls/abc/index.m3u8";
  EXPECT_FALSE(verifier_.Verify(request, false).has_value());
}

// End to end: a server with credentials refuses unsigned calls and serves signed ones.
class SignedServerTest : public testing::IngestServerTest {
 protected:
  void Configure(IngestOptions* options) override { options->credentials = {kCredentials}; }

  testing::Reply SignedPost(const std::string& path, const std::string& body, net::Headers headers,
                            const aws::Credentials& credentials, const std::string& service) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_ + path;
    request.headers = std::move(headers);
    request.body = body;
    aws::SigningParams params{service, "us-east-1", clock_.WallNow()};
    EXPECT_TRUE(aws::SignRequest(&request, credentials, params).ok());
    return testing::Post(request.url, body, request.headers);
  }
};

TEST_F(SignedServerTest, ServesSignedCallsAndRefusesOthers) {
  json create = {{"StreamName", "s"}, {"ShardCount", 1}};
  net::Headers headers = {{"Content-Type", "application/x-amz-json-1.1"},
                          {"X-Amz-Target", "Kinesis_20131202.CreateStream"}};
  testing::Reply unsigned_call = testing::Post(url_ + "/", create.dump(), headers);
  EXPECT_EQ(unsigned_call.status, 403);
  EXPECT_EQ(unsigned_call.Json()["__type"], "MissingAuthenticationTokenException");
  testing::Reply signed_call = SignedPost("/", create.dump(), headers, kCredentials, "kinesis");
  EXPECT_EQ(signed_call.status, 200) << signed_call.body;
  aws::Credentials wrong{kCredentials.access_key_id, "wrong", "", {}};
  testing::Reply kvs = SignedPost("/createStream", json{{"StreamName", "v"}}.dump(),
                                  {{"Content-Type", "application/json"}}, wrong, "kinesisvideo");
  EXPECT_EQ(kvs.status, 403);
  EXPECT_EQ(kvs.Header("x-amzn-ErrorType"), "InvalidSignatureException");
}

TEST_F(SignedServerTest, PutMediaNeedsASignatureToo) {
  ASSERT_EQ(SignedPost("/createStream", json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(),
                       {{"Content-Type", "application/json"}}, kCredentials, "kinesisvideo")
                .status,
            200);
  testing::RawConnection unsigned_upload(server_->port());
  unsigned_upload.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                       "x-amzn-stream-name: cam\r\n\r\n");
  EXPECT_NE(unsigned_upload.ReadAll().find("HTTP/1.1 403"), std::string::npos);

  net::HttpRequest request;
  request.method = "POST";
  request.url = url_ + "/putMedia";
  request.headers = {{"x-amzn-stream-name", "cam"}, {"Transfer-Encoding", "chunked"}};
  aws::SigningParams params{"kinesisvideo", "us-east-1", clock_.WallNow()};
  ASSERT_TRUE(aws::SignRequest(&request, kCredentials, params, aws::kEmptyPayloadSha256).ok());
  std::string head = "POST /putMedia HTTP/1.1\r\n";
  for (const auto& [k, v] : request.headers) head += k + ": " + v + "\r\n";
  testing::RawConnection upload(server_->port());
  upload.Send(head + "\r\n");
  testing::MkvStream mkv = testing::MakeMkvStream(clock_, 1);
  upload.SendChunk(mkv.All());
  upload.SendChunk("");
  std::string answer = upload.ReadAll();
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_NE(answer.find("PERSISTED"), std::string::npos) << answer;
}

// GetMedia's request is read whole before its answer streams, so its body is signed and checked
// like any JSON call's (not as a streamed upload's).
TEST_F(SignedServerTest, GetMediaChecksTheSignatureOfItsBody) {
  ASSERT_EQ(SignedPost("/createStream", json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(),
                       {{"Content-Type", "application/json"}}, kCredentials, "kinesisvideo")
                .status,
            200);
  std::string body = json{{"StreamName", "cam"}, {"StartSelector", {{"StartSelectorType", "NOW"}}}}.dump();
  net::HttpRequest request;
  request.method = "POST";
  request.url = url_ + "/getMedia";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  aws::SigningParams params{"kinesisvideo", "us-east-1", clock_.WallNow()};
  ASSERT_TRUE(aws::SignRequest(&request, kCredentials, params).ok());
  auto send = [&](const std::string& sent_body) {
    std::string head = "POST /getMedia HTTP/1.1\r\nContent-Length: " + std::to_string(sent_body.size()) + "\r\n";
    for (const auto& [k, v] : request.headers) head += k + ": " + v + "\r\n";
    auto conn = std::make_unique<testing::RawConnection>(server_->port());
    conn->Send(head + "\r\n" + sent_body);
    conn->ReadUntil("\r\n\r\n");
    return conn;
  };
  EXPECT_NE(send(body)->received().find("HTTP/1.1 200"), std::string::npos);
  std::string tampered = body;
  tampered.replace(tampered.find("NOW"), 3, "EAR");
  std::string answer = send(tampered)->ReadAll();
  EXPECT_NE(answer.find("HTTP/1.1 403"), std::string::npos) << answer;
  EXPECT_NE(answer.find("InvalidSignatureException"), std::string::npos) << answer;
}

}  // namespace
}  // namespace kedge::ingest
