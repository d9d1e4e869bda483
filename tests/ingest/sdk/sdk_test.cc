// The official AWS SDK for JavaScript v3 against kedge-ingest with SigV4 enforced (integration:
// needs node and the npm packages scripts/install-deps puts in .peers/).
#include <gtest/gtest.h>

#include <cstdio>

#include "platform/aws/sigv4.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"
#include "tests/support/test_util.h"
#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::ingest {
namespace {

const aws::Credentials kCredentials{"AKIDKEDGEINGEST", "kedge-ingest-test-secret", "", {}};

class SdkTest : public testing::IngestServerTest {
 protected:
  void Configure(IngestOptions* options) override { options->credentials = {kCredentials}; }
};

TEST_F(SdkTest, AwsSdkForJavaScriptWorksAgainstKedgeIngest) {
  std::string peers = kedge::testing::SourceDir() + "/.peers";
  ASSERT_TRUE(Env::Default().FileExists(peers + "/node_modules/@aws-sdk/client-kinesis"))
      << "run scripts/install-deps: it installs the AWS SDK for JavaScript into " << peers;
  ASSERT_TRUE(video::mkv::testing::RequireTool("node"));
  // The SDK runs on the real clock; sign with it too.
  clock_.SetWall(Clock::Real().WallNow());

  // A video stream with fragments, uploaded with a signed PutMedia.
  net::HttpRequest create;
  create.method = "POST";
  create.url = url_ + "/createStream";
  create.headers = {{"Content-Type", "application/json"}};
  create.body = R"({"StreamName":"door","DataRetentionInHours":24})";
  aws::SigningParams params{"kinesisvideo", "us-east-1", clock_.WallNow()};
  ASSERT_TRUE(aws::SignRequest(&create, kCredentials, params).ok());
  ASSERT_EQ(testing::Post(create.url, create.body, create.headers).status, 200);
  net::HttpRequest put;
  put.method = "POST";
  put.url = url_ + "/putMedia";
  put.headers = {{"x-amzn-stream-name", "door"}, {"Transfer-Encoding", "chunked"}};
  ASSERT_TRUE(aws::SignRequest(&put, kCredentials, params, aws::kEmptyPayloadSha256).ok());
  std::string head = "POST /putMedia HTTP/1.1\r\n";
  for (const auto& [k, v] : put.headers) head += k + ": " + v + "\r\n";
  testing::RawConnection upload(server_->port());
  upload.Send(head + "\r\n");
  upload.SendChunk(testing::MakeMkvStream(clock_, 3, 25).All());
  upload.SendChunk("");
  ASSERT_NE(upload.ReadAll().find("PERSISTED"), std::string::npos);

  std::string command = "KEDGE_PEERS='" + peers + "' AWS_ACCESS_KEY_ID=" + kCredentials.access_key_id +
                        " AWS_SECRET_ACCESS_KEY=" + kCredentials.secret_access_key +
                        " node '" + kedge::testing::SourceDir() +
                        "/tests/ingest/sdk/sdk_check.cjs' " + url_ + " door";
  std::string output;
  int rc = video::mkv::testing::RunCommand(command, &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("ok kinesis"), std::string::npos) << output;
  EXPECT_NE(output.find("ok firehose"), std::string::npos) << output;
  EXPECT_NE(output.find("ok video control plane"), std::string::npos) << output;
  EXPECT_NE(output.find("ok archived media 3 fragments"), std::string::npos) << output;
}

}  // namespace
}  // namespace kedge::ingest
