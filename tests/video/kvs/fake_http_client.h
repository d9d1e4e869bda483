#pragma once
// FakeHttpClient: an in-memory HttpClient for the uploader's tests. Requests wait until the
// test answers them; a streaming upload's body is pulled by the test (PullBody) and ACK text is
// pushed into its response (SendBody). Callbacks run from Poll(), as with the real client.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "platform/net/http_client.h"

namespace kedge::video::kvs::testing {

class FakeHttpClient : public net::HttpClient {
 public:
  struct Request {
    RequestId id = 0;
    net::HttpRequest request;
    Callback done;
    bool paused = false;
    bool body_ended = false;
    std::string body;  // pulled so far
    std::string path;  // from the URL
  };

  // Answers non-streaming requests as they start, when it returns a response.
  std::function<std::optional<net::HttpResponse>(const Request&)> responder;

  RequestId Start(net::HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override;
  void Unpause(RequestId id) override;
  size_t Poll(std::chrono::milliseconds max_wait) override;
  void Wakeup() override {}

  // The open request to `path` ("/putMedia"), or nullptr.
  Request* Find(const std::string& path);
  // Pulls the upload body until the reader pauses or ends; returns the bytes pulled.
  std::string PullBody(RequestId id);
  void SendBody(RequestId id, const std::string& text);
  void Finish(RequestId id, StatusOr<net::HttpResponse> result);

  int started(const std::string& path) const;
  int cancelled() const { return cancelled_; }

 private:
  RequestId next_id_ = 1;
  std::map<RequestId, Request> open_;
  std::deque<std::pair<Callback, StatusOr<net::HttpResponse>>> ready_;
  std::map<std::string, int> started_;
  int cancelled_ = 0;
};

net::HttpResponse JsonResponse(int status, const std::string& body,
                               const std::string& error_type = "");

}  // namespace kedge::video::kvs::testing
