// Cancel, destruction, re-entrant callbacks and Wakeup: the rules in http_client.h about
// callbacks running exactly once, on the owner thread, and never crashing the client.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "platform/net/curl_http_client.h"
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

// Answers /hang never, everything else at once with the path as body.
TestHttpResponse HangOrEcho(const TestHttpRequest& request) {
  TestHttpResponse response;
  if (request.path == "/hang") response.action = TestHttpAction::kHang;
  response.body = request.path;
  return response;
}

class CurlHttpClientLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  HttpRequest Get(const std::string& path) {
    HttpRequest request;
    request.url = server_.Url(path);
    return request;
  }

  TestHttpServer server_{HangOrEcho};
  std::unique_ptr<HttpClient> client_ = NewCurlHttpClient({});
};

TEST_F(CurlHttpClientLifecycleTest, CancelRunsCallbackOnceWithCancelled) {
  int calls = 0;
  Status status;
  HttpClient::RequestId id = client_->Start(Get("/hang"), [&](StatusOr<HttpResponse> r) {
    ++calls;
    status = r.status();
  });
  ASSERT_TRUE(PollUntil(*client_, [&] { return server_.requests().size() == 1; }));
  client_->Cancel(id);
  EXPECT_EQ(calls, 0);  // callbacks only run from Poll
  client_->Poll(milliseconds(0));
  client_->Cancel(id);  // already finished: ignored
  client_->Poll(milliseconds(0));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
}

TEST_F(CurlHttpClientLifecycleTest, DestructorCancelsRequestsInFlight) {
  int calls = 0;
  StatusCode code = StatusCode::kOk;
  client_->Start(Get("/hang"), [&](StatusOr<HttpResponse> r) {
    ++calls;
    code = r.status().code();
  });
  ASSERT_TRUE(PollUntil(*client_, [&] { return server_.requests().size() == 1; }));
  client_.reset();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(code, StatusCode::kCancelled);
}

TEST_F(CurlHttpClientLifecycleTest, CallbackMayStartAnotherRequest) {
  std::vector<std::string> bodies;
  client_->Start(Get("/first"), [&](StatusOr<HttpResponse> r) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    bodies.push_back(r->body);
    client_->Start(Get("/second"), [&](StatusOr<HttpResponse> r2) {
      ASSERT_TRUE(r2.ok()) << r2.status().ToString();
      bodies.push_back(r2->body);
    });
  });
  ASSERT_TRUE(PollUntil(*client_, [&] { return bodies.size() == 2; }));
  EXPECT_EQ(bodies, (std::vector<std::string>{"/first", "/second"}));
  EXPECT_EQ(server_.connections_accepted(), 1);  // the second reused the first's connection
}

TEST_F(CurlHttpClientLifecycleTest, CallbackMaySendSynchronously) {
  std::string nested_body;
  bool outer_done = false;
  client_->Start(Get("/outer"), [&](StatusOr<HttpResponse>) {
    StatusOr<HttpResponse> nested = client_->Send(Get("/nested"));
    nested_body = nested.ok() ? nested->body : nested.status().ToString();
    outer_done = true;
  });
  ASSERT_TRUE(PollUntil(*client_, [&] { return outer_done; }));
  EXPECT_EQ(nested_body, "/nested");
}

TEST_F(CurlHttpClientLifecycleTest, CallbackMayDestroyTheClient) {
  int other_calls = 0;
  StatusCode other_code = StatusCode::kOk;
  bool first_done = false;
  client_->Start(Get("/hang"), [&](StatusOr<HttpResponse> r) {
    ++other_calls;
    other_code = r.status().code();
  });
  client_->Start(Get("/quick"), [&](StatusOr<HttpResponse> r) {
    first_done = r.ok();
    client_.reset();  // destroys the client from inside its own Poll
  });
  HttpClient* raw = client_.get();
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (client_ != nullptr && std::chrono::steady_clock::now() < give_up) {
    raw->Poll(milliseconds(100));
  }
  EXPECT_EQ(client_, nullptr);
  EXPECT_TRUE(first_done);
  EXPECT_EQ(other_calls, 1);
  EXPECT_EQ(other_code, StatusCode::kCancelled);
}

TEST_F(CurlHttpClientLifecycleTest, CallbackMayCancelAnotherRequest) {
  int hang_calls = 0;
  StatusCode hang_code = StatusCode::kOk;
  HttpClient::RequestId hang = client_->Start(Get("/hang"), [&](StatusOr<HttpResponse> r) {
    ++hang_calls;
    hang_code = r.status().code();
  });
  client_->Start(Get("/quick"), [&](StatusOr<HttpResponse>) { client_->Cancel(hang); });
  ASSERT_TRUE(PollUntil(*client_, [&] { return hang_calls > 0; }));
  client_->Poll(milliseconds(0));
  EXPECT_EQ(hang_calls, 1);
  EXPECT_EQ(hang_code, StatusCode::kCancelled);
}

TEST_F(CurlHttpClientLifecycleTest, BodyCallbackMayCancelItsOwnRequest) {
  int calls = 0;
  StatusCode code = StatusCode::kOk;
  HttpClient::RequestId id = 0;
  HttpRequest request = Get("/body");
  request.on_body = [&](std::string_view) { client_->Cancel(id); };
  id = client_->Start(std::move(request), [&](StatusOr<HttpResponse> r) {
    ++calls;
    code = r.status().code();
  });
  ASSERT_TRUE(PollUntil(*client_, [&] { return calls > 0; }));
  client_->Poll(milliseconds(0));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(code, StatusCode::kCancelled);
}

TEST_F(CurlHttpClientLifecycleTest, BodyReaderMayStartAnotherRequest) {
  bool started = false;
  std::vector<std::string> bodies;
  HttpRequest upload = Get("/upload");
  upload.method = "POST";
  upload.body_reader = [&](char* buf, size_t max) -> size_t {
    if (started) return 0;
    started = true;
    client_->Start(Get("/from-reader"),
                   [&](StatusOr<HttpResponse> r) { bodies.push_back(r.ok() ? r->body : "error"); });
    buf[0] = 'z';
    return 1;
  };
  client_->Start(std::move(upload),
                 [&](StatusOr<HttpResponse> r) { bodies.push_back(r.ok() ? r->body : "error"); });
  ASSERT_TRUE(PollUntil(*client_, [&] { return bodies.size() == 2; }));
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (std::vector<std::string>{"/from-reader", "/upload"}));
}

TEST_F(CurlHttpClientLifecycleTest, WakeupFromAnotherThreadEndsPollEarly) {
  // The other thread keeps waking until the long Poll returned, so the test does not depend on
  // which of the two gets there first.
  std::atomic<bool> returned{false};
  std::thread waker([&] {
    while (!returned) {
      client_->Wakeup();
      std::this_thread::yield();
    }
  });
  auto start = std::chrono::steady_clock::now();
  client_->Poll(std::chrono::seconds(30));
  auto waited = std::chrono::steady_clock::now() - start;
  returned = true;
  waker.join();
  EXPECT_LT(waited, std::chrono::seconds(10));
}

TEST_F(CurlHttpClientLifecycleTest, PollReportsRequestsStillRunning) {
  bool done = false;
  client_->Start(Get("/hang"), [](StatusOr<HttpResponse>) {});
  client_->Start(Get("/quick"), [&](StatusOr<HttpResponse>) { done = true; });
  size_t running = 2;
  ASSERT_TRUE(PollUntil(*client_, [&] { return done; }));
  running = client_->Poll(milliseconds(0));
  EXPECT_EQ(running, 1u);
}

}  // namespace
}  // namespace kedge::net
