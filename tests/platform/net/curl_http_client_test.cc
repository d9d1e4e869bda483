#include "platform/net/curl_http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tests/support/http_client_test_util.h"
#include "tests/support/test_http_server.h"

namespace kedge::net {
namespace {

using kedge::testing::PollUntil;
using kedge::testing::TestHttpAction;
using kedge::testing::TestHttpRequest;
using kedge::testing::TestHttpResponse;
using kedge::testing::TestHttpServer;
using std::chrono::milliseconds;

TestHttpResponse Echo(const TestHttpRequest& request) {
  TestHttpResponse response;
  response.headers = {{"X-Echo-Method", request.method}, {"Content-Type", "text/plain"}};
  response.body = request.method + " " + request.path + " " + request.body;
  return response;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  TestHttpServer server_{Echo};
  std::unique_ptr<HttpClient> client_ = NewCurlHttpClient(HttpClientOptions{});
};

TEST_F(CurlHttpClientTest, GetReturnsStatusLowerCasedHeadersAndBody) {
  HttpRequest request;
  request.url = server_.Url("/hello?x=1");
  request.headers = {{"X-Request", "abc"}};
  StatusOr<HttpResponse> response = client_->Send(request);

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /hello?x=1 ");
  EXPECT_EQ(response->Header("x-echo-method"), "GET");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  for (const auto& [name, value] : response->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  std::vector<TestHttpRequest> seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("x-request"), "abc");
  EXPECT_EQ(seen[0].Header("user-agent"), HttpClientOptions{}.user_agent);
}

TEST_F(CurlHttpClientTest, PostSendsLargeBodyWithoutExpectContinue) {
  HttpRequest request;
  request.method = "POST";
  request.url = server_.Url("/put");
  request.body = std::string(3 << 20, 'k');
  StatusOr<HttpResponse> response = client_->Send(request);

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "POST /put " + request.body);
  std::vector<TestHttpRequest> seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("expect"), "");
  EXPECT_EQ(seen[0].Header("content-type"), "");  // no form encoding made up by libcurl
  EXPECT_EQ(seen[0].Header("content-length"), std::to_string(request.body.size()));
}

TEST_F(CurlHttpClientTest, OtherMethodsAreSentAsGiven) {
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    HttpRequest request;
    request.method = method;
    request.url = server_.Url("/m");
    StatusOr<HttpResponse> response = client_->Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->Header("x-echo-method"), method);
  }
}

TEST(CurlHttpClientStatusTest, HttpErrorStatusIsAResponseNotAnError) {
  TestHttpServer server([](const TestHttpRequest&) {
    TestHttpResponse response;
    response.status = 503;
    response.body = "busy";
    return response;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.Url("/");
  StatusOr<HttpResponse> response = NewCurlHttpClient({})->Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "busy");
}

TEST_F(CurlHttpClientTest, SequentialRequestsReuseOneConnection) {
  for (int i = 0; i < 5; ++i) {
    HttpRequest request;
    request.method = i % 2 == 0 ? "GET" : "POST";
    request.url = server_.Url("/n" + std::to_string(i));
    request.body = i % 2 == 0 ? "" : "payload";
    StatusOr<HttpResponse> response = client_->Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
  }
  EXPECT_EQ(server_.connections_accepted(), 1);
  EXPECT_EQ(server_.requests().size(), 5u);
}

TEST_F(CurlHttpClientTest, ManyConcurrentRequestsAllCompleteWithinConnectionLimit) {
  HttpClientOptions options;
  options.max_connections = 4;
  std::unique_ptr<HttpClient> client = NewCurlHttpClient(options);
  constexpr int kRequests = 64;
  std::vector<std::optional<StatusOr<HttpResponse>>> results(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.url = server_.Url("/r" + std::to_string(i));
    client->Start(std::move(request),
                  [&results, i](StatusOr<HttpResponse> r) { results[i].emplace(std::move(r)); });
  }
  int finished = 0;
  ASSERT_TRUE(PollUntil(*client,
                        [&] {
                          finished = 0;
                          for (const auto& r : results) finished += r.has_value() ? 1 : 0;
                          return finished == kRequests;
                        }))
      << finished << " of " << kRequests << " finished";
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(results[i]->ok()) << results[i]->status().ToString();
    EXPECT_EQ((*results[i])->body, "GET /r" + std::to_string(i) + " ");
  }
  EXPECT_LE(server_.connections_accepted(), 4);
}

TEST_F(CurlHttpClientTest, StreamedUploadWithPausesArrivesExactly) {
  // A producer thread hands over the body piece by piece, each once the reader has run dry,
  // and wakes the client. The reader pauses whenever it has nothing, and the owner
  // loop unpauses it when a piece is there: the pattern PutMedia uses.
  const std::vector<std::string> pieces = {"first,", std::string(100000, 'x'), "third",
                                           std::string(70000, 'y'), "end"};
  std::string expected;
  for (const auto& p : pieces) expected += p;
  std::mutex mu;
  std::condition_variable starved_cv;
  std::string available;       // guarded by mu
  bool starved = false;        // guarded by mu: the reader found nothing and paused
  bool producer_done = false;  // guarded by mu
  bool paused = false;         // owner thread only
  int pauses = 0;
  std::unique_ptr<HttpClient>& client = client_;
  std::thread producer([&] {
    for (const auto& piece : pieces) {
      std::unique_lock<std::mutex> lock(mu);
      starved_cv.wait(lock, [&] { return starved; });
      starved = false;
      available = piece;
      lock.unlock();
      client->Wakeup();
    }
    std::unique_lock<std::mutex> lock(mu);
    starved_cv.wait(lock, [&] { return starved; });
    producer_done = true;
    client->Wakeup();
  });

  HttpRequest request;
  request.method = "PUT";
  request.url = server_.Url("/upload");
  request.body_reader = [&](char* buf, size_t max) -> size_t {
    std::lock_guard<std::mutex> lock(mu);
    if (available.empty()) {
      if (producer_done) return 0;
      paused = true;
      starved = true;
      ++pauses;
      starved_cv.notify_all();
      return kBodyPause;
    }
    size_t n = available.copy(buf, max);
    available.erase(0, n);
    return n;
  };
  std::optional<StatusOr<HttpResponse>> result;
  HttpClient::RequestId id = client_->Start(
      std::move(request), [&](StatusOr<HttpResponse> r) { result.emplace(std::move(r)); });
  bool finished = PollUntil(*client_, [&] {
    std::unique_lock<std::mutex> lock(mu);
    if (paused && (!available.empty() || producer_done)) {
      paused = false;
      lock.unlock();
      client_->Unpause(id);
    }
    return result.has_value();
  });
  producer.join();
  ASSERT_TRUE(finished);
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ(pauses, static_cast<int>(pieces.size()) + 1);  // before each piece and the end
  std::vector<TestHttpRequest> seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].chunked);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].Header("expect"), "");
  EXPECT_EQ(seen[0].body, expected);
}

TEST(CurlHttpClientStreamingTest, ResponseChunksArriveAsTheServerWritesThem) {
  // The server writes chunk i+1 only after the client has received chunk i, so the test can
  // only pass if on_body sees each piece as it arrives.
  std::mutex mu;
  std::condition_variable cv;
  std::string received;
  const std::vector<std::string> chunks = {"ack-1;", "ack-2;", "ack-3;"};
  TestHttpServer server([&](const TestHttpRequest&) {
    TestHttpResponse response;
    auto sent = std::make_shared<size_t>(0);
    response.next_chunk = [&, sent]() -> std::optional<std::string> {
      std::unique_lock<std::mutex> lock(mu);
      std::string so_far;
      for (size_t i = 0; i < *sent; ++i) so_far += chunks[i];
      if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return received == so_far; }) ||
          *sent == chunks.size()) {
        return std::nullopt;
      }
      return chunks[(*sent)++];
    };
    return response;
  });
  ASSERT_TRUE(server.Start().ok());
  std::unique_ptr<HttpClient> client = NewCurlHttpClient({});
  HttpRequest request;
  request.url = server.Url("/stream");
  int pieces = 0;
  request.on_body = [&](std::string_view chunk) {
    std::lock_guard<std::mutex> lock(mu);
    received.append(chunk);
    ++pieces;
    cv.notify_all();
  };
  StatusOr<HttpResponse> response = client->Send(std::move(request));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(received, "ack-1;ack-2;ack-3;");
  EXPECT_EQ(pieces, 3);
  EXPECT_TRUE(response->body.empty());
}

TEST(CurlHttpClientErrorTest, ServerThatNeverAnswersGivesDeadlineExceeded) {
  TestHttpServer server([](const TestHttpRequest&) {
    TestHttpResponse response;
    response.action = TestHttpAction::kHang;
    return response;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.Url("/slow");
  request.timeout = milliseconds(300);
  StatusOr<HttpResponse> response = NewCurlHttpClient({})->Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(response.status().message().find("timed out after 300 ms"), std::string::npos)
      << response.status().message();
}

TEST(CurlHttpClientErrorTest, RefusedConnectionGivesUnavailableNamingTheAddress) {
  // A bound socket that does not listen refuses connections, and nobody else can take its port.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string port = std::to_string(ntohs(addr.sin_port));

  HttpRequest request;
  request.url = "http://127.0.0.1:" + port + "/";
  StatusOr<HttpResponse> response = NewCurlHttpClient({})->Send(request);
  ::close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(response.status().message(), "connect to 127.0.0.1:" + port + ": Connection refused");
}

TEST(CurlHttpClientErrorTest, ConnectionResetGivesUnavailable) {
  TestHttpServer server([](const TestHttpRequest&) {
    TestHttpResponse response;
    response.action = TestHttpAction::kReset;
    return response;
  });
  ASSERT_TRUE(server.Start().ok());
  HttpRequest request;
  request.url = server.Url("/");
  StatusOr<HttpResponse> response = NewCurlHttpClient({})->Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status().ToString();
  EXPECT_NE(response.status().message().find("127.0.0.1:" + std::to_string(server.port())),
            std::string::npos)
      << response.status().message();
}

TEST(CurlHttpClientErrorTest, MalformedUrlGivesInvalidArgument) {
  std::unique_ptr<HttpClient> client = NewCurlHttpClient({});
  for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "http://"}) {
    HttpRequest request;
    request.url = url;
    StatusOr<HttpResponse> response = client->Send(request);
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(response.status().message().find("invalid URL"), std::string::npos);
  }
}

TEST(CurlHttpClientErrorTest, ConnectTimeoutGivesDeadlineExceededNamingTheConnect) {
  // A listener whose accept queue is full drops new SYNs, so connecting never completes.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  request.connect_timeout = milliseconds(200);
  StatusOr<HttpResponse> response = NewCurlHttpClient({})->Send(request);
  for (int fd : fillers) ::close(fd);
  ::close(listener);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(
      response.status().message(),
      "connect to 127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + " timed out after 200 ms");
}

}  // namespace
}  // namespace kedge::net
