#include "ingest/ingest_server.h"

#include "ingest/ingest_services.h"
#include "ingest/maintenance.h"
#include "platform/logging.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace kedge::ingest {

// Declared in order of construction; destroyed in reverse, the server first.
struct IngestServer::Parts {
  std::unique_ptr<IngestServices> services;
  Router router;
  std::unique_ptr<HttpServer> http;

  // The maintenance thread runs Maintenance::RunOnce every `period` until stopped.
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;  // guarded by mu
  std::thread housekeeper;

  void Housekeep(std::chrono::seconds period) {
    std::unique_lock<std::mutex> lock(mu);
    while (!wake.wait_for(lock, period, [this] { return stopping; })) {
      lock.unlock();
      StatusOr<MaintenanceReport> report = services->maintenance().RunOnce();
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

IngestServer::IngestServer() : parts_(std::make_unique<Parts>()) {}

IngestServer::~IngestServer() { Stop(); }

StatusOr<std::unique_ptr<IngestServer>> IngestServer::Start(IngestOptions options, Clock& clock,
                                                            Env& env) {
  if (options.data_dir.empty()) return InvalidArgumentError("--data-dir is required");
  Status dirs = env.CreateDirs(options.data_dir);
  if (!dirs.ok()) return dirs.WithContext("--data-dir");
  std::unique_ptr<IngestServer> server(new IngestServer());
  Parts& parts = *server->parts_;
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
  KEDGE_ASSIGN_OR_RETURN(parts.services,
                         IngestServices::Open(options, options.data_dir + "/ingest.db", identity,
                                              clock, env));
  parts.services->Register(parts.router);
  if (parts.services->console()) {
    const std::string& token = parts.services->console_token();
    server->console_url_ = identity.public_url + "/" + (token.empty() ? "" : "?token=" + token);
  }
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
