#include "tests/faults/fault_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "platform/net/http_client.h"

namespace kedge::testing {
namespace {

int ConnectOrBind(int port, bool bind_it) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = bind_it ? ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
                   : ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int FreeLoopbackPort() {
  int fd = ConnectOrBind(0, /*bind_it=*/true);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool PollFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

bool WaitForPort(int port, std::chrono::milliseconds limit) {
  return PollFor(
      [port] {
        int fd = ConnectOrBind(port, /*bind_it=*/false);
        if (fd >= 0) ::close(fd);
        return fd >= 0;
      },
      limit);
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string HttpGetBody(int port, const std::string& path) {
  auto http = net::NewCurlHttpClient({});
  net::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = std::chrono::seconds(5);
  auto response = http->Send(std::move(request));
  return response.ok() ? response->body : std::string();
}

}  // namespace kedge::testing
