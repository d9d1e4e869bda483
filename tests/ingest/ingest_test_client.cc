#include "tests/ingest/ingest_test_client.h"

#include <curl/curl.h>

#include "ingest/server/http_types.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "tests/support/test_util.h"

namespace kedge::ingest::testing {
namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<net::Headers*>(user)->emplace_back(AsciiLower(line.substr(0, colon)), value);
  }
  return size * n;
}

}  // namespace

std::string Reply::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == AsciiLower(name)) return value;
  }
  return std::string();
}

nlohmann::json Reply::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

Reply Post(const std::string& url, const std::string& body, const net::Headers& headers,
           const std::string& ca_file) {
  Reply reply;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  } else {
    reply.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

Reply Get(const std::string& url) {
  Reply reply;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  } else {
    reply.error = curl_easy_strerror(rc);
  }
  curl_easy_cleanup(curl);
  return reply;
}

Reply CallJson(const std::string& url, const std::string& target, const nlohmann::json& input) {
  return Post(url + "/", input.dump(),
              {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}});
}

void IngestServerTest::SetUp() {
  data_dir_ = kedge::testing::MakeTempDir("kedge-ingest");
  Restart();
}

void IngestServerTest::Restart() {
  server_.reset();
  IngestOptions options;
  options.data_dir = data_dir_;
  options.maintenance_period = std::chrono::seconds(0);  // tests run Maintenance themselves
  Configure(&options);
  StatusOr<std::unique_ptr<IngestServer>> server =
      IngestServer::Start(options, clock_, Env::Default());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = std::move(server).value();
  url_ = server_->url();
}

void IngestServerTest::TearDown() {
  server_.reset();
  std::string command = "rm -rf '" + data_dir_ + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
}

}  // namespace kedge::ingest::testing
