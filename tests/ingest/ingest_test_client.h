#pragma once
// A small blocking HTTP client for the kedge-ingest tests (libcurl easy), and a fixture that runs
// an IngestServer on 127.0.0.1 port 0 in a temporary data directory.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "ingest/ingest_server.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"

namespace kedge::ingest::testing {

struct Reply {
  long status = 0;  // 0 when the transfer failed
  std::string body;
  net::Headers headers;  // names lower-cased
  std::string error;     // curl's message when status is 0
  std::string Header(const std::string& name) const;
  nlohmann::json Json() const;
};

// POSTs `body` to `url` with the headers given; `ca_file` verifies an https server.
Reply Post(const std::string& url, const std::string& body, const net::Headers& headers,
           const std::string& ca_file = "");
// GETs `url`.
Reply Get(const std::string& url);
// A Kinesis / Firehose JSON 1.1 call: POST / with X-Amz-Target.
Reply CallJson(const std::string& url, const std::string& target, const nlohmann::json& input);

class IngestServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Restarts the server on the same data directory (for durability tests).
  void Restart();
  virtual void Configure(IngestOptions* options) {}

  FakeClock clock_;
  std::string data_dir_;
  std::unique_ptr<IngestServer> server_;
  std::string url_;
};

}  // namespace kedge::ingest::testing
