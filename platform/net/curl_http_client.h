#pragma once
// CurlHttpClient: HttpClient on libcurl's multi interface (one CURLM per client).
//
// Connections are kept alive and reused through the multi handle's connection cache (at most
// HttpClientOptions::max_connections); TLS goes through OpenSSL, verifying peer and host name
// unless told otherwise, TLS 1.2 at least. Timeouts, proxies and streaming bodies follow
// http_client.h.
//
// Threading: as HttpClient — one owner thread; Wakeup() from any thread. Completion callbacks
// run from Poll() (and from the destructor, with Cancelled), never from Start() or Cancel().
// Re-entrancy: a completion callback may Start, Cancel or Unpause requests and may destroy the
// client. A body_reader / on_body callback may Start, Cancel or Unpause, but must not destroy
// the client nor call Poll or Send (it runs inside libcurl; such a Poll does nothing).

#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "platform/net/http_client.h"

typedef void CURLM;
typedef void CURLSH;

namespace kedge::net {

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpClientOptions& options);
  ~CurlHttpClient() override;

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  RequestId Start(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override;
  void Unpause(RequestId id) override;
  size_t Poll(std::chrono::milliseconds max_wait) override;
  void Wakeup() override;

  struct Transfer;  // one request in flight; defined in the .cc

 private:
  struct Completion {
    Callback done;
    StatusOr<HttpResponse> result;
  };

  // Drives libcurl without waiting; collects finished transfers into ready_.
  void Perform();
  // Adds a configured transfer to the multi handle (fails it when libcurl refuses).
  void AddToMulti(RequestId id);
  // Removes the transfer from the multi, frees it and queues its callback.
  void Finish(RequestId id, StatusOr<HttpResponse> result);
  // Runs queued callbacks. Returns false when a callback destroyed this client.
  bool RunCompletions();
  // Applies Start/Cancel/Unpause calls made from inside libcurl callbacks.
  void ApplyDeferred();

  HttpClientOptions options_;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;  // TLS session and DNS cache shared by this client's transfers
  RequestId next_id_ = 1;
  std::map<RequestId, std::unique_ptr<Transfer>> transfers_;
  std::deque<Completion> ready_;
  bool in_curl_ = false;  // inside curl_multi_perform: curl_multi_* calls must wait
  bool destroying_ = false;
  std::vector<RequestId> deferred_adds_;
  std::vector<RequestId> deferred_cancels_;
  std::vector<RequestId> deferred_unpauses_;
  // Shared with Poll() frames on the stack so they notice when a callback destroyed the client.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kedge::net
