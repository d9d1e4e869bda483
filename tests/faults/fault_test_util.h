#pragma once
// Small helpers for the fault tests: loopback ports, files, polling.

#include <chrono>
#include <functional>
#include <string>

namespace kedge::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (for peers that need a port number).
int FreeLoopbackPort();
// True once something accepts connections on 127.0.0.1:`port`, false after `limit`.
bool WaitForPort(int port, std::chrono::milliseconds limit = std::chrono::seconds(10));
// Checks `done` every 50 ms until it is true (true) or `limit` passed (false): bounded polling
// of an observable condition, not a sleep standing in for synchronisation.
bool PollFor(const std::function<bool()>& done, std::chrono::milliseconds limit);
// The whole file, or "" when it cannot be read.
std::string ReadFileText(const std::string& path);
// GET http://127.0.0.1:<port><path>: the body, or "" on failure.
std::string HttpGetBody(int port, const std::string& path);

}  // namespace kedge::testing
