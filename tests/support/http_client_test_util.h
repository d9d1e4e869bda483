#pragma once
// Helpers for tests that drive a kedge::net::HttpClient on the test thread.

#include <chrono>
#include <functional>

#include "platform/net/http_client.h"

namespace kedge::testing {

// Polls `client` until `done()` returns true. Gives up after `give_up` (returning false), so a
// hang fails the test instead of blocking CTest. Use as ASSERT_TRUE(PollUntil(...)).
bool PollUntil(net::HttpClient& client, const std::function<bool()>& done,
               std::chrono::milliseconds give_up = std::chrono::seconds(10));

}  // namespace kedge::testing
