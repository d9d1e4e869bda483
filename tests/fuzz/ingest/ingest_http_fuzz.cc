// fuzz_ingest_http: raw bytes as an HTTP request to kedge-ingest, in-process and without
// sockets: Boost.Beast parses them as the server's connection does, the request goes to the
// router with every service of kedge-ingest registered as IngestServer does (Kinesis, Firehose,
// KVS control plane, PutMedia, archived media, HLS, the web console), through the SigV4 and
// console-token guard when byte 0 is odd. A streamed
// request (PutMedia) has its body fed to the stream handler in pieces of a size byte 0 picks.
// Nothing may crash; every answer is a valid HTTP status.
// The services keep their state (an in-memory SQLite database, fragment files in a temporary
// directory removed at exit) across inputs, like a server that stays up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "ingest/ingest_services.h"
#include "ingest/server/router.h"
#include "platform/env.h"

namespace {

namespace http = boost::beast::http;
using namespace kedge::ingest;  // NOLINT: a test's own namespace-less file

// kedge-ingest without its HTTP server, twice: open, and with credentials (SigV4 and the
// console's token checked), each with its own in-memory database.
struct Ingest {
  std::filesystem::path dir;
  kedge::FakeClock clock;
  kedge::PosixEnv env;
  ServiceIdentity identity;
  std::unique_ptr<IngestServices> open;
  std::unique_ptr<IngestServices> guarded;
  Router open_router;
  Router guarded_router;

  Ingest() {
    char tmpl[] = "/tmp/kedge-fuzz-ingest-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    identity.public_url = "http://127.0.0.1:4567";
    IngestOptions options;
    options.data_dir = (dir / "open").string();
    options.firehose_file_bytes = 1 << 20;
    Must(env.CreateDirs(options.data_dir));
    open = Must(IngestServices::Open(options, ":memory:", identity, clock, env));
    options.data_dir = (dir / "guarded").string();
    Must(env.CreateDirs(options.data_dir));
    options.credentials = {
        {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
    options.console_token = "fuzz-console-token";
    guarded = Must(IngestServices::Open(options, ":memory:", identity, clock, env));
    open->Register(open_router);
    guarded->Register(guarded_router);
  }
  ~Ingest() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static void Must(const kedge::Status& status) {
    if (!status.ok()) {
      std::fprintf(stderr, "fuzz_ingest_http: %s\n", status.ToString().c_str());
      std::abort();
    }
  }
  template <typename T>
  static T Must(kedge::StatusOr<T> value) {
    Must(value.status());
    return std::move(value).value();
  }
};

// Collects the streamed answer.
class CollectingStream final : public ResponseStream {
 public:
  void Write(std::string data) override {
    if (!finished_) written_ += data.size();
  }
  void Finish() override { finished_ = true; }
  size_t queued_bytes() const override { return 0; }  // everything is taken at once
  bool finished() const { return finished_; }

 private:
  size_t written_ = 0;
  bool finished_ = false;
};

void CheckStatus(int status) {
  if (status < 100 || status > 599) std::abort();
}

void ServeStreamed(const Router& router, HttpRequest request, size_t chunk) {
  std::string body = std::move(request.body);
  request.body.clear();
  CollectingStream out;
  StreamStart start = router.OpenStream(request, out);
  if (start.rejection) return CheckStatus(start.rejection->status);
  if (!start.handler) std::abort();
  for (size_t pos = 0; pos < body.size() && !out.finished(); pos += chunk) {
    start.handler->OnBody(std::string_view(body).substr(pos, chunk));
    start.handler->OnTick();
  }
  start.handler->OnEnd(kedge::Status::Ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Ingest ingest;  // destroyed at exit, which removes its directory
  if (size == 0) return 0;
  const Router& router = (data[0] & 1) ? ingest.guarded_router : ingest.open_router;
  size_t chunk = 1 + ((data[0] >> 1) & 0x7f) * 37;

  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1 << 20);
  boost::beast::error_code ec;
  const uint8_t* p = data + 1;
  size_t left = size - 1;
  while (left > 0 && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(p, left), ec);
    if (ec || used == 0) break;
    p += used;
    left -= used;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400 and closes

  const auto& message = parser.get();
  HttpRequest request;
  request.method = std::string(message.method_string());
  std::string_view target(message.target().data(), message.target().size());
  size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = message.body();
  request.remote_address = "127.0.0.1";
  if (router.IsStreamed(request)) {
    ServeStreamed(router, std::move(request), chunk);
  } else {
    CheckStatus(router.Dispatch(request).status);
  }
  return 0;
}
