// TLS: server verification with a custom CA, each verification failure named in the message,
// and mutual TLS. Certificates come from TestPki, generated for this run.

#include <gtest/gtest.h>

#include "platform/net/curl_http_client.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"

namespace kedge::net {
namespace {

using kedge::testing::PemFiles;
using kedge::testing::TestHttpRequest;
using kedge::testing::TestHttpResponse;
using kedge::testing::TestHttpServer;
using kedge::testing::TestHttpServerOptions;
using kedge::testing::TestPki;

TestHttpResponse Ok(const TestHttpRequest&) {
  TestHttpResponse response;
  response.body = "secure";
  return response;
}

class CurlHttpClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.ok()); }

  // Starts a TLS server presenting `cert`; `client_ca` non-empty requires client certificates.
  std::unique_ptr<TestHttpServer> StartServer(const PemFiles& cert,
                                              const std::string& client_ca = "") {
    auto server = std::make_unique<TestHttpServer>(Ok, TestHttpServerOptions::Tls(cert, client_ca));
    Status started = server->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return server;
  }

  // Sends one GET with a client that trusts the test CA (plus `tls` changes).
  StatusOr<HttpResponse> Get(const std::string& url, TlsOptions tls = TrustTestCa()) {
    HttpClientOptions options;
    options.tls = std::move(tls);
    HttpRequest request;
    request.url = url;
    return NewCurlHttpClient(options)->Send(request);
  }

  static TlsOptions TrustTestCa() {
    TlsOptions tls;
    tls.ca_file = TestPki::Shared().ca_file();
    return tls;
  }

  const TestPki& pki_ = TestPki::Shared();
};

void ExpectFailure(const StatusOr<HttpResponse>& response, StatusCode code,
                   const std::string& part) {
  ASSERT_FALSE(response.ok()) << "expected failure containing '" << part << "'";
  EXPECT_EQ(response.status().code(), code) << response.status().ToString();
  EXPECT_NE(response.status().message().find(part), std::string::npos)
      << response.status().message();
}

TEST_F(CurlHttpClientTlsTest, SucceedsWithCustomCa) {
  auto server = StartServer(pki_.server());
  StatusOr<HttpResponse> response = Get(server->Url("/"));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "secure");
}

TEST_F(CurlHttpClientTlsTest, SucceedsByHostNameLocalhost) {
  auto server = StartServer(pki_.server());
  StatusOr<HttpResponse> response =
      Get("https://localhost:" + std::to_string(server->port()) + "/");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
}

TEST_F(CurlHttpClientTlsTest, ReusesTheConnectionAcrossRequests) {
  auto server = StartServer(pki_.server());
  HttpClientOptions options;
  options.tls = TrustTestCa();
  std::unique_ptr<HttpClient> client = NewCurlHttpClient(options);
  for (int i = 0; i < 3; ++i) {
    HttpRequest request;
    request.url = server->Url("/");
    StatusOr<HttpResponse> response = client->Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
  }
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST_F(CurlHttpClientTlsTest, UntrustedCertificateFailsNamingTheCause) {
  auto server = StartServer(pki_.untrusted_server());
  ExpectFailure(Get(server->Url("/")), StatusCode::kFailedPrecondition,
                "TLS: certificate of 127.0.0.1 is not trusted (self-signed or unknown CA): set "
                "tls.ca_file or fix the chain");
}

TEST_F(CurlHttpClientTlsTest, ExpiredCertificateFailsNamingTheCause) {
  auto server = StartServer(pki_.expired_server());
  ExpectFailure(Get(server->Url("/")), StatusCode::kFailedPrecondition,
                "TLS: certificate of 127.0.0.1 has expired");
}

TEST_F(CurlHttpClientTlsTest, WrongHostCertificateFailsNamingTheCause) {
  auto server = StartServer(pki_.wrong_host_server());
  ExpectFailure(Get(server->Url("/")), StatusCode::kFailedPrecondition,
                "TLS: certificate of 127.0.0.1 does not match the host name");
}

TEST_F(CurlHttpClientTlsTest, VerificationCanBeSwitchedOffExplicitly) {
  auto server = StartServer(pki_.untrusted_server());
  TlsOptions tls;
  tls.verify_peer = false;
  StatusOr<HttpResponse> response = Get(server->Url("/"), tls);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
}

TEST_F(CurlHttpClientTlsTest, MutualTlsSucceedsWithClientCertificate) {
  auto server = StartServer(pki_.server(), pki_.ca_file());
  TlsOptions tls = TrustTestCa();
  tls.client_cert = pki_.client().cert_file;
  tls.client_key = pki_.client().key_file;
  StatusOr<HttpResponse> response = Get(server->Url("/"), tls);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "secure");
  EXPECT_EQ(server->tls_handshake_failures(), 0);
}

TEST_F(CurlHttpClientTlsTest, MutualTlsWithoutClientCertificateFails) {
  auto server = StartServer(pki_.server(), pki_.ca_file());
  ExpectFailure(Get(server->Url("/")), StatusCode::kFailedPrecondition,
                "requires a client certificate");
  EXPECT_EQ(server->tls_handshake_failures(), 1);
  EXPECT_TRUE(server->requests().empty());
}

TEST_F(CurlHttpClientTlsTest, MutualTlsWithUntrustedClientCertificateFails) {
  auto server = StartServer(pki_.server(), pki_.ca_file());
  TlsOptions tls = TrustTestCa();
  tls.client_cert = pki_.untrusted_client().cert_file;
  tls.client_key = pki_.untrusted_client().key_file;
  ExpectFailure(Get(server->Url("/"), tls), StatusCode::kFailedPrecondition,
                "rejected the client certificate");
  EXPECT_TRUE(server->requests().empty());
}

TEST_F(CurlHttpClientTlsTest, MissingClientCertificateFileIsInvalidArgument) {
  auto server = StartServer(pki_.server(), pki_.ca_file());
  TlsOptions tls = TrustTestCa();
  tls.client_cert = pki_.dir() + "/does-not-exist.crt";
  tls.client_key = pki_.dir() + "/does-not-exist.key";
  ExpectFailure(Get(server->Url("/"), tls), StatusCode::kInvalidArgument, "does-not-exist.crt");
}

TEST_F(CurlHttpClientTlsTest, MissingCaFileIsInvalidArgument) {
  auto server = StartServer(pki_.server());
  TlsOptions tls;
  tls.ca_file = pki_.dir() + "/no-ca.crt";
  ExpectFailure(Get(server->Url("/"), tls), StatusCode::kInvalidArgument, "no-ca.crt");
}

}  // namespace
}  // namespace kedge::net
