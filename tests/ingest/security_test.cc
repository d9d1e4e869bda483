// TLS, and requests that try to reach outside the data dir.
#include <gtest/gtest.h>

#include "ingest/kvs/fragment_files.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/raw_connection.h"
#include "tests/support/test_util.h"
#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

class TlsServerTest : public testing::IngestServerTest {
 protected:
  void SetUp() override {
    cert_dir_ = kedge::testing::MakeTempDir("kedge-tls");
    std::string output;
    ASSERT_TRUE(video::mkv::testing::RequireTool("openssl"));
    ASSERT_EQ(video::mkv::testing::RunCommand(
                  "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                  "-addext subjectAltName=IP:127.0.0.1 -keyout '" + cert_dir_ + "/key.pem' -out '" +
                      cert_dir_ + "/cert.pem' 2>&1",
                  &output),
              0)
        << output;
    IngestServerTest::SetUp();
  }
  void TearDown() override {
    IngestServerTest::TearDown();
    ASSERT_EQ(std::system(("rm -rf '" + cert_dir_ + "'").c_str()), 0);
  }
  void Configure(IngestOptions* options) override {
    options->tls_cert_file = cert_dir_ + "/cert.pem";
    options->tls_key_file = cert_dir_ + "/key.pem";
  }
  std::string cert_dir_;
};

TEST_F(TlsServerTest, ServesHttpsWithTheGivenCertificate) {
  EXPECT_EQ(url_.rfind("https://127.0.0.1:", 0), 0u) << url_;
  testing::Reply reply = testing::Post(url_ + "/createStream", json{{"StreamName", "tls"}}.dump(),
                                       {{"Content-Type", "application/json"}}, cert_dir_ + "/cert.pem");
  EXPECT_EQ(reply.status, 200) << reply.error;
  testing::Reply untrusted = testing::Post(url_ + "/listStreams", "{}", {});
  EXPECT_EQ(untrusted.status, 0);  // the system store does not trust a self-signed certificate
}

TEST(TlsOptionsTest, ExplainsUnreadableCertificates) {
  std::string dir = kedge::testing::MakeTempDir("kedge-tls-bad");
  IngestOptions options;
  options.data_dir = dir;
  options.tls_cert_file = dir + "/missing.pem";
  options.tls_key_file = dir + "/missing-key.pem";
  FakeClock clock;
  auto server = IngestServer::Start(options, clock, Env::Default());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("--tls-cert"), std::string::npos);
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
}

class TraversalTest : public testing::IngestServerTest {};

TEST_F(TraversalTest, NoRequestReachesFilesOutsideTheApi) {
  for (std::string target : {"/../../etc/passwd", "/kvs/1/headers/1.mkv", "/ingest.db",
                             "/%2e%2e/%2e%2e/etc/passwd"}) {
    for (std::string method : {"GET", "POST"}) {
      testing::RawConnection conn(server_->port());
      conn.Send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n");
      std::string answer = conn.ReadAll();
      EXPECT_NE(answer.find("HTTP/1.1 404"), std::string::npos) << method << " " << target;
      EXPECT_EQ(answer.find("root:"), std::string::npos);
    }
  }
}

TEST_F(TraversalTest, StreamNamesCannotNamePaths) {
  // (".." is a valid stream name: names never become paths; streams are stored by id.)
  for (std::string name : {"../x", "a/b", ""}) {
    testing::Reply kvs = testing::Post(url_ + "/createStream", json{{"StreamName", name}}.dump(), {});
    EXPECT_EQ(kvs.status, 400) << name;
    testing::Reply kds = testing::CallJson(url_, "Kinesis_20131202.CreateStream",
                                           {{"StreamName", name}, {"ShardCount", 1}});
    EXPECT_EQ(kds.status, 400) << name;
  }
  testing::RawConnection conn(server_->port());
  conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "x-amzn-stream-name: ../../etc\r\n\r\n");
  EXPECT_NE(conn.ReadAll().find("HTTP/1.1 404"), std::string::npos);
}

TEST(FragmentFilesTest, RefusesPathsOutsideItsTree) {
  FragmentFiles files("/tmp/nowhere", Env::Default());
  for (std::string path : {"../etc/passwd", "/etc/passwd", "kvs/../../etc/passwd", "ingest.db"}) {
    StatusOr<std::string> read = files.Read(path);
    ASSERT_FALSE(read.ok()) << path;
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << path;
  }
}

}  // namespace
}  // namespace kedge::ingest
