#include "platform/net/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <utility>

#include "platform/logging.h"
#include "platform/net/curl_errors.h"
#include "platform/net/http_text.h"

namespace kedge::net {

struct CurlHttpClient::Transfer {
  RequestId id = 0;
  CURL* easy = nullptr;
  HttpRequest request;
  Callback done;
  HttpResponse response;
  curl_slist* header_list = nullptr;
  std::string host;  // from the URL, for error messages
  std::string port;
  bool paused = false;     // the body reader returned kBodyPause
  bool cancelled = false;  // Cancel() arrived while libcurl was running
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (header_list != nullptr) curl_slist_free_all(header_list);
  }
};

namespace {

using Transfer = CurlHttpClient::Transfer;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->cancelled) return 0;  // aborts the transfer
  if (t->request.on_body) {
    t->request.on_body(std::string_view(data, n));
  } else {
    t->response.body.append(data, n);
  }
  return t->cancelled ? 0 : n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    t->response.headers.clear();  // a new response (after 1xx) starts
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->response.headers.emplace_back(AsciiLower(TrimHttpSpace(line.substr(0, colon))),
                                     std::string(TrimHttpSpace(line.substr(colon + 1))));
  }
  return n;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancelled) return CURL_READFUNC_ABORT;
  size_t max = size * count;
  size_t n = t->request.body_reader(buffer, max);
  if (n == kBodyPause) {
    t->paused = true;
    return CURL_READFUNC_PAUSE;
  }
  return n > max ? CURL_READFUNC_ABORT : n;
}

bool HasHeader(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (AsciiLower(header.first) == name) return true;
  }
  return false;
}

// Parses the URL up front so a malformed one fails at once with InvalidArgument, and so error
// messages can name host and port.
Status ParseUrl(Transfer& t) {
  const std::string& url = t.request.url;
  Status invalid = InvalidArgumentError(
      "invalid URL '" + url + "': expected http://host[:port]/path or https://host[:port]/path");
  CURLU* u = curl_url();
  if (u == nullptr) return ResourceExhaustedError("out of memory");
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  ok = ok && (AsciiLower(scheme) == "http" || AsciiLower(scheme) == "https") && host[0] != '\0';
  if (ok) {
    t.host = host;
    t.port = port;
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return ok ? Status() : invalid;
}

void SetHeaders(Transfer& t) {
  const HttpRequest& r = t.request;
  for (const auto& [name, value] : r.headers) {
    // "Name;" is libcurl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    t.header_list = curl_slist_append(t.header_list, line.c_str());
  }
  // No "Expect: 100-continue" round trip before bodies.
  if (!HasHeader(r.headers, "expect")) t.header_list = curl_slist_append(t.header_list, "Expect:");
  if (r.body_reader && !HasHeader(r.headers, "transfer-encoding")) {
    t.header_list = curl_slist_append(t.header_list, "Transfer-Encoding: chunked");
  }
  // libcurl would otherwise label every POST as a form.
  if (!HasHeader(r.headers, "content-type")) {
    t.header_list = curl_slist_append(t.header_list, "Content-Type:");
  }
  curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.header_list);
}

void SetMethodAndBody(Transfer& t) {
  const HttpRequest& r = t.request;
  CURL* e = t.easy;
  if (r.body_reader) {
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);  // no size given: chunked
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &OnRead);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  } else if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  } else if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
}

void SetTls(CURL* e, const HttpClientOptions& options) {
  const TlsOptions& tls = options.tls;
  curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls.verify_peer ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls.verify_peer ? 2L : 0L);
  if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!tls.client_key.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLKEY, tls.client_key.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

Status Configure(Transfer& t, const HttpClientOptions& options, CURLSH* share) {
  KEDGE_RETURN_IF_ERROR(ParseUrl(t));
  t.easy = curl_easy_init();
  if (t.easy == nullptr) return ResourceExhaustedError("curl_easy_init failed: out of memory");
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_URL, t.request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnWrite);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(t.request.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t.request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  if (!options.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, options.proxy.c_str());
  if (share != nullptr) curl_easy_setopt(e, CURLOPT_SHARE, share);
  SetTls(e, options);
  SetMethodAndBody(t);
  SetHeaders(t);
  return Status();
}

StatusOr<HttpResponse> ResultOf(Transfer& t, CURLcode code, const HttpClientOptions& options) {
  if (t.cancelled) return CancelledError("request cancelled");
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }
  CurlFailure f;
  f.code = code;
  f.method = t.request.method;
  f.url = t.request.url;
  f.host = t.host;
  f.port = t.port;
  f.error_buffer = t.error;
  curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &f.os_errno);
  curl_easy_getinfo(t.easy, CURLINFO_SSL_VERIFYRESULT, &f.ssl_verify_result);
  curl_off_t connect_us = 0;
  curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
  f.connected = connect_us > 0;
  f.connect_timeout_ms = static_cast<long>(t.request.connect_timeout.count());
  f.timeout_ms = static_cast<long>(t.request.timeout.count());
  f.has_client_cert = !options.tls.client_cert.empty();
  f.ca_file = options.tls.ca_file;
  f.client_cert = options.tls.client_cert;
  return CurlFailureToStatus(f);
}

}  // namespace

CurlHttpClient::CurlHttpClient(const HttpClientOptions& options) : options_(options) {
  GlobalInitOnce();
  multi_ = curl_multi_init();
  long max = static_cast<long>(options_.max_connections == 0 ? 1 : options_.max_connections);
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, max);
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, max);
  share_ = curl_share_init();
  if (share_ != nullptr) {
    // One owner thread uses the share, so it needs no lock callbacks.
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
}

CurlHttpClient::~CurlHttpClient() {
  *alive_ = false;
  destroying_ = true;
  while (!transfers_.empty() || !ready_.empty()) {
    while (!transfers_.empty()) {
      Finish(transfers_.begin()->first, CancelledError("HTTP client shut down"));
    }
    RunCompletions();
  }
  curl_multi_cleanup(multi_);
  if (share_ != nullptr) curl_share_cleanup(share_);
}

HttpClient::RequestId CurlHttpClient::Start(HttpRequest request, Callback done) {
  RequestId id = next_id_++;
  auto t = std::make_unique<Transfer>();
  t->id = id;
  t->request = std::move(request);
  t->done = std::move(done);
  if (destroying_) {
    ready_.push_back({std::move(t->done), CancelledError("HTTP client shut down")});
    return id;
  }
  Status setup = Configure(*t, options_, share_);
  if (!setup.ok()) {
    ready_.push_back({std::move(t->done), std::move(setup)});
    return id;
  }
  transfers_.emplace(id, std::move(t));
  if (in_curl_) {
    deferred_adds_.push_back(id);
  } else {
    AddToMulti(id);
  }
  return id;
}

void CurlHttpClient::AddToMulti(RequestId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  CURLMcode rc = curl_multi_add_handle(multi_, it->second->easy);
  if (rc != CURLM_OK) {
    Finish(id, InternalError(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc)));
  }
}

void CurlHttpClient::Cancel(RequestId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  if (in_curl_) {
    it->second->cancelled = true;
    deferred_cancels_.push_back(id);
    return;
  }
  Finish(id, CancelledError("request cancelled"));
}

void CurlHttpClient::Unpause(RequestId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  if (in_curl_) {
    deferred_unpauses_.push_back(id);
    return;
  }
  Transfer& t = *it->second;
  if (!t.paused) return;
  t.paused = false;
  in_curl_ = true;  // curl_easy_pause may call the body callbacks right away
  curl_easy_pause(t.easy, CURLPAUSE_CONT);
  in_curl_ = false;
  ApplyDeferred();
}

void CurlHttpClient::Wakeup() { curl_multi_wakeup(multi_); }

size_t CurlHttpClient::Poll(std::chrono::milliseconds max_wait) {
  if (in_curl_) {
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "HttpClient::Poll/Send called from a body callback: ignored (a bug in the caller)";
    return transfers_.size();
  }
  Perform();
  if (ready_.empty()) {
    int fds = 0;
    const auto wait = std::clamp<std::chrono::milliseconds::rep>(max_wait.count(), 0, INT_MAX);
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait), &fds);
    Perform();
  }
  if (!RunCompletions()) return 0;  // a callback destroyed the client
  return transfers_.size();
}

void CurlHttpClient::Perform() {
  int running = 0;
  in_curl_ = true;
  curl_multi_perform(multi_, &running);
  in_curl_ = false;
  ApplyDeferred();
  // Finished transfers are only collected here; their callbacks run later from
  // RunCompletions(), when no libcurl call is on the stack.
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (t == nullptr) continue;
    Finish(t->id, ResultOf(*t, msg->data.result, options_));
  }
}

void CurlHttpClient::ApplyDeferred() {
  std::vector<RequestId> cancels;
  cancels.swap(deferred_cancels_);
  for (RequestId id : cancels) Finish(id, CancelledError("request cancelled"));
  std::vector<RequestId> adds;
  adds.swap(deferred_adds_);
  for (RequestId id : adds) AddToMulti(id);
  std::vector<RequestId> unpauses;
  unpauses.swap(deferred_unpauses_);
  for (RequestId id : unpauses) Unpause(id);
}

void CurlHttpClient::Finish(RequestId id, StatusOr<HttpResponse> result) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  curl_multi_remove_handle(multi_, t->easy);  // fine for a handle that was never added
  ready_.push_back({std::move(t->done), std::move(result)});
}

bool CurlHttpClient::RunCompletions() {
  std::shared_ptr<bool> alive = alive_;
  const bool was_alive = *alive;  // false when the destructor drains the queue
  while (!ready_.empty()) {
    Completion c = std::move(ready_.front());
    ready_.pop_front();
    if (c.done) c.done(std::move(c.result));
    if (was_alive && !*alive) return false;  // `this` is gone: touch nothing
  }
  return true;
}

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace kedge::net
