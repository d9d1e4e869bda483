#pragma once
// A kedge-ingest started in process on 127.0.0.1 (port 0, SigV4 required) for the video
// integration tests, and signed archived-media calls to read back what it stored.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ingest/ingest_server.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"

namespace kedge::video::testing {

inline const aws::Credentials kIngestCredentials{"AKIDKVSTEST", "kvs-test-secret", "", {}};

// Waits up to `limit` for `done`, checking every 20 ms (bounded polling of an observable
// condition, not a sleep standing in for synchronisation).
bool WaitFor(const std::function<bool()>& done, Millis limit);

// What a stream's fragments hold, read back with GetMediaForFragmentList.
struct StoredMedia {
  size_t fragments = 0;
  uint32_t frames = 0;
  uint32_t key_frames = 0;
  std::string codec_id;
  std::string bytes;
};

class KvsIngestFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void StartServer(uint16_t port);
  void StopServer();

  // POSTs a signed archived-media or control-plane call; returns the body of a 200 answer, ""
  // otherwise (a test failure when `must_succeed`).
  std::string Call(const std::string& path, const nlohmann::json& input, bool must_succeed = true);
  // Every fragment stored for `stream`: its number and producer time (epoch ms); none when the
  // stream does not exist (yet).
  std::vector<std::pair<std::string, int64_t>> ListFragmentNumbers(const std::string& stream);
  std::vector<int64_t> ListFragments(const std::string& stream);
  // Every stored fragment of `stream`, fetched and parsed.
  StoredMedia FetchMedia(const std::string& stream);
  // The environment for a `kedge` process talking to this server.
  std::map<std::string, std::string> KedgeEnv(const std::string& home) const;

  std::string data_dir_;
  std::unique_ptr<ingest::IngestServer> server_;
  std::string url_;
};

}  // namespace kedge::video::testing
