#include "agent/metrics/status_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "agent/metrics/status_page.h"
#include "platform/logging.h"
#include "tests/agent/metrics/status_fixture.h"

namespace kedge::agent {
namespace {

// Sends `request` to 127.0.0.1:port, half-closes, and returns everything the server answers.
std::string Exchange(int port, const std::string& request, bool close_write = true) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    ADD_FAILURE() << "connect failed";
    return "";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (close_write) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Body(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

class StatusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.GetCounter("kedge_source_records_total", "Records read", {{"source", "app"}})
        .Increment(42);
    picture_.AddDeviceAndSink();
    SourceConfig mqtt;
    mqtt.name = "sensors";
    mqtt.type = SourceType::kMqtt;
    mqtt.sink = "logs";
    mqtt.mqtt.broker = "ssl://bob:pa55word-in-url@broker.local:8883";
    mqtt.mqtt.topics = {"sensors/#"};
    mqtt.mqtt.username = "bob";
    mqtt.mqtt.password = "correct-horse-battery";
    config_.sources.push_back(mqtt);
    history_.Add({ToUnixMillis(clock_.WallNow()), 10, 8, 0, 4096, 2, 150});
    server_ = picture_.MakeServer();
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override { server_->Stop(); }

  StatusPicture picture_;
  FakeClock& clock_ = picture_.clock;
  MetricsRegistry& metrics_ = picture_.metrics;
  AgentConfig& config_ = picture_.config;
  StatusHistory& history_ = picture_.history;
  Health& health_ = picture_.health;
  std::unique_ptr<StatusServer> server_;
};

TEST_F(StatusServerTest, ServesPrometheusMetrics) {
  std::string r = Exchange(server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(Body(r).find("kedge_source_records_total{source=\"app\"} 42\n"), std::string::npos);
}

TEST_F(StatusServerTest, HealthzFollowsTheHealthCallback) {
  EXPECT_EQ(Body(Exchange(server_->port(), "GET /healthz HTTP/1.1\r\n\r\n")), "ok\n");
  health_ = {false, "spool: disk full"};
  std::string r = Exchange(server_->port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 503 Service Unavailable", 0), 0u) << r;
  EXPECT_EQ(Body(r), "spool: disk full\n");
}

TEST_F(StatusServerTest, StatusJsonDescribesTheAgentWithoutSecrets) {
  Logger::Get().AddSecret("correct-horse-battery");
  std::string body = Body(Exchange(server_->port(), "GET /status HTTP/1.1\r\n\r\n"));
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << body;
  EXPECT_EQ(j["device_id"], "pi-17");
  EXPECT_EQ(j["uptime_s"], 90);
  EXPECT_EQ(j["sinks"][0]["stream"], "edge-logs");
  EXPECT_EQ(j["sources"][0]["broker"], "ssl://broker.local:8883");
  EXPECT_EQ(j["history"][0]["spool_bytes"], 4096);
  EXPECT_EQ(body.find("correct-horse-battery"), std::string::npos);
  EXPECT_EQ(body.find("pa55word"), std::string::npos);
  EXPECT_EQ(body.find("\"bob\""), std::string::npos);
  EXPECT_EQ(j["cameras"], nlohmann::json::array());
}

TEST_F(StatusServerTest, StatusJsonShowsEachCameraWithItsFigures) {
  picture_.AddCamera();
  std::string body = Body(Exchange(server_->port(), "GET /status HTTP/1.1\r\n\r\n"));
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << body;
  ASSERT_EQ(j["cameras"].size(), 1u) << body;
  const nlohmann::json& cam = j["cameras"][0];
  EXPECT_EQ(cam["name"], "door");
  EXPECT_EQ(cam["stream"], "door-cam");
  EXPECT_EQ(cam["source"], "v4l2:/dev/video0");
  EXPECT_EQ(cam["video"], "1280x720@30");
  EXPECT_EQ(cam["endpoint"], "https://ingest.local:8443");
  EXPECT_EQ(cam["camera_up"], 1);
  EXPECT_EQ(cam["fragments_buffered"], 3);
  EXPECT_EQ(cam["fragments_acknowledged_total"], 120);
  EXPECT_EQ(cam["fragments_dropped_total"], 2);
  EXPECT_EQ(cam["upload_bitrate_bps"], 2100000);
  EXPECT_EQ(cam["store_oldest_fragment_age_seconds"], 4);
  EXPECT_EQ(body.find("kvs-pa55"), std::string::npos);
}

TEST_F(StatusServerTest, StatusPageIsSelfContained) {
  std::string r = Exchange(server_->port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_NE(r.find("Content-Type: text/html"), std::string::npos);
  std::string body = Body(r);
  EXPECT_EQ(body, kStatusPageHtml);
  EXPECT_NE(body.find("<canvas"), std::string::npos);
  EXPECT_EQ(body.find("http://"), std::string::npos) << "no external assets";
  EXPECT_EQ(body.find("https://"), std::string::npos) << "no external assets";
}

TEST_F(StatusServerTest, HeadAnswersWithoutABody) {
  std::string r = Exchange(server_->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(Body(r), "");
}

TEST_F(StatusServerTest, BadRequestsGetErrorsAndTheServerCarriesOn) {
  int port = server_->port();
  EXPECT_EQ(Exchange(port, "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Exchange(port, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET relative HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET / HTTP/2.0\r\n\r\n").rfind("HTTP/1.1 505", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n")
                .rfind("HTTP/1.1 431", 0),
            0u);
  EXPECT_EQ(Exchange(port, "GET /metr").size(), 0u) << "a truncated request is dropped";
  std::string binary("\x00\xff\x16\x03\x01\r\n\r\n", 9);
  EXPECT_EQ(Exchange(port, binary).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(HttpGetServerTest, SlowClientTimesOutWithoutBlockingForever) {
  HttpGetServer server([](const HttpRequest&) { return HttpResponse{}; },
                       std::chrono::milliseconds(100));
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::string r = Exchange(server.port(), "GET / HTTP/1.1\r\n", /*close_write=*/false);
  EXPECT_EQ(r.rfind("HTTP/1.1 408", 0), 0u) << r;
  server.Stop();
}

TEST(HttpGetServerTest, AddressInUseIsAClearError) {
  HttpGetServer a([](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(a.Start("127.0.0.1:0").ok());
  HttpGetServer b([](const HttpRequest&) { return HttpResponse{}; });
  Status s = b.Start("127.0.0.1:" + std::to_string(a.port()));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("http.listen 127.0.0.1:"), std::string::npos) << s.ToString();
  EXPECT_FALSE(b.Start("not-an-address").ok());
}

TEST(HttpGetServerTest, ParsesRequestLines) {
  HttpRequest r;
  EXPECT_EQ(ParseRequestHead("GET /status?x=1 HTTP/1.1\r\n\r\n", &r), 0);
  EXPECT_EQ(r.path, "/status");
  EXPECT_EQ(r.query, "x=1");
  EXPECT_EQ(ParseRequestHead("GET  / HTTP/1.1\r\n\r\n", &r), 400);
  EXPECT_EQ(ParseRequestHead("DELETE / HTTP/1.1\r\n\r\n", &r), 405);
}

}  // namespace
}  // namespace kedge::agent
