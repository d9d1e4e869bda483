// The HTTP server on its own: keep-alive, 100-continue, limits, streamed requests.
#include "ingest/server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/raw_connection.h"

namespace kedge::ingest {
namespace {

using testing::RawConnection;

// Answers every body piece with "got <bytes>\n" and, at the end, "end <total>\n". A body piece
// "finish" makes it end the response while the upload goes on.
class EchoStream : public StreamHandler {
 public:
  EchoStream(ResponseStream& out, std::atomic<int>* ends) : out_(out), ends_(ends) {}
  void OnBody(std::string_view data) override {
    total_ += data.size();
    if (data == "finish") return out_.Finish();
    out_.Write("got " + std::to_string(data.size()) + "\n");
  }
  void OnEnd(const Status& status) override {
    if (status.ok()) out_.Write("end " + std::to_string(total_) + "\n");
    ++*ends_;
  }

 private:
  ResponseStream& out_;
  std::atomic<int>* ends_;
  size_t total_ = 0;
};

// Ends the answer from its first tick, while the upload is still open and a read is pending.
class FinishOnTick : public StreamHandler {
 public:
  explicit FinishOnTick(ResponseStream& out) : out_(out) {}
  void OnBody(std::string_view) override {}
  void OnTick() override {
    out_.Write("tick\n");
    out_.Finish();
  }
  void OnEnd(const Status&) override {}

 private:
  ResponseStream& out_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle("POST", "/echo", [](const HttpRequest& request) {
      return HttpResponse::Make(200, "text/plain", "echo:" + request.body);
    });
    router_.HandleStream("POST", "/stream", [this](const HttpRequest&, ResponseStream& out) {
      StreamStart start;
      start.handler = std::make_unique<EchoStream>(out, &ends_);
      start.headers.emplace_back("Content-Type", "application/json");
      return start;
    });
    router_.HandleStream("POST", "/tick", [](const HttpRequest&, ResponseStream& out) {
      StreamStart start;
      start.handler = std::make_unique<FinishOnTick>(out);
      return start;
    });
    HttpServerOptions options;
    options.tick_interval = std::chrono::milliseconds(20);
    options.max_body_bytes = 1024;
    options.max_header_bytes = 2048;
    server_ = std::make_unique<HttpServer>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> ends_{0};
};

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeptAliveConnection) {
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_NE(conn.ReadUntil("echo:abc").find("echo:abc"), std::string::npos);
  conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "2\r\nde\r\n1\r\nf\r\n0\r\n\r\n");
  EXPECT_NE(conn.ReadUntil("echo:def").find("echo:def"), std::string::npos);
}

TEST_F(HttpServerTest, AnswersExpectContinueBeforeReadingTheBody) {
  RawConnection conn(server_->port());
  conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_NE(conn.ReadUntil("100 Continue").find("HTTP/1.1 100 Continue"), std::string::npos);
  conn.Send("hi");
  EXPECT_NE(conn.ReadUntil("echo:hi").find("echo:hi"), std::string::npos);
}

TEST_F(HttpServerTest, RefusesBodiesAndHeadersOverTheLimits) {
  RawConnection big(server_->port());
  big.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_NE(big.ReadAll().find("413"), std::string::npos);
  RawConnection chunked(server_->port());
  chunked.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  chunked.SendChunk(std::string(800, 'a'));
  chunked.SendChunk(std::string(800, 'b'));
  EXPECT_NE(chunked.ReadAll().find("413"), std::string::npos);
  RawConnection header(server_->port());
  header.Send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n");
  EXPECT_NE(header.ReadAll().find("431"), std::string::npos);
  RawConnection junk(server_->port());
  junk.Send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(junk.ReadAll().find("400"), std::string::npos);
}

TEST_F(HttpServerTest, StreamsTheAnswerWhileTheUploadContinues) {
  RawConnection conn(server_->port());
  conn.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  conn.SendChunk("12345");
  // The answer to the first piece arrives before the second piece is sent.
  EXPECT_NE(conn.ReadUntil("got 5").find("got 5"), std::string::npos);
  conn.SendChunk("abc");
  EXPECT_NE(conn.ReadUntil("got 3").find("got 3"), std::string::npos);
  conn.SendChunk("");
  std::string all = conn.ReadAll();
  EXPECT_NE(all.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(all.find("end 8"), std::string::npos);
  EXPECT_NE(all.find("0\r\n\r\n"), std::string::npos);
  EXPECT_EQ(ends_.load(), 1);
}

TEST_F(HttpServerTest, HandlerCanEndTheAnswerBeforeTheUploadEnds) {
  RawConnection conn(server_->port());
  conn.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  conn.SendChunk("finish");
  std::string all = conn.ReadAll();
  EXPECT_NE(all.find("0\r\n\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerCanEndTheAnswerFromATickWhileAReadIsPending) {
  RawConnection conn(server_->port());
  conn.Send("POST /tick HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  conn.SendChunk("some");
  std::string all = conn.ReadAll();  // returns once the server has ended its side
  EXPECT_NE(all.find("tick"), std::string::npos);
  EXPECT_NE(all.find("0\r\n\r\n"), std::string::npos);
  EXPECT_TRUE(conn.SendChunk("more"));  // lingering: the server still reads what comes
}

TEST_F(HttpServerTest, TellsTheHandlerWhenTheUploadBreaks) {
  {
    RawConnection conn(server_->port());
    conn.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    conn.SendChunk("abc");
    conn.ReadUntil("got 3");
  }
  // The server notices the closed socket on its own thread; wait for it with a bounded poll of
  // a fresh request on another connection, which is served after the close was seen.
  for (int i = 0; i < 200 && ends_.load() == 0; ++i) {
    RawConnection probe(server_->port());
    probe.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    probe.ReadAll();
  }
  EXPECT_EQ(ends_.load(), 1);
}

TEST_F(HttpServerTest, ServesManyConnectionsAtOnce) {
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 100; ++i) {
    conns.push_back(std::make_unique<RawConnection>(server_->port()));
    conns.back()->Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    conns.back()->SendChunk(std::string(static_cast<size_t>(i + 1), 'x'));
  }
  for (int i = 0; i < 100; ++i) {
    std::string expect = "got " + std::to_string(i + 1) + "\n";
    EXPECT_NE(conns[i]->ReadUntil(expect).find(expect), std::string::npos) << i;
  }
  EXPECT_EQ(server_->active_connections(), 100u);
}

TEST_F(HttpServerTest, AnswersUnknownPathsWith404) {
  testing::Reply reply = testing::Post("http://127.0.0.1:" + std::to_string(server_->port()) + "/nope",
                                       "", {});
  EXPECT_EQ(reply.status, 404);
}

TEST(HttpTypesTest, QueryParamDecodesFormEncodedValues) {
  std::string query = "stream=door%2Dcam&limit=10&title=front+door%20%2B1&empty=&stream2=x";
  EXPECT_EQ(QueryParam(query, "stream"), "door-cam");
  EXPECT_EQ(QueryParam(query, "limit"), "10");
  EXPECT_EQ(QueryParam(query, "title"), "front door +1");
  EXPECT_EQ(QueryParam(query, "empty"), "");
  EXPECT_EQ(QueryParam(query, "stream2"), "x");
  EXPECT_EQ(QueryParam(query, "missing"), "");
  EXPECT_EQ(QueryParam("", "stream"), "");
}

}  // namespace
}  // namespace kedge::ingest
