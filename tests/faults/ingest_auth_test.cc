// kedge-ingest with credentials configured, attacked the ways a network peer can: a wrong access
// key, a wrong secret, a date more than 15 minutes off, a captured signed request replayed after
// the 5-minute window, a tampered body; path traversal through stream names and HLS URLs;
// oversize bodies and headers; more connections than allowed; connections that idle or send
// a request slowly. Each is refused in the service's error shape and nothing leaks.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/aws/sigv4.h"
#include "platform/aws/time_format.h"
#include "tests/faults/fault_test_util.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/raw_connection.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;
using testing::RawConnection;
using testing::Reply;

const aws::Credentials kGood{"AKIDINGESTAUTH", "ingest-auth-secret-K2", "", {}};

class IngestAuthTest : public testing::IngestServerTest {
 protected:
  void Configure(IngestOptions* options) override {
    options->credentials = {kGood};
    options->http.max_connections = 8;
    options->http.max_body_bytes = 1024 * 1024;
    options->http.idle_timeout = std::chrono::milliseconds(300);
    options->http.request_timeout = std::chrono::milliseconds(500);
  }

  // A request signed with `credentials` at `time` (the server's clock by default).
  net::HttpRequest Signed(const std::string& path, const std::string& body,
                          const aws::Credentials& credentials, std::string target = "",
                          std::optional<WallTime> time = std::nullopt) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url_ + path;
    request.body = body;
    if (target.empty()) {
      request.headers = {{"Content-Type", "application/json"}};
    } else {
      request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                         {"X-Amz-Target", target}};
    }
    aws::SigningParams params;
    params.service = target.empty() ? "kinesisvideo" : "kinesis";
    params.region = "us-east-1";
    params.time = time.value_or(clock_.WallNow());
    EXPECT_TRUE(aws::SignRequest(&request, credentials, params).ok());
    return request;
  }

  static Reply Send(const net::HttpRequest& request) {
    return testing::Post(request.url, request.body, request.headers);
  }

  // The REST (Kinesis Video) error shape: status, x-amzn-ErrorType and {"Message"}.
  static void ExpectRestError(const Reply& reply, int status, const std::string& code,
                              const std::string& message_part = "") {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.Header("x-amzn-errortype").substr(0, code.size()), code) << reply.body;
    json body = reply.Json();
    ASSERT_TRUE(body.is_object()) << reply.body;
    EXPECT_NE(body.value("Message", body.value("message", "")).find(message_part),
              std::string::npos)
        << reply.body;
    EXPECT_EQ(reply.body.find(kGood.secret_access_key), std::string::npos);
  }

  std::string CreateStreamBody() const { return json{{"StreamName", "auth-cam"}}.dump(); }
};

TEST_F(IngestAuthTest, ACorrectlySignedRequestIsServed) {
  Reply reply = Send(Signed("/createStream", CreateStreamBody(), kGood));
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(IngestAuthTest, AWrongAccessKeyIsRefusedAsUnrecognizedClient) {
  aws::Credentials wrong = kGood;
  wrong.access_key_id = "AKIDSOMEONEELSE";
  ExpectRestError(Send(Signed("/createStream", CreateStreamBody(), wrong)), 403,
                  "UnrecognizedClientException");
  // The JSON 1.1 APIs answer as Kinesis does: 400 with __type.
  Reply kds = Send(Signed("/", json{{"StreamName", "s"}, {"ShardCount", 1}}.dump(), wrong,
                          "Kinesis_20131202.CreateStream"));
  EXPECT_EQ(kds.status, 400) << kds.body;
  EXPECT_EQ(kds.Json().value("__type", ""), "UnrecognizedClientException") << kds.body;
}

TEST_F(IngestAuthTest, AWrongSecretIsRefusedAsInvalidSignature) {
  aws::Credentials wrong = kGood;
  wrong.secret_access_key = "not-the-secret";
  ExpectRestError(Send(Signed("/createStream", CreateStreamBody(), wrong)), 403,
                  "InvalidSignatureException", "signature we calculated does not match");
}

TEST_F(IngestAuthTest, ADateTwentyMinutesOffIsRefusedAsExpiredWithTheServiceTime) {
  for (auto off : {-std::chrono::minutes(20), std::chrono::minutes(20)}) {
    Reply reply = Send(Signed("/createStream", CreateStreamBody(), kGood, "",
                              clock_.WallNow() + off));
    ExpectRestError(reply, 403, "InvalidSignatureException", "Signature expired");
    // The answer's Date is the service's time, so a client can correct its clock.
    auto date = aws::ParseHttpDate(reply.Header("date"));
    ASSERT_TRUE(date.ok()) << reply.Header("date");
    EXPECT_LE(std::chrono::abs(*date - clock_.WallNow()), std::chrono::seconds(1));
  }
}

TEST_F(IngestAuthTest, ACapturedRequestReplayedAfterFiveMinutesIsRefused) {
  net::HttpRequest captured = Signed("/describeStream", CreateStreamBody(), kGood);
  ASSERT_EQ(Send(Signed("/createStream", CreateStreamBody(), kGood)).status, 200);
  EXPECT_EQ(Send(captured).status, 200) << "within the window, as AWS";
  clock_.Advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  ExpectRestError(Send(captured), 403, "InvalidSignatureException", "Signature expired");
}

TEST_F(IngestAuthTest, ATamperedBodyIsRefused) {
  net::HttpRequest request = Signed("/createStream", CreateStreamBody(), kGood);
  request.body = json{{"StreamName", "someone-elses"}}.dump();
  ExpectRestError(Send(request), 403, "InvalidSignatureException");
  net::HttpRequest kds = Signed("/", json{{"StreamName", "s"}, {"ShardCount", 1}}.dump(), kGood,
                                "Kinesis_20131202.CreateStream");
  kds.body = json{{"StreamName", "s"}, {"ShardCount", 100}}.dump();
  Reply reply = Send(kds);
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_EQ(reply.Json().value("__type", ""), "InvalidSignatureException") << reply.body;
}

TEST_F(IngestAuthTest, StreamNamesAndHlsPathsCannotReachFiles) {
  for (std::string name : {"../../etc", "a/../../b", "..%2f..%2fetc"}) {
    Reply reply = Send(Signed("/createStream", json{{"StreamName", name}}.dump(), kGood));
    EXPECT_EQ(reply.status, 400) << name << ": " << reply.body;
  }
  ASSERT_EQ(Send(Signed("/createStream", CreateStreamBody(), kGood)).status, 200);
  Reply session = Send(Signed("/getHLSStreamingSessionURL",
                              json{{"StreamName", "auth-cam"}, {"PlaybackMode", "LIVE"}}.dump(),
                              kGood));
  ASSERT_EQ(session.status, 200) << session.body;
  std::string hls = session.Json().value("HLSStreamingSessionURL", "");
  std::string token = hls.substr(hls.find("SessionToken=") + 13);
  for (std::string target :
       {"/hls/../../../etc/passwd?SessionToken=" + token,
        "/hls/%2e%2e/%2e%2e/etc/passwd?SessionToken=" + token,
        "/hls/getTSFragment.ts?SessionToken=" + token + "&FragmentNumber=../../ingest.db",
        "/hls/getTSFragment.ts?SessionToken=" + token + "&FragmentNumber=%2e%2e%2fingest.db",
        "/hls/..%2f..%2fingest.db?SessionToken=" + token,
        "/hls/getHLSMediaPlaylist.m3u8?SessionToken=../" + token}) {
    Reply reply = testing::Get(url_ + target);
    EXPECT_GE(reply.status, 400) << target;
    EXPECT_LT(reply.status, 500) << target;
    EXPECT_EQ(reply.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(reply.body.find("SQLite format"), std::string::npos) << target;
  }
}

TEST_F(IngestAuthTest, OversizeBodiesAndHeadersAreRefused) {
  std::string big(2 * 1024 * 1024, 'x');
  Reply reply = Send(Signed("/createStream", big, kGood));
  EXPECT_EQ(reply.status, 413) << reply.body.substr(0, 200);
  RawConnection conn(server_->port());
  conn.Send("POST /createStream HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') +
            "\r\nContent-Length: 0\r\n\r\n");
  std::string answer = conn.ReadAll();
  EXPECT_TRUE(answer.find("HTTP/1.1 431") != std::string::npos ||
              answer.find("HTTP/1.1 400") != std::string::npos)
      << answer.substr(0, 200);
}

TEST_F(IngestAuthTest, ConnectionsBeyondTheLimitAreRefusedAndTheOthersKeepWorking) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(held.back()->connected());
    // A complete request on each, so the server has surely accepted them all.
    held.back()->Send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    held.back()->ReadUntil("\r\n\r\n");
  }
  RawConnection extra(server_->port());
  extra.Send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(extra.ReadAll().find("HTTP/1.1"), std::string::npos) << "the ninth was served";
  held.clear();  // closing them frees places
  bool served = kedge::testing::PollFor(
      [&] { return Send(Signed("/createStream", CreateStreamBody(), kGood)).status == 200; },
      std::chrono::seconds(5));
  EXPECT_TRUE(served);
}

TEST_F(IngestAuthTest, IdleAndSlowConnectionsAreClosed) {
  RawConnection idle(server_->port());
  ASSERT_TRUE(idle.connected());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(idle.ReadAll(), "") << "closed without an answer";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  RawConnection slow(server_->port());
  slow.Send("POST /createStream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  start = std::chrono::steady_clock::now();
  std::string answer = slow.ReadAll();  // the rest of the body never comes
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
}

}  // namespace
}  // namespace kedge::ingest
