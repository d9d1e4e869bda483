#include "tests/integration/kinesis_test_proxy.h"

#include <nlohmann/json.hpp>

#include "tests/support/test_pki.h"

namespace kedge::testing {
namespace {

TestHttpServerOptions ServerOptions(bool tls) {
  if (!tls) return {};
  return TestHttpServerOptions::Tls(TestPki::Shared().server());
}

}  // namespace

KinesisTestProxy::KinesisTestProxy(std::string upstream, bool tls)
    : upstream_(std::move(upstream)),
      verifier_(
          [](std::string_view key) -> std::optional<std::string> {
            if (key == kTestAccessKeyId) return std::string(kTestSecretKey);
            return std::nullopt;
          },
          Clock::Real()),
      server_([this](const TestHttpRequest& r) { return Handle(r); }, ServerOptions(tls)) {}

TestHttpResponse KinesisTestProxy::Handle(const TestHttpRequest& request) {
  if (ProxyOutage outage = outage_.load(); outage != ProxyOutage::kNone) {
    ++refused_;
    TestHttpResponse down;
    if (outage == ProxyOutage::kReset) {
      down.action = TestHttpAction::kReset;
    } else {
      down.status = 503;
      down.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
      down.body = R"({"__type":"ServiceUnavailable","message":"test outage"})";
    }
    return down;
  }
  aws::IncomingRequest in;
  in.method = request.method;
  in.target = request.path;
  in.headers = request.headers;
  in.body = request.body;
  aws::ApiError error;
  TestHttpResponse out;
  if (!verifier_.Verify(in, &error)) {
    ++rejected_;
    out.status = error.http_status;
    out.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    out.body = nlohmann::json{{"__type", error.code}, {"message", error.message}}.dump();
    return out;
  }
  ++verified_;
  // Each connection thread forwards with its own client: HttpClient is single-threaded.
  thread_local std::unique_ptr<net::HttpClient> client =
      net::NewCurlHttpClient(net::HttpClientOptions{});
  net::HttpRequest forward;
  forward.method = "POST";
  forward.url = upstream_;
  forward.body = request.body;
  for (const char* name : {"content-type", "x-amz-target", "authorization", "x-amz-date"}) {
    forward.headers.emplace_back(name, std::string(request.Header(name)));
  }
  auto response = client->Send(std::move(forward));
  if (!response.ok()) {
    out.status = 502;
    out.body = response.status().ToString();
    return out;
  }
  out.status = response->status;
  out.headers = {{"Content-Type", std::string(response->Header("content-type"))}};
  out.body = std::move(response->body);
  return out;
}

}  // namespace kedge::testing
