#include "tests/video/kvs/fake_http_client.h"

namespace kedge::video::kvs::testing {

net::HttpResponse JsonResponse(int status, const std::string& body,
                               const std::string& error_type) {
  net::HttpResponse r;
  r.status = status;
  r.body = body;
  r.headers.emplace_back("content-type", "application/json");
  if (!error_type.empty()) r.headers.emplace_back("x-amzn-errortype", error_type);
  return r;
}

net::HttpClient::RequestId FakeHttpClient::Start(net::HttpRequest request, Callback done) {
  Request r;
  r.id = next_id_++;
  size_t scheme = request.url.find("://");
  size_t slash = request.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  r.path = slash == std::string::npos ? "/" : request.url.substr(slash);
  r.request = std::move(request);
  r.done = std::move(done);
  ++started_[r.path];
  RequestId id = r.id;
  open_.emplace(id, std::move(r));
  return id;
}

void FakeHttpClient::Cancel(RequestId id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  ++cancelled_;
  ready_.emplace_back(std::move(it->second.done), CancelledError("request cancelled"));
  open_.erase(it);
}

void FakeHttpClient::Unpause(RequestId id) {
  auto it = open_.find(id);
  if (it != open_.end()) it->second.paused = false;
}

size_t FakeHttpClient::Poll(std::chrono::milliseconds) {
  if (responder) {
    for (auto it = open_.begin(); it != open_.end();) {
      std::optional<net::HttpResponse> answer =
          it->second.request.body_reader ? std::nullopt : responder(it->second);
      if (!answer) {
        ++it;
        continue;
      }
      ready_.emplace_back(std::move(it->second.done), std::move(*answer));
      it = open_.erase(it);
    }
  }
  while (!ready_.empty()) {
    auto c = std::move(ready_.front());
    ready_.pop_front();
    c.first(std::move(c.second));
  }
  return open_.size();
}

FakeHttpClient::Request* FakeHttpClient::Find(const std::string& path) {
  for (auto& [id, r] : open_) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

std::string FakeHttpClient::PullBody(RequestId id) {
  std::string pulled;
  char buf[1000];
  while (true) {
    auto it = open_.find(id);
    if (it == open_.end() || it->second.paused || it->second.body_ended) break;
    size_t n = it->second.request.body_reader(buf, sizeof(buf));
    if (n == net::kBodyPause) {
      it->second.paused = true;
    } else if (n == 0) {
      it->second.body_ended = true;
    } else {
      pulled.append(buf, n);
      it->second.body.append(buf, n);
    }
  }
  return pulled;
}

void FakeHttpClient::SendBody(RequestId id, const std::string& text) {
  auto it = open_.find(id);
  if (it != open_.end() && it->second.request.on_body) it->second.request.on_body(text);
}

void FakeHttpClient::Finish(RequestId id, StatusOr<net::HttpResponse> result) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  ready_.emplace_back(std::move(it->second.done), std::move(result));
  open_.erase(it);
}

int FakeHttpClient::started(const std::string& path) const {
  auto it = started_.find(path);
  return it == started_.end() ? 0 : it->second;
}

}  // namespace kedge::video::kvs::testing
