#include "video/kvs/kvs_control_plane.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/aws/credential_providers.h"
#include "platform/aws/sigv4.h"
#include "platform/aws/sigv4_verifier.h"
#include "tests/video/kvs/fake_http_client.h"

namespace kedge::video::kvs {
namespace {

using testing::FakeHttpClient;
using testing::JsonResponse;

class KvsControlPlaneTest : public ::testing::Test {
 protected:
  KvsControlPlane Make() {
    return KvsControlPlane(http_, credentials_, clock_,
                           KvsControlPlane::Options{"http://control.test/", "eu-west-1", Millis(5000)});
  }
  FakeClock clock_;
  aws::StaticCredentialsProvider credentials_{aws::Credentials{"AKIDCP", "cp-secret", "", {}}};
  FakeHttpClient http_;
};

TEST_F(KvsControlPlaneTest, FormatsTheProducerStartTimestampWithThreeDecimals) {
  EXPECT_EQ(FormatProducerStartTimestamp(1615717079836), "1615717079.836");
  EXPECT_EQ(FormatProducerStartTimestamp(1615717079005), "1615717079.005");
  EXPECT_EQ(FormatProducerStartTimestamp(1000), "1.000");
}

TEST_F(KvsControlPlaneTest, PutMediaIsSignedForKinesisVideoWithTheEmptyPayloadHash) {
  KvsControlPlane cp = Make();
  StatusOr<net::HttpRequest> request = cp.PutMediaRequest("http://s-1.data.test/", "cam", 5005);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->url, "http://s-1.data.test/putMedia");
  aws::SigV4Verifier verifier(
      [](std::string_view key) -> std::optional<std::string> {
        if (key == "AKIDCP") return std::string("cp-secret");
        return std::nullopt;
      },
      clock_);
  aws::IncomingRequest incoming;
  incoming.method = "POST";
  incoming.target = "/putMedia";
  incoming.headers = request->headers;
  incoming.accepted_payload_hashes = {std::string(aws::kEmptyPayloadSha256)};
  aws::ApiError error;
  std::optional<aws::VerifiedIdentity> who = verifier.Verify(incoming, &error);
  ASSERT_TRUE(who.has_value()) << error.code << ": " << error.message;
  EXPECT_EQ(who->service, "kinesisvideo");
  EXPECT_EQ(who->region, "eu-west-1");
  bool found = false;
  for (const auto& [name, value] : request->headers) {
    if (name == "x-amzn-producer-start-timestamp") found = value == "5.005";
  }
  EXPECT_TRUE(found);
}

TEST_F(KvsControlPlaneTest, CreateStreamSendsTheRetentionAndReturnsTheArn) {
  KvsControlPlane cp = Make();
  std::string body;
  http_.responder = [&](const FakeHttpClient::Request& r) -> std::optional<net::HttpResponse> {
    body = r.request.body;
    EXPECT_EQ(r.path, "/createStream");
    return JsonResponse(200, "{\"StreamARN\":\"arn:x\"}");
  };
  CreateStreamRequest request;
  request.stream_name = "cam";
  request.retention_hours = 48;
  std::optional<StatusOr<std::string>> arn;
  cp.CreateStream(request, [&](StatusOr<std::string> r) { arn.emplace(std::move(r)); });
  http_.Poll(Millis(0));
  ASSERT_TRUE(arn.has_value());
  ASSERT_TRUE(arn->ok());
  EXPECT_EQ(**arn, "arn:x");
  nlohmann::json sent = nlohmann::json::parse(body);
  EXPECT_EQ(sent["StreamName"], "cam");
  EXPECT_EQ(sent["DataRetentionInHours"], 48);
  EXPECT_EQ(sent["MediaType"], "video/h264");
}

TEST_F(KvsControlPlaneTest, ANotFoundAnswerIsNotFoundNamingTheCall) {
  KvsControlPlane cp = Make();
  http_.responder = [](const FakeHttpClient::Request&) -> std::optional<net::HttpResponse> {
    return JsonResponse(404, "{\"message\":\"The requested stream cam was not found.\"}",
                        "ResourceNotFoundException:http://internal.amazon.com/");
  };
  std::optional<StatusOr<StreamDescription>> d;
  cp.DescribeStream("cam", [&](StatusOr<StreamDescription> r) { d.emplace(std::move(r)); });
  http_.Poll(Millis(0));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->status().code(), StatusCode::kNotFound);
  EXPECT_NE(d->status().message().find("DescribeStream of stream cam"), std::string::npos);
}

TEST_F(KvsControlPlaneTest, ADataEndpointThatIsNotAUrlIsAnError) {
  KvsControlPlane cp = Make();
  http_.responder = [](const FakeHttpClient::Request&) -> std::optional<net::HttpResponse> {
    return JsonResponse(200, "{\"DataEndpoint\":\"ftp://x\"}");
  };
  std::optional<StatusOr<std::string>> url;
  cp.GetDataEndpoint("cam", "PUT_MEDIA", [&](StatusOr<std::string> r) { url.emplace(std::move(r)); });
  http_.Poll(Millis(0));
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->status().code(), StatusCode::kInternal);
}

TEST_F(KvsControlPlaneTest, APendingCallIsAbandonedWhenTheClientGoesAway) {
  bool called = false;
  {
    KvsControlPlane cp = Make();
    cp.DescribeStream("cam", [&](StatusOr<StreamDescription>) { called = true; });
  }
  http_.responder = [](const FakeHttpClient::Request&) -> std::optional<net::HttpResponse> {
    return JsonResponse(200, "{}");
  };
  http_.Poll(Millis(0));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace kedge::video::kvs
