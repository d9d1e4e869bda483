#include "agent/cli/demo_ingest.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "platform/clock.h"

namespace kedge::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string After(const std::string& text, const std::string& marker) {
  size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at);
  if (end == std::string::npos) return "";
  return text.substr(at + marker.size(), end - at - marker.size());
}

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

StatusOr<std::string> FindIngest(Env& env) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(self.parent_path() / "kedge-ingest");
    candidates.push_back(self.parent_path().parent_path() / "ingest" / "kedge-ingest");
  }
  std::string path = env.GetVar("PATH").value_or("");
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) candidates.push_back(fs::path(path.substr(start, end - start)) / "kedge-ingest");
    start = end + 1;
  }
  for (const fs::path& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return NotFoundError(
      "kedge-ingest was not found next to kedge (" +
      (ec ? std::string("?") : self.parent_path().string()) +
      ") nor on PATH; build it (cmake --build build --target kedge-ingest) or install the "
      "package that has it");
}

Status IngestProcess::Start(const std::string& binary, const std::string& data_dir,
                            const std::string& log) {
  int out[2];
  if (::pipe(out) != 0) return InternalError("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) return InternalError("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(out[1], STDOUT_FILENO);
    int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    ::close(out[0]);
    ::execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--data-dir",
            data_dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  stdout_ = out[0];
  return ReadAddresses(log);
}

void IngestProcess::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (stdout_ >= 0) ::close(stdout_);
  stdout_ = -1;
}

// Reads the "listening on" and "console at" lines (for up to 15 s).
Status IngestProcess::ReadAddresses(const std::string& log) {
  std::string text;
  SteadyTime deadline = Clock::Real().Now() + std::chrono::seconds(15);
  while (console_url_.empty() && Clock::Real().Now() < deadline) {
    pollfd p{stdout_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(stdout_, buf, sizeof(buf));
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    url_ = After(text, "listening on ");
    console_url_ = After(text, "console at ");
  }
  if (url_.empty()) {
    return UnavailableError("kedge-ingest did not start; its log is " + log);
  }
  if (console_url_.empty()) console_url_ = url_ + "/";
  return Status::Ok();
}

StatusOr<json> CallIngest(const std::string& url, const std::string& target, const json& body,
                          bool post) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return InternalError("curl_easy_init failed");
  std::string answer;
  curl_slist* headers = nullptr;
  std::string payload = body.dump();
  if (!target.empty()) {
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.1");
    headers = curl_slist_append(headers, ("X-Amz-Target: " + target).c_str());
  } else {
    headers = curl_slist_append(headers, "Content-Type: application/json");
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (post) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  std::string what = target.empty() ? url : target;
  if (rc != CURLE_OK) return UnavailableError(what + ": " + curl_easy_strerror(rc));
  if (status != 200) return UnavailableError(what + ": HTTP " + std::to_string(status) + " " + answer);
  json parsed = json::parse(answer, nullptr, false);
  return parsed.is_discarded() ? json::object() : parsed;
}

}  // namespace kedge::agent
