#include "tests/support/test_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "platform/net/http_text.h"

namespace kedge::testing {

// One accepted connection. Shared between its serving thread and the server, which shuts it
// down on Stop(); the socket is closed when both let go, so Stop() never touches a reused fd.
struct TestHttpServer::Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  int index = 0;
  std::string buffer;  // received, not yet parsed
  std::mutex mu;       // guards fd against Reset() racing Shutdown()

  ~Connection() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
  }

  // Reads more bytes into `buffer`; false on end of stream or error.
  bool Fill() {
    char tmp[16384];
    int n = ssl != nullptr ? SSL_read(ssl, tmp, sizeof tmp)
                           : static_cast<int>(::recv(fd, tmp, sizeof tmp, 0));
    if (n <= 0) return false;
    buffer.append(tmp, static_cast<size_t>(n));
    return true;
  }

  bool Write(std::string_view data) {
    while (!data.empty()) {
      int n = ssl != nullptr ? SSL_write(ssl, data.data(), static_cast<int>(data.size()))
                             : static_cast<int>(::send(fd, data.data(), data.size(), MSG_NOSIGNAL));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

  // Closes with SO_LINGER 0, which sends a TCP RST.
  void Reset() {
    std::lock_guard<std::mutex> lock(mu);
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    if (ssl != nullptr) SSL_free(ssl);
    ssl = nullptr;
    ::close(fd);
    fd = -1;
  }
};

namespace {

using net::AsciiLower;
using net::TrimHttpSpace;

using Connection = TestHttpServer::Connection;

bool ReadLine(Connection& c, std::string* line) {
  size_t end;
  while ((end = c.buffer.find("\r\n")) == std::string::npos) {
    if (!c.Fill()) return false;
  }
  *line = c.buffer.substr(0, end);
  c.buffer.erase(0, end + 2);
  return true;
}

bool ReadExact(Connection& c, size_t n, std::string* out) {
  while (c.buffer.size() < n) {
    if (!c.Fill()) return false;
  }
  out->append(c.buffer, 0, n);
  c.buffer.erase(0, n);
  return true;
}

bool ReadChunkedBody(Connection& c, std::string* body) {
  std::string line;
  while (true) {
    if (!ReadLine(c, &line)) return false;
    size_t size = std::strtoul(line.c_str(), nullptr, 16);  // chunk extensions are ignored
    if (size == 0) break;
    std::string crlf;
    if (!ReadExact(c, size, body) || !ReadExact(c, 2, &crlf)) return false;
  }
  do {  // trailers, up to the empty line
    if (!ReadLine(c, &line)) return false;
  } while (!line.empty());
  return true;
}

// Reads one request; false when the connection ended or the request is malformed.
bool ReadRequest(Connection& c, TestHttpRequest* request) {
  std::string line;
  do {
    if (!ReadLine(c, &line)) return false;
  } while (line.empty());  // tolerate stray CRLFs between requests
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
  request->method = line.substr(0, sp1);
  request->path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (ReadLine(c, &line) && !line.empty()) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    request->headers.emplace_back(
        AsciiLower(TrimHttpSpace(std::string_view(line).substr(0, colon))),
        std::string(TrimHttpSpace(std::string_view(line).substr(colon + 1))));
  }
  if (!line.empty()) return false;
  if (AsciiLower(request->Header("expect")) == "100-continue" &&
      !c.Write("HTTP/1.1 100 Continue\r\n\r\n")) {
    return false;
  }
  if (AsciiLower(request->Header("transfer-encoding")).find("chunked") != std::string::npos) {
    request->chunked = true;
    return ReadChunkedBody(c, &request->body);
  }
  std::string length(request->Header("content-length"));
  return length.empty() || ReadExact(c, std::strtoull(length.c_str(), nullptr, 10), &request->body);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool HasHeader(const TestHeaders& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (AsciiLower(header.first) == name) return true;
  }
  return false;
}

bool WriteResponse(Connection& c, const TestHttpRequest& request, const TestHttpResponse& response,
                   bool close) {
  const bool streaming = static_cast<bool>(response.next_chunk);
  std::string head =
      "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  if (streaming) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (!HasHeader(response.headers, "content-length")) {
    head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  if (close) head += "Connection: close\r\n";
  head += "\r\n";
  if (!streaming) {
    return c.Write(request.method == "HEAD" ? head : head + response.body);
  }
  if (!c.Write(head)) return false;
  while (std::optional<std::string> chunk = response.next_chunk()) {
    if (chunk->empty()) continue;  // an empty chunk would end the body
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk->size());
    if (!c.Write(size + *chunk + "\r\n")) return false;
  }
  return c.Write("0\r\n\r\n");
}

}  // namespace

std::string_view TestHttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

TestHttpServer::TestHttpServer(Handler handler, TestHttpServerOptions options)
    : handler_(std::move(handler)), options_(std::move(options)) {}

TestHttpServer::~TestHttpServer() {
  Stop();
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::string TestHttpServer::Url(std::string_view path) const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         std::string(path);
}

std::vector<TestHttpRequest> TestHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

namespace {

std::string SslError() {
  char buf[256] = "unknown error";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

StatusOr<SSL_CTX*> NewServerContext(const TestHttpServerOptions& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return InternalError("SSL_CTX_new: " + SslError());
  Status error;
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1) {
    error = InvalidArgumentError("TestHttpServer: certificate " + o.cert_file + ": " + SslError());
  } else if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = InvalidArgumentError("TestHttpServer: key " + o.key_file + ": " + SslError());
  } else if (!o.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, o.client_ca_file.c_str(), nullptr) != 1) {
      error =
          InvalidArgumentError("TestHttpServer: client CA " + o.client_ca_file + ": " + SslError());
    }
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(o.client_ca_file.c_str()));
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  // Needed for session resumption when client certificates are verified.
  static const unsigned char kContext[] = "kedge-test";
  SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1);
  if (!error.ok()) {
    SSL_CTX_free(ctx);
    return error;
  }
  return ctx;
}

}  // namespace

Status TestHttpServer::Start() {
  // SSL_write reaches write(2): a client that went away must not kill the test process.
  ::signal(SIGPIPE, SIG_IGN);
  if (options_.tls) {
    StatusOr<SSL_CTX*> ctx = NewServerContext(options_);
    if (!ctx.ok()) return ctx.status();
    ssl_ctx_ = *ctx;
  }
  return listener_.Start("TestHttpServer", [this](int fd) { OnAccept(fd); });
}

void TestHttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  listener_.Stop();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& connection : open_connections_) connection->Shutdown();
    threads.swap(connection_threads_);
  }
  for (auto& thread : threads) thread.join();
}

void TestHttpServer::OnAccept(int fd) {
  auto connection = std::make_shared<Connection>();
  connection->fd = fd;
  int one = 1;  // small TLS records must not wait for delayed ACKs
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  connection->index = ++connections_accepted_;
  std::lock_guard<std::mutex> lock(mu_);
  open_connections_.push_back(connection);
  connection_threads_.emplace_back([this, connection] { Serve(connection); });
}

void TestHttpServer::Serve(std::shared_ptr<Connection> c) {
  bool usable = true;
  if (ssl_ctx_ != nullptr) {
    c->ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_accept(c->ssl) != 1) {
      ++tls_handshake_failures_;
      ERR_clear_error();
      usable = false;
      // Closing with unread data would send a RST that can overtake the TLS alert; let the
      // client read the alert and close first.
      ::shutdown(c->fd, SHUT_WR);
      char sink[4096];
      while (::recv(c->fd, sink, sizeof sink, 0) > 0) {
      }
    }
  }
  while (usable && !stopping_) {
    TestHttpRequest request;
    if (!ReadRequest(*c, &request)) break;
    request.connection_index = c->index;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    TestHttpResponse response = handler_(request);
    if (response.action == TestHttpAction::kClose) break;
    if (response.action == TestHttpAction::kReset) {
      c->Reset();
      break;
    }
    if (response.action == TestHttpAction::kHang) {
      while (c->Fill()) c->buffer.clear();
      break;
    }
    bool close = response.close_after || AsciiLower(request.Header("connection")) == "close";
    if (!WriteResponse(*c, request, response, close) || close) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (c->ssl != nullptr && usable) SSL_shutdown(c->ssl);
  for (auto it = open_connections_.begin(); it != open_connections_.end(); ++it) {
    if (*it == c) {
      open_connections_.erase(it);
      break;
    }
  }
}

}  // namespace kedge::testing
