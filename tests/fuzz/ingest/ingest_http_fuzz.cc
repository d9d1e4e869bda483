// fuzz_ingest_http: raw bytes as an HTTP request to kedge-ingest, in-process and without
// sockets: Boost.Beast parses them as the server's connection does, the request goes to the
// router with every service of kedge-ingest registered (Kinesis, Firehose, KVS control plane,
// PutMedia, archived media, HLS), through the SigV4 guard when byte 0 is odd. A streamed
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

#include "ingest/archive/archive_service.h"
#include "ingest/archive/hls_service.h"
#include "ingest/auth/sigv4_verifier.h"
#include "ingest/firehose/firehose_service.h"
#include "ingest/kinesis/kinesis_service.h"
#include "ingest/kvs/kvs_control_plane.h"
#include "ingest/kvs/put_media.h"
#include "ingest/server/router.h"
#include "ingest/storage/database.h"
#include "platform/env.h"

namespace {

namespace http = boost::beast::http;
using namespace kedge::ingest;  // NOLINT: a test's own namespace-less file

// kedge-ingest without its HTTP server: the same wiring as IngestServer::Start.
struct Ingest {
  std::filesystem::path dir;
  kedge::FakeClock clock;
  kedge::PosixEnv env;
  ServiceIdentity identity;
  std::unique_ptr<Database> db;
  std::unique_ptr<KinesisStore> kinesis_store;
  std::unique_ptr<KvsStore> kvs_store;
  std::unique_ptr<FragmentFiles> fragment_files;
  std::unique_ptr<KinesisService> kinesis;
  std::unique_ptr<DeliveryWriter> firehose_writer;
  std::unique_ptr<FirehoseService> firehose;
  std::unique_ptr<KvsControlPlane> kvs_control;
  std::unique_ptr<PutMediaService> put_media;
  std::unique_ptr<ArchiveService> archive;
  std::unique_ptr<HlsService> hls;
  std::unique_ptr<SigV4Verifier> verifier;
  Router open_router;
  Router guarded_router;

  Ingest() {
    char tmpl[] = "/tmp/kedge-fuzz-ingest-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    identity.public_url = "http://127.0.0.1:4567";
    db = Must(Database::Open(":memory:"));
    kinesis_store = Must(KinesisStore::Open(*db, clock));
    kvs_store = Must(KvsStore::Open(*db, clock));
    fragment_files = std::make_unique<FragmentFiles>(dir.string(), env);
    kinesis = std::make_unique<KinesisService>(*kinesis_store, clock, identity);
    firehose_writer = std::make_unique<DeliveryWriter>(
        (dir / "firehose").string(), 1 << 20, std::chrono::seconds(300), clock, env);
    firehose = std::make_unique<FirehoseService>(*firehose_writer, clock, identity);
    kvs_control = std::make_unique<KvsControlPlane>(*kvs_store, *fragment_files, identity);
    put_media = std::make_unique<PutMediaService>(*kvs_store, *fragment_files, clock);
    archive = std::make_unique<ArchiveService>(*kvs_store, *fragment_files);
    hls = std::make_unique<HlsService>(*kvs_store, *archive, clock, identity);
    verifier = std::make_unique<SigV4Verifier>(
        std::vector<kedge::aws::Credentials>{
            {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}},
        clock);
    verifier->Exempt("/hls/");
    for (Router* router : {&open_router, &guarded_router}) {
      kinesis->Register(*router);
      firehose->Register(*router);
      kvs_control->Register(*router);
      put_media->Register(*router);
      archive->Register(*router);
      hls->Register(*router);
    }
    guarded_router.SetGuard([this](const HttpRequest& request, bool streamed) {
      return verifier->Check(request, streamed);
    });
  }
  ~Ingest() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  template <typename T>
  static T Must(kedge::StatusOr<T> value) {
    if (!value.ok()) {
      std::fprintf(stderr, "fuzz_ingest_http: %s\n", value.status().ToString().c_str());
      std::abort();
    }
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
