#include "ingest/ingest_server.h"

#include "ingest/archive/archive_service.h"
#include "ingest/archive/hls_service.h"
#include "ingest/auth/sigv4_verifier.h"
#include "ingest/firehose/firehose_service.h"
#include "ingest/kinesis/kinesis_service.h"
#include "ingest/kvs/kvs_control_plane.h"
#include "ingest/kvs/put_media.h"
#include "ingest/maintenance.h"
#include "ingest/storage/database.h"
#include "ingest/web/console_service.h"
#include "platform/logging.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

namespace kedge::ingest {

// Declared in order of construction; destroyed in reverse, the server first.
struct IngestServer::Parts {
  std::unique_ptr<Database> db;
  std::unique_ptr<KinesisStore> kinesis_store;
  std::unique_ptr<KinesisService> kinesis;
  std::unique_ptr<DeliveryWriter> firehose_writer;
  std::unique_ptr<FirehoseService> firehose;
  std::unique_ptr<KvsStore> kvs_store;
  std::unique_ptr<FragmentFiles> fragment_files;
  std::unique_ptr<KvsControlPlane> kvs_control;
  std::unique_ptr<PutMediaService> put_media;
  std::unique_ptr<ArchiveService> archive;
  std::unique_ptr<HlsService> hls;
  std::unique_ptr<ConsoleService> console;
  std::unique_ptr<SigV4Verifier> verifier;
  Router router;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<Maintenance> maintenance;

  // The maintenance thread runs Maintenance::RunOnce every `period` until stopped.
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;  // guarded by mu
  std::thread housekeeper;

  void Housekeep(std::chrono::seconds period) {
    std::unique_lock<std::mutex> lock(mu);
    while (!wake.wait_for(lock, period, [this] { return stopping; })) {
      lock.unlock();
      StatusOr<MaintenanceReport> report = maintenance->RunOnce();
      if (!report.ok()) {
        KEDGE_LOG_EVERY(kWarn, std::chrono::minutes(5)) << "ingest maintenance: " << report.status().ToString();
      } else if (report->fragments_expired + report->fragments_evicted + report->records_trimmed > 0) {
        KEDGE_LOG(kInfo) << "ingest maintenance: " << report->records_trimmed << " records and "
                         << report->fragments_expired << " fragments past retention, "
                         << report->fragments_evicted << " fragments over the video disk cap removed";
      }
      lock.lock();
    }
  }
};

namespace {

std::string NewConsoleToken() {
  std::random_device random;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x%08x%08x%08x", random(), random(), random(), random());
  return buf;
}

}  // namespace

IngestServer::IngestServer() : parts_(std::make_unique<Parts>()) {}

IngestServer::~IngestServer() { Stop(); }

StatusOr<std::unique_ptr<IngestServer>> IngestServer::Start(IngestOptions options, Clock& clock,
                                                            Env& env) {
  if (options.data_dir.empty()) return InvalidArgumentError("--data-dir is required");
  Status dirs = env.CreateDirs(options.data_dir);
  if (!dirs.ok()) return dirs.WithContext("--data-dir");
  std::unique_ptr<IngestServer> server(new IngestServer());
  Parts& parts = *server->parts_;
  KEDGE_ASSIGN_OR_RETURN(parts.db, Database::Open(options.data_dir + "/ingest.db"));
  KEDGE_ASSIGN_OR_RETURN(parts.kinesis_store, KinesisStore::Open(*parts.db, clock));
  KEDGE_ASSIGN_OR_RETURN(parts.kvs_store, KvsStore::Open(*parts.db, clock));
  parts.fragment_files = std::make_unique<FragmentFiles>(options.data_dir, env);

  HttpServerOptions http = options.http;
  http.address = options.listen_address;
  http.port = options.listen_port;
  http.tls_cert_file = options.tls_cert_file;
  http.tls_key_file = options.tls_key_file;
  parts.http = std::make_unique<HttpServer>(http, parts.router);

  // The public URL needs the bound port, so bind first and serve once the identity is complete.
  KEDGE_RETURN_IF_ERROR(parts.http->Listen());
  ServiceIdentity& identity = server->identity_;
  identity.region = options.region;
  if (options.public_url.empty()) {
    std::string host = options.listen_address;
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    identity.public_url = std::string(parts.http->tls() ? "https" : "http") + "://" + host + ":" +
                          std::to_string(parts.http->port());
  } else {
    identity.public_url = options.public_url;
    while (!identity.public_url.empty() && identity.public_url.back() == '/') {
      identity.public_url.pop_back();
    }
  }
  parts.kinesis = std::make_unique<KinesisService>(*parts.kinesis_store, clock, identity);
  parts.kinesis->Register(parts.router);
  parts.firehose_writer = std::make_unique<DeliveryWriter>(
      options.data_dir + "/firehose", options.firehose_file_bytes, options.firehose_file_age,
      clock, env);
  parts.firehose = std::make_unique<FirehoseService>(*parts.firehose_writer, clock, identity);
  parts.firehose->Register(parts.router);
  parts.kvs_control =
      std::make_unique<KvsControlPlane>(*parts.kvs_store, *parts.fragment_files, identity);
  parts.kvs_control->Register(parts.router);
  parts.put_media = std::make_unique<PutMediaService>(*parts.kvs_store, *parts.fragment_files,
                                                      clock, options.put_media);
  parts.put_media->Register(parts.router);
  parts.archive = std::make_unique<ArchiveService>(*parts.kvs_store, *parts.fragment_files);
  parts.archive->Register(parts.router);
  parts.hls = std::make_unique<HlsService>(*parts.kvs_store, *parts.archive, clock, identity);
  parts.hls->Register(parts.router);
  if (options.console) {
    std::string token = options.credentials.empty() ? std::string() : options.console_token;
    if (!options.credentials.empty() && token.empty()) token = NewConsoleToken();
    parts.console = std::make_unique<ConsoleService>(*parts.kvs_store, *parts.kinesis_store,
                                                     *parts.firehose_writer, *parts.hls, env, token);
    parts.console->Register(parts.router);
    server->console_url_ = identity.public_url + "/" + (token.empty() ? "" : "?token=" + token);
  }
  if (!options.credentials.empty()) {
    parts.verifier = std::make_unique<SigV4Verifier>(options.credentials, clock);
    SigV4Verifier& verifier = *parts.verifier;
    verifier.Exempt("/hls/");  // authorized by the session token in the URL
    const ConsoleService* console = parts.console.get();
    parts.router.SetGuard([&verifier, console](const HttpRequest& request, bool streamed) {
      // A browser cannot sign requests: the console has its own token (console_service.h).
      if (console != nullptr && ConsoleService::Handles(request)) return console->Authorize(request);
      return verifier.Check(request, streamed);
    });
  }
  parts.maintenance = std::make_unique<Maintenance>(*parts.kinesis_store, *parts.kvs_store,
                                                    *parts.fragment_files, *parts.firehose_writer,
                                                    options.video_cap_bytes);
  if (options.maintenance_period.count() > 0) {
    parts.housekeeper = std::thread([&parts, period = options.maintenance_period] {
      parts.Housekeep(period);
    });
  }
  parts.http->Run();
  return server;
}

void IngestServer::Stop() {
  if (parts_->http) parts_->http->Stop();
  {
    std::lock_guard<std::mutex> lock(parts_->mu);
    parts_->stopping = true;
  }
  parts_->wake.notify_all();
  if (parts_->housekeeper.joinable()) parts_->housekeeper.join();
}

uint16_t IngestServer::port() const { return parts_->http->port(); }

}  // namespace kedge::ingest
