#pragma once
// Helpers for the MQTT source's integration tests: a mosquitto of the test's own on a free
// loopback port (plain or TLS, killed by the destructor), a Paho publisher, a sink that
// collects batches, and a loop that polls a source until a condition holds or a deadline
// passes (the condition, never a sleep, is what the tests wait for).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/sources/source.h"
#include "tests/agent/sources/recording_sink.h"

namespace mqtt {
class async_client;
}

namespace kedge::testing {

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int FreeLoopbackPort();

struct MosquittoTls {
  std::string ca_file, cert_file, key_file;
  bool require_certificate = true;
};

class MosquittoProcess {
 public:
  // Starts `mosquitto -c <generated conf>` on 127.0.0.1:port and waits until it listens.
  // nullptr (with a test failure) when it does not start; GTEST_SKIP-worthy when the binary is
  // missing (check MosquittoAvailable first).
  static std::unique_ptr<MosquittoProcess> Start(int port, const MosquittoTls* tls = nullptr);
  static bool Available();
  ~MosquittoProcess();

  std::string url() const;
  int port() const { return port_; }

 private:
  MosquittoProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
  std::string dir_;
};

// A Paho client that publishes and waits for each QoS > 0 acknowledgement (in windows).
class TestPublisher {
 public:
  // tls: CA, client cert and key for ssl:// brokers (may be null).
  TestPublisher(const std::string& url, const MosquittoTls* tls = nullptr);
  ~TestPublisher();
  bool connected() const { return connected_; }
  // Publishes all messages (topic, payload) at `qos`; false (with a test failure) on error.
  bool PublishAll(const std::vector<std::pair<std::string, std::string>>& messages, int qos);

 private:
  std::unique_ptr<mqtt::async_client> client_;
  bool connected_ = false;
};

using CollectingSink = RecordingSink;

// Calls source.Poll() until done() or `timeout`; yields the CPU briefly between idle polls.
bool PollUntil(agent::Source& source, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A topic prefix unique to this test run, e.g. "kedge-test/<pid>-<n>".
std::string UniqueTopicPrefix();

}  // namespace kedge::testing
