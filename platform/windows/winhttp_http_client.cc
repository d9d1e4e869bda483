#include "platform/windows/winhttp_http_client.h"

#include <windows.h>
#include <winhttp.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/net/http_text.h"
#include "platform/windows/win32_util.h"
#include "platform/windows/winhttp_text.h"

namespace kedge::windows {

static_assert(kWinHttpTimeout == ERROR_WINHTTP_TIMEOUT);
static_assert(kWinHttpInvalidUrl == ERROR_WINHTTP_INVALID_URL);
static_assert(kWinHttpUnrecognizedScheme == ERROR_WINHTTP_UNRECOGNIZED_SCHEME);
static_assert(kWinHttpNameNotResolved == ERROR_WINHTTP_NAME_NOT_RESOLVED);
static_assert(kWinHttpOperationCancelled == ERROR_WINHTTP_OPERATION_CANCELLED);
static_assert(kWinHttpCannotConnect == ERROR_WINHTTP_CANNOT_CONNECT);
static_assert(kWinHttpConnectionError == ERROR_WINHTTP_CONNECTION_ERROR);
static_assert(kWinHttpSecureCertDateInvalid == ERROR_WINHTTP_SECURE_CERT_DATE_INVALID);
static_assert(kWinHttpSecureCertCnInvalid == ERROR_WINHTTP_SECURE_CERT_CN_INVALID);
static_assert(kWinHttpClientAuthCertNeeded == ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED);
static_assert(kWinHttpSecureInvalidCa == ERROR_WINHTTP_SECURE_INVALID_CA);
static_assert(kWinHttpInvalidServerResponse == ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
static_assert(kWinHttpSecureChannelError == ERROR_WINHTTP_SECURE_CHANNEL_ERROR);
static_assert(kWinHttpSecureInvalidCert == ERROR_WINHTTP_SECURE_INVALID_CERT);
static_assert(kWinHttpSecureCertRevoked == ERROR_WINHTTP_SECURE_CERT_REVOKED);
static_assert(kWinHttpSecureFailure == ERROR_WINHTTP_SECURE_FAILURE);
static_assert(kSecureFlagCertRevFailed == WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED);
static_assert(kSecureFlagInvalidCert == WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT);
static_assert(kSecureFlagCertRevoked == WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED);
static_assert(kSecureFlagInvalidCa == WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA);
static_assert(kSecureFlagCertCnInvalid == WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID);
static_assert(kSecureFlagCertDateInvalid == WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID);
static_assert(kSecureFlagCertWrongUsage == WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE);
static_assert(kSecureFlagChannelError == WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR);

namespace {

constexpr size_t kUploadPiece = 64 * 1024;

struct InternetCloser {
  void operator()(HINTERNET handle) const { WinHttpCloseHandle(handle); }
};
using Internet = std::unique_ptr<void, InternetCloser>;

// WinHTTP's own text for its errors lives in winhttp.dll, not in the system table.
std::string WinHttpMessage(DWORD error) {
  wchar_t* buffer = nullptr;
  DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS |
                FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_FROM_HMODULE;
  DWORD len = FormatMessageW(flags, GetModuleHandleW(L"winhttp.dll"), error, 0,
                             reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = len ? WideToUtf8(std::wstring_view(buffer, len)) : std::string();
  if (buffer != nullptr) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// One request's state. The fields below `request` are shared between the worker and the
// owner thread and guarded by the client's mutex.
struct Transfer {
  net::HttpClient::RequestId id = 0;
  net::HttpRequest request;
  net::HttpClient::Callback done;
  std::thread worker;

  HINTERNET handle = nullptr;  // the request handle while the worker uses it
  bool cancelled = false;
  bool paused = false;      // the body reader said kBodyPause; waits for Unpause
  bool wants_body = false;  // the worker waits for the next piece of a streaming body
  bool body_ready = false;
  std::string body_piece;             // empty with body_ready: the body has ended
  std::vector<std::string> received;  // for on_body, in order
  bool finished = false;
  StatusOr<net::HttpResponse> result = UnavailableError("not finished");
  uint32_t secure_flags = 0;  // from the status callback, on a TLS failure
};

class WinHttpClient : public net::HttpClient {
 public:
  WinHttpClient(Internet session, const net::HttpClientOptions& options)
      : session_(std::move(session)), options_(options) {}

  ~WinHttpClient() override {
    std::vector<std::unique_ptr<Transfer>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, t] : transfers_) CancelLocked(*t);
    }
    work_cv_.notify_all();
    for (auto& [id, t] : transfers_) t->worker.join();
    for (auto& [id, t] : transfers_) t->done(CancelledError("HTTP client destroyed"));
  }

  RequestId Start(net::HttpRequest request, Callback done) override {
    auto transfer = std::make_unique<Transfer>();
    Transfer* t = transfer.get();
    std::lock_guard<std::mutex> lock(mu_);
    t->id = ++last_id_;
    t->request = std::move(request);
    t->done = std::move(done);
    transfers_[t->id] = std::move(transfer);
    t->worker = std::thread([this, t] { Finish(*t, Run(*t)); });
    return t->id;
  }

  void Cancel(RequestId id) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = transfers_.find(id);
      if (it == transfers_.end()) return;
      CancelLocked(*it->second);
    }
    work_cv_.notify_all();
  }

  void Unpause(RequestId id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = transfers_.find(id);
    if (it != transfers_.end()) it->second->paused = false;
  }

  size_t Poll(std::chrono::milliseconds max_wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    poll_cv_.wait_for(lock, max_wait, [this] { return wakeup_ || HasWorkLocked(); });
    wakeup_ = false;
    for (auto it = transfers_.begin(); it != transfers_.end();) {
      Transfer& t = *it->second;
      ServeLocked(t, lock);
      if (!t.finished || !t.received.empty()) {
        ++it;
        continue;
      }
      std::unique_ptr<Transfer> done = std::move(it->second);
      it = transfers_.erase(it);
      lock.unlock();
      done->worker.join();
      done->done(std::move(done->result));
      lock.lock();
      it = transfers_.lower_bound(done->id);  // the map may have changed meanwhile
    }
    return transfers_.size();
  }

  void Wakeup() override {
    std::lock_guard<std::mutex> lock(mu_);
    wakeup_ = true;
    poll_cv_.notify_all();
  }

 private:
  bool HasWorkLocked() const {
    for (const auto& [id, t] : transfers_) {
      if (t->finished || !t->received.empty() || (t->wants_body && !t->paused)) return true;
    }
    return false;
  }

  // On the owner thread: pulls the next body piece a worker waits for, and hands received
  // pieces to on_body. Calls the caller's functions with the lock released.
  void ServeLocked(Transfer& t, std::unique_lock<std::mutex>& lock) {
    if (t.wants_body && !t.paused && !t.cancelled) {
      std::string piece(kUploadPiece, '\0');
      lock.unlock();
      size_t n = t.request.body_reader(piece.data(), piece.size());
      lock.lock();
      if (n == net::kBodyPause) {
        t.paused = true;
      } else {
        piece.resize(n);
        t.body_piece = std::move(piece);
        t.body_ready = true;
        t.wants_body = false;
        work_cv_.notify_all();
      }
    }
    while (!t.received.empty()) {
      std::vector<std::string> pieces = std::move(t.received);
      t.received.clear();
      lock.unlock();
      for (const std::string& piece : pieces) t.request.on_body(piece);
      lock.lock();
    }
  }

  void CancelLocked(Transfer& t) {
    t.cancelled = true;
    // Closing the handle makes the worker's pending WinHTTP call return with an error.
    if (t.handle != nullptr) {
      WinHttpCloseHandle(t.handle);
      t.handle = nullptr;
    }
  }

  void Finish(Transfer& t, StatusOr<net::HttpResponse> result) {
    std::lock_guard<std::mutex> lock(mu_);
    if (t.handle != nullptr) {
      WinHttpCloseHandle(t.handle);
      t.handle = nullptr;
    }
    t.result = t.cancelled ? StatusOr<net::HttpResponse>(CancelledError("request cancelled"))
                           : std::move(result);
    t.finished = true;
    poll_cv_.notify_all();
  }

  Status Failed(Transfer& t, const char* call) {
    DWORD error = GetLastError();
    uint32_t flags;
    {
      std::lock_guard<std::mutex> lock(mu_);
      flags = t.secure_flags;
    }
    return WinHttpErrorStatus(error, flags, std::string(call) + " " + t.request.url,
                              WinHttpMessage(error));
  }

  // The worker: the whole request with WinHTTP's synchronous calls.
  StatusOr<net::HttpResponse> Run(Transfer& t) {
    std::wstring url = Utf8ToWide(t.request.url);
    URL_COMPONENTS parts = {};
    parts.dwStructSize = sizeof(parts);
    parts.dwSchemeLength = parts.dwHostNameLength = parts.dwUrlPathLength =
        parts.dwExtraInfoLength = static_cast<DWORD>(-1);
    if (!WinHttpCrackUrl(url.c_str(), 0, 0, &parts)) return Failed(t, "parsing");
    std::wstring host(parts.lpszHostName, parts.dwHostNameLength);
    std::wstring path(parts.lpszUrlPath, parts.dwUrlPathLength);
    path.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);
    if (path.empty()) path = L"/";
    const bool https = parts.nScheme == INTERNET_SCHEME_HTTPS;

    Internet connection(WinHttpConnect(session_.get(), host.c_str(), parts.nPort, 0));
    if (!connection) return Failed(t, "connecting to");
    HINTERNET request = WinHttpOpenRequest(
        connection.get(), Utf8ToWide(t.request.method).c_str(), path.c_str(), nullptr,
        WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, https ? WINHTTP_FLAG_SECURE : 0);
    if (request == nullptr) return Failed(t, "opening");
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (t.cancelled) {
        WinHttpCloseHandle(request);
        return CancelledError("request cancelled");
      }
      t.handle = request;
    }
    KEDGE_RETURN_IF_ERROR(Configure(t, request));
    KEDGE_RETURN_IF_ERROR(Send(t, request));
    if (!WinHttpReceiveResponse(request, nullptr)) return Failed(t, "receiving from");
    return Receive(t, request);
  }

  Status Configure(Transfer& t, HINTERNET request) {
    int connect_ms = static_cast<int>(t.request.connect_timeout.count());
    int io_ms = static_cast<int>(t.request.timeout.count());  // 0: no limit, as in WinHTTP
    if (!WinHttpSetTimeouts(request, connect_ms, connect_ms, io_ms, io_ms)) {
      return Failed(t, "setting timeouts for");
    }
    if (!options_.tls.verify_peer) {
      DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_DATE_INVALID |
                    SECURITY_FLAG_IGNORE_CERT_CN_INVALID | SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
      if (!WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags))) {
        return Failed(t, "turning off TLS verification for");
      }
    }
    // Why a TLS handshake fails comes only through the status callback.
    DWORD_PTR context = reinterpret_cast<DWORD_PTR>(&t);
    WinHttpSetOption(request, WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof(context));
    WinHttpSetStatusCallback(request, &WinHttpClient::OnStatus,
                             WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0);
    std::string headers;
    for (const auto& [name, value] : t.request.headers) {
      // WinHTTP writes these itself from the body it is given.
      if (net::EqualsIgnoreCase(name, "content-length") ||
          net::EqualsIgnoreCase(name, "transfer-encoding")) {
        continue;
      }
      headers += name + ": " + value + "\r\n";
    }
    if (t.request.body_reader) headers += "Transfer-Encoding: chunked\r\n";
    if (!headers.empty() &&
        !WinHttpAddRequestHeaders(request, Utf8ToWide(headers).c_str(), static_cast<DWORD>(-1),
                                  WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE)) {
      return Failed(t, "adding headers to");
    }
    return Status::Ok();
  }

  static void CALLBACK OnStatus(HINTERNET, DWORD_PTR context, DWORD status, void* info, DWORD) {
    if (status != WINHTTP_CALLBACK_STATUS_SECURE_FAILURE || context == 0 || info == nullptr) {
      return;
    }
    // Called on the worker's thread inside its own WinHTTP call; the owner only reads the
    // flags after Finish, under the lock.
    reinterpret_cast<Transfer*>(context)->secure_flags = *static_cast<DWORD*>(info);
  }

  Status Send(Transfer& t, HINTERNET request) {
    if (!t.request.body_reader) {
      const std::string& body = t.request.body;
      DWORD size = static_cast<DWORD>(body.size());
      void* data = size ? const_cast<char*>(body.data()) : WINHTTP_NO_REQUEST_DATA;
      if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, data, size, size, 0)) {
        return Failed(t, "sending to");
      }
      return Status::Ok();
    }
    if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                            WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH, 0)) {
      return Failed(t, "sending to");
    }
    for (;;) {
      std::string piece;
      {
        std::unique_lock<std::mutex> lock(mu_);
        t.wants_body = true;
        t.body_ready = false;
        poll_cv_.notify_all();
        work_cv_.wait(lock, [&t] { return t.body_ready || t.cancelled; });
        if (t.cancelled) return CancelledError("request cancelled");
        piece = std::move(t.body_piece);
      }
      std::string frame = ChunkFrame(piece);
      DWORD written = 0;
      if (!WinHttpWriteData(request, frame.data(), static_cast<DWORD>(frame.size()), &written)) {
        return Failed(t, "uploading to");
      }
      if (piece.empty()) return Status::Ok();  // the last chunk went out
    }
  }

  StatusOr<net::HttpResponse> Receive(Transfer& t, HINTERNET request) {
    DWORD size = 0;
    WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX,
                        nullptr, &size, WINHTTP_NO_HEADER_INDEX);
    std::wstring raw(size / sizeof(wchar_t) + 1, L'\0');
    if (!WinHttpQueryHeaders(request, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_HEADER_NAME_BY_INDEX,
                             raw.data(), &size, WINHTTP_NO_HEADER_INDEX)) {
      return Failed(t, "reading the headers of");
    }
    raw.resize(size / sizeof(wchar_t));
    net::HttpResponse response;
    KEDGE_RETURN_IF_ERROR(ParseRawHeaders(WideToUtf8(raw), &response));
    std::string buffer;
    for (;;) {
      DWORD available = 0;
      if (!WinHttpQueryDataAvailable(request, &available)) return Failed(t, "reading from");
      if (available == 0) break;
      buffer.resize(available);
      DWORD read = 0;
      if (!WinHttpReadData(request, buffer.data(), available, &read)) {
        return Failed(t, "reading from");
      }
      buffer.resize(read);
      if (!t.request.on_body) {
        response.body += buffer;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      t.received.push_back(buffer);
      poll_cv_.notify_all();
    }
    return response;
  }

  Internet session_;
  const net::HttpClientOptions options_;
  std::mutex mu_;
  std::condition_variable poll_cv_;  // the owner waits in Poll
  std::condition_variable work_cv_;  // workers wait for body pieces
  bool wakeup_ = false;
  RequestId last_id_ = 0;
  std::map<RequestId, std::unique_ptr<Transfer>> transfers_;
};

}  // namespace

StatusOr<std::unique_ptr<net::HttpClient>> NewWinHttpClient(const net::HttpClientOptions& options) {
  if (!options.tls.ca_file.empty()) {
    return InvalidArgumentError(
        "tls ca_file " + options.tls.ca_file +
        ": the Windows HTTP client trusts the Windows certificate store; import the CA with "
        "certutil -addstore Root " +
        options.tls.ca_file + " and leave ca_file unset");
  }
  if (!options.tls.client_cert.empty() || !options.tls.client_key.empty()) {
    return InvalidArgumentError(
        "client certificates from PEM files are not supported by the Windows HTTP client yet");
  }
  std::wstring agent = Utf8ToWide(options.user_agent);
  Internet session;
  if (!options.proxy.empty()) {
    session.reset(WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_NAMED_PROXY,
                              Utf8ToWide(options.proxy).c_str(), L"<local>", 0));
  } else {
    // The system's proxy settings (Windows 8.1 and later), else a direct connection.
    session.reset(WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY,
                              WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0));
    if (!session) {
      session.reset(WinHttpOpen(agent.c_str(), WINHTTP_ACCESS_TYPE_DEFAULT_PROXY,
                                WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0));
    }
  }
  if (!session) {
    DWORD error = GetLastError();
    return WinHttpErrorStatus(error, 0, "opening a WinHTTP session", WinHttpMessage(error));
  }
  // Keep-alive connections per host, as many as the caller allows.
  DWORD per_server = static_cast<DWORD>(options.max_connections);
  WinHttpSetOption(session.get(), WINHTTP_OPTION_MAX_CONNS_PER_SERVER, &per_server,
                   sizeof(per_server));
  return std::unique_ptr<net::HttpClient>(
      std::make_unique<WinHttpClient>(std::move(session), options));
}

}  // namespace kedge::windows
