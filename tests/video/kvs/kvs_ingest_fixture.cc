#include "tests/video/kvs/kvs_ingest_fixture.h"

#include <cmath>
#include <thread>

#include "platform/aws/sigv4.h"
#include "platform/env.h"
#include "platform/net/http_client.h"
#include "tests/support/test_util.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::video::testing {

bool WaitFor(const std::function<bool()>& done, Millis limit) {
  SteadyTime end = Clock::Real().Now() + limit;
  while (!done()) {
    if (Clock::Real().Now() > end) return false;
    std::this_thread::sleep_for(Millis(20));  // bounded polling of an observable condition
  }
  return true;
}

void KvsIngestFixture::SetUp() {
  data_dir_ = kedge::testing::MakeTempDir("kvs-ingest");
  StartServer(0);
}

void KvsIngestFixture::StartServer(uint16_t port) {
  ingest::IngestOptions options;
  options.listen_port = port;
  options.data_dir = data_dir_;
  options.credentials = {kIngestCredentials};
  auto server = ingest::IngestServer::Start(options, Clock::Real(), Env::Default());
  ASSERT_TRUE(server.ok()) << server.status().message();
  server_ = std::move(*server);
  url_ = server_->url();
}

void KvsIngestFixture::StopServer() {
  server_->Stop();
  server_.reset();  // closes open PutMedia connections too
}

std::string KvsIngestFixture::Call(const std::string& path, const nlohmann::json& input,
                                   bool must_succeed) {
  auto http = net::NewCurlHttpClient(net::HttpClientOptions());
  net::HttpRequest request;
  request.method = "POST";
  request.url = url_ + path;
  request.body = input.dump();
  request.headers = {{"Content-Type", "application/json"}};
  aws::SigningParams params;
  params.service = "kinesisvideo";
  params.region = "us-east-1";
  params.time = Clock::Real().WallNow();
  EXPECT_TRUE(aws::SignRequest(&request, kIngestCredentials, params).ok());
  StatusOr<net::HttpResponse> response = http->Send(std::move(request));
  bool ok = response.ok() && response->status == 200;
  EXPECT_TRUE(ok || !must_succeed)
      << (response.ok() ? response->body : response.status().message());
  return ok ? response->body : std::string();
}

std::vector<std::pair<std::string, int64_t>> KvsIngestFixture::ListFragmentNumbers(
    const std::string& stream) {
  // Not an expectation: tests poll this before the stream exists.
  std::string body = Call("/listFragments", {{"StreamName", stream}, {"MaxResults", 1000}}, false);
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  std::vector<std::pair<std::string, int64_t>> out;
  if (json.is_discarded() || !json.contains("Fragments")) return out;
  for (const auto& f : json["Fragments"]) {
    out.emplace_back(f["FragmentNumber"].get<std::string>(),
                     std::llround(f["ProducerTimestamp"].get<double>() * 1000.0));
  }
  return out;
}

std::vector<int64_t> KvsIngestFixture::ListFragments(const std::string& stream) {
  std::vector<int64_t> out;
  for (const auto& f : ListFragmentNumbers(stream)) out.push_back(f.second);
  return out;
}

StoredMedia KvsIngestFixture::FetchMedia(const std::string& stream) {
  StoredMedia out;
  nlohmann::json numbers = nlohmann::json::array();
  for (const auto& f : ListFragmentNumbers(stream)) numbers.push_back(f.first);
  if (numbers.empty()) return out;
  out.bytes = Call("/getMediaForFragmentList", {{"StreamName", stream}, {"Fragments", numbers}});
  mkv::MkvParser::Options parse;
  parse.allow_multiple_segments = true;  // the service's format: a header before every fragment
  StatusOr<mkv::SplitResult> split =
      mkv::SplitMkv(reinterpret_cast<const uint8_t*>(out.bytes.data()), out.bytes.size(), parse);
  EXPECT_TRUE(split.ok()) << split.status().message();
  if (!split.ok()) return out;
  out.fragments = split->fragments.size();
  for (const mkv::StoredFragment& f : split->fragments) {
    out.frames += f.frame_count;
    out.key_frames += f.key_frames;
  }
  if (!split->headers.empty() && !split->headers[0].tracks.empty()) {
    out.codec_id = split->headers[0].tracks[0].codec_id;
  }
  return out;
}

std::map<std::string, std::string> KvsIngestFixture::KedgeEnv(const std::string& home) const {
  return {{"AWS_ACCESS_KEY_ID", kIngestCredentials.access_key_id},
          {"AWS_SECRET_ACCESS_KEY", kIngestCredentials.secret_access_key},
          {"AWS_REGION", "us-east-1"},
          {"HOME", home},
          {"XDG_STATE_HOME", "\x01unset"}};
}

}  // namespace kedge::video::testing
