#include "ingest/server/http_connection.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <sstream>
#include <type_traits>

#include "platform/logging.h"

namespace kedge::ingest::server_internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ErrorCode = beast::error_code;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(5);

std::string RequestId(uint64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n >> 16), static_cast<unsigned long long>(n));
  return buf;
}

std::string ChunkFrame(std::string_view data) {
  char size[24];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out = size;
  out.append(data);
  out.append("\r\n");
  return out;
}

bool IsPeerGone(const ErrorCode& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout;
}

template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>>, public ResponseStream {
 public:
  Connection(Stream stream, ServerShared& shared, std::string remote)
      : stream_(std::move(stream)),
        shared_(shared),
        remote_(std::move(remote)),
        tick_timer_(stream_.get_executor()) {
    ++shared_.connections;
  }
  ~Connection() override {
    handler_.reset();  // before the stream it may write to
    --shared_.connections;
  }

  void Run() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest().expires_after(shared_.options.request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](ErrorCode ec) {
                                if (ec) return self->Log("TLS handshake", ec);
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  // ResponseStream
  void Write(std::string data) override {
    if (finished_ || closed_ || data.empty()) return;
    out_.push_back(ChunkFrame(data));
    queued_bytes_ += out_.back().size();
    Flush();
  }
  void Finish() override {
    if (finished_ || closed_) return;
    finished_ = true;
    out_.push_back("0\r\n\r\n");
    queued_bytes_ += out_.back().size();
    Flush();
  }
  size_t queued_bytes() const override { return queued_bytes_; }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Log(const char* what, const ErrorCode& ec) {
    if (IsPeerGone(ec) || ec == asio::ssl::error::stream_truncated) return;
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "ingest: " << remote_ << ": " << what << ": " << ec.message();
  }

  void ReadHeader() {
    if (shared_.stopping) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Lowest().expires_after(shared_.options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](ErrorCode ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(ErrorCode ec) {
    if (ec) {
      if (ec == http::error::header_limit) {
        return SendAndClose(HttpResponse::Make(431, "text/plain", "header too large\n"));
      }
      if (!IsPeerGone(ec)) {
        return SendAndClose(HttpResponse::Make(400, "text/plain", "bad request\n"));
      }
      return Close();
    }
    const auto& head = parser_->get();
    request_ = HttpRequest();
    request_.method = std::string(head.method_string());
    std::string_view target(head.target().data(), head.target().size());
    size_t q = target.find('?');
    request_.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request_.query = std::string(target.substr(q + 1));
    for (const auto& field : head) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request_.remote_address = remote_;
    keep_alive_ = head.keep_alive();
    if (shared_.router.IsStreamed(request_)) return OpenStream();
    if (head.has_content_length() &&
        parser_->content_length().value_or(0) > shared_.options.max_body_bytes) {
      return SendAndClose(HttpResponse::Make(413, "text/plain", "request body too large\n"));
    }
    Lowest().expires_after(shared_.options.request_timeout);
    SendContinueIfAsked([self = this->shared_from_this()] { self->ReadBody(); });
  }

  template <class Next>
  void SendContinueIfAsked(Next next) {
    if (!EqualsIgnoreCase(request_.Header("Expect"), "100-continue") || parser_->is_done()) {
      return next();
    }
    auto text = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(stream_, asio::buffer(*text),
                      [self = this->shared_from_this(), text, next](ErrorCode ec, size_t) {
                        if (ec) return self->Close();
                        next();
                      });
  }

  // Reads some body into chunk_; `done` gets the bytes read (0 at the end of the body).
  template <class Done>
  void ReadSome(Done done) {
    if (parser_->is_done()) return done(ErrorCode(), 0);
    parser_->get().body().data = chunk_;
    parser_->get().body().size = sizeof(chunk_);
    reading_ = true;
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this(), done](ErrorCode ec, size_t) {
                            self->reading_ = false;
                            if (ec == http::error::need_buffer) ec = {};
                            size_t n = sizeof(self->chunk_) - self->parser_->get().body().size;
                            if (!ec && n == 0 && !self->parser_->is_done()) {
                              return self->ReadSome(done);
                            }
                            done(ec, n);
                          });
  }

  void ReadBody() {
    ReadSome([self = this->shared_from_this()](ErrorCode ec, size_t n) {
      if (ec) {
        self->Log("reading request body", ec);
        return self->Close();
      }
      self->request_.body.append(self->chunk_, n);
      if (self->request_.body.size() > self->shared_.options.max_body_bytes) {
        return self->SendAndClose(
            HttpResponse::Make(413, "text/plain", "request body too large\n"));
      }
      if (self->parser_->is_done()) return self->Dispatch();
      self->ReadBody();
    });
  }

  void Dispatch() {
    ++shared_.requests;
    if (shared_.router.StreamsResponse(request_)) return OpenStream(/*whole_request=*/true);
    HttpResponse response = shared_.router.Dispatch(request_);
    request_.body.clear();
    SendResponse(std::move(response), keep_alive_);
  }

  void SendResponse(HttpResponse response, bool keep_alive) {
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) response_->insert(name, value);
    response_->set("x-amzn-RequestId", RequestId(shared_.requests.load()));
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    Lowest().expires_after(shared_.options.request_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep_alive](ErrorCode ec, size_t) {
                        self->response_.reset();
                        if (ec) {
                          self->Log("writing response", ec);
                          return self->Close();
                        }
                        if (!keep_alive) return self->Close();
                        self->ReadHeader();
                      });
  }

  void SendAndClose(HttpResponse response) { SendResponse(std::move(response), false); }

  // --- streamed requests -------------------------------------------------------------------

  // A streamed request body (PutMedia), or, when the request was read whole
  // (Router::StreamsResponse), a response stream that outlives it (GetMedia's live tail).
  void OpenStream(bool whole_request = false) {
    if (!whole_request) ++shared_.requests;  // else Dispatch counted it
    tail_ = whole_request;
    StreamStart start = shared_.router.OpenStream(request_, *this);
    if (start.rejection || !start.handler) {
      return SendAndClose(start.rejection ? std::move(*start.rejection)
                                          : HttpResponse::Make(500, "text/plain", "no handler\n"));
    }
    handler_ = std::move(start.handler);
    http::response_header<> head;
    head.version(11);
    head.result(http::status::ok);
    for (auto& [name, value] : start.headers) head.insert(name, value);
    head.set("x-amzn-RequestId", RequestId(shared_.requests.load()));
    head.set(http::field::transfer_encoding, "chunked");
    std::ostringstream text;
    text << head;
    out_.push_front(text.str());
    queued_bytes_ += out_.front().size();
    Lowest().expires_never();
    if (tail_) {
      body_ended_ = true;
      handler_->OnStart();
      Flush();
      ScheduleTick();
      return WatchPeer();
    }
    SendContinueIfAsked([self = this->shared_from_this()] {
      self->handler_->OnStart();
      self->Flush();
      self->ScheduleTick();
      self->ReadStream();
    });
  }

  // A response stream's client sends nothing more; a read ends when it goes away.
  void WatchPeer() {
    if (reading_ || closed_ || finished_) return;
    reading_ = true;
    Lowest().async_read_some(asio::buffer(chunk_),
                             [self = this->shared_from_this()](ErrorCode ec, size_t) {
                               self->reading_ = false;
                               if (self->closed_) return;
                               if (self->lingering_) return self->Linger();
                               if (ec) return self->Close();
                               self->WatchPeer();
                             });
  }

  void ReadStream() {
    if (finished_ || closed_) return;
    ReadSome([self = this->shared_from_this()](ErrorCode ec, size_t n) {
      if (self->closed_) return;
      if (self->finished_) {
        if (self->lingering_) self->Linger();  // this read kept Linger from starting its own
        return;
      }
      if (ec) {
        self->Log("reading streamed body", ec);
        self->EndStream(UnavailableError("upload broken: " + ec.message()));
        return self->Close();
      }
      if (n > 0) self->handler_->OnBody(std::string_view(self->chunk_, n));
      if (self->parser_->is_done()) return self->EndStream(Status::Ok());
      self->ReadStream();
    });
  }

  void EndStream(const Status& status) {
    if (body_ended_ || !handler_) return;
    body_ended_ = true;
    tick_timer_.cancel();
    if (!finished_) handler_->OnEnd(status);
    if (status.ok()) Finish();
  }

  void ScheduleTick() {
    tick_timer_.expires_after(tail_ ? shared_.options.response_stream_tick_interval
                                    : shared_.options.tick_interval);
    tick_timer_.async_wait([self = this->shared_from_this()](ErrorCode ec) {
      if (ec || (self->body_ended_ && !self->tail_) || self->finished_ || self->closed_) return;
      self->handler_->OnTick();
      self->ScheduleTick();
    });
  }

  void Flush() {
    if (writing_ || out_.empty() || closed_) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = this->shared_from_this()](ErrorCode ec, size_t) {
                        self->writing_ = false;
                        self->queued_bytes_ -= self->out_.front().size();
                        self->out_.pop_front();
                        if (ec) {
                          self->Log("writing streamed response", ec);
                          self->EndStream(UnavailableError("response broken: " + ec.message()));
                          return self->Close();
                        }
                        if (!self->out_.empty()) return self->Flush();
                        if (self->finished_) self->Linger();
                      });
  }

  // After the response is complete: stop sending, and read (discarding) what the client still
  // uploads for a moment, so it sees our last bytes instead of a reset.
  // A body read may still be outstanding (the handler finished from OnTick); only one read may
  // be pending on a socket, so Linger then waits for that one to come back.
  void Linger() {
    if (!lingering_) {
      lingering_ = true;
      tick_timer_.cancel();
      ErrorCode ignored;
      Lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      Lowest().expires_after(kLingerTimeout);
    }
    if (reading_ || closed_) return;
    reading_ = true;
    Lowest().async_read_some(asio::buffer(chunk_),
                             [self = this->shared_from_this()](ErrorCode ec, size_t) {
                               self->reading_ = false;
                               if (ec) return self->Close();
                               self->Linger();
                             });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    tick_timer_.cancel();
    ErrorCode ignored;
    Lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    Lowest().socket().close(ignored);
  }

  Stream stream_;
  ServerShared& shared_;
  std::string remote_;
  asio::steady_timer tick_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  HttpRequest request_;
  bool keep_alive_ = false;
  char chunk_[kReadChunk];

  std::unique_ptr<StreamHandler> handler_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool finished_ = false;
  bool body_ended_ = false;
  bool closed_ = false;
  bool reading_ = false;    // a read is outstanding on the socket
  bool lingering_ = false;  // the response is complete; draining what the client still sends
  bool tail_ = false;       // a response stream that goes on after the (whole) request
  size_t queued_bytes_ = 0;
};

}  // namespace

void ServeConnection(asio::ip::tcp::socket socket, ServerShared& shared, asio::ssl::context* tls) {
  ErrorCode ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string("?") : endpoint.address().to_string() + ":" +
                                                   std::to_string(endpoint.port());
  if (tls != nullptr) {
    std::make_shared<Connection<TlsStream>>(TlsStream(PlainStream(std::move(socket)), *tls),
                                            shared, std::move(remote))
        ->Run();
  } else {
    std::make_shared<Connection<PlainStream>>(PlainStream(std::move(socket)), shared,
                                              std::move(remote))
        ->Run();
  }
}

}  // namespace kedge::ingest::server_internal
