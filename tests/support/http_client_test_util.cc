#include "tests/support/http_client_test_util.h"

namespace kedge::testing {

bool PollUntil(net::HttpClient& client, const std::function<bool()>& done,
               std::chrono::milliseconds give_up) {
  auto deadline = std::chrono::steady_clock::now() + give_up;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    client.Poll(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace kedge::testing
