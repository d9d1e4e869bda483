#include "ingest/ingest_services.h"

#include <cstdio>
#include <random>

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

namespace kedge::ingest {

// Declared in order of construction; destroyed in reverse.
struct IngestServices::Parts {
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
  std::unique_ptr<ConsoleService> console;
  std::unique_ptr<SigV4Verifier> verifier;
  std::unique_ptr<Maintenance> maintenance;
};

namespace {

std::string NewConsoleToken() {
  std::random_device random;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x%08x%08x%08x", random(), random(), random(), random());
  return buf;
}

}  // namespace

IngestServices::IngestServices() : parts_(std::make_unique<Parts>()) {}
IngestServices::~IngestServices() = default;

StatusOr<std::unique_ptr<IngestServices>> IngestServices::Open(const IngestOptions& options,
                                                               const std::string& db_path,
                                                               const ServiceIdentity& identity,
                                                               Clock& clock, Env& env) {
  std::unique_ptr<IngestServices> services(new IngestServices());
  Parts& parts = *services->parts_;
  KEDGE_ASSIGN_OR_RETURN(parts.db, Database::Open(db_path));
  KEDGE_ASSIGN_OR_RETURN(parts.kinesis_store, KinesisStore::Open(*parts.db, clock));
  KEDGE_ASSIGN_OR_RETURN(parts.kvs_store, KvsStore::Open(*parts.db, clock));
  parts.fragment_files = std::make_unique<FragmentFiles>(options.data_dir, env);
  parts.kinesis = std::make_unique<KinesisService>(*parts.kinesis_store, clock, identity);
  parts.firehose_writer = std::make_unique<DeliveryWriter>(
      options.data_dir + "/firehose", options.firehose_file_bytes, options.firehose_file_age,
      clock, env);
  parts.firehose = std::make_unique<FirehoseService>(*parts.firehose_writer, clock, identity);
  parts.kvs_control =
      std::make_unique<KvsControlPlane>(*parts.kvs_store, *parts.fragment_files, identity);
  parts.put_media = std::make_unique<PutMediaService>(*parts.kvs_store, *parts.fragment_files,
                                                      clock, options.put_media);
  parts.archive = std::make_unique<ArchiveService>(*parts.kvs_store, *parts.fragment_files);
  parts.hls = std::make_unique<HlsService>(*parts.kvs_store, *parts.archive, clock, identity);
  if (options.console) {
    std::string& token = services->console_token_;
    if (!options.credentials.empty()) {
      token = options.console_token.empty() ? NewConsoleToken() : options.console_token;
    }
    parts.console = std::make_unique<ConsoleService>(*parts.kvs_store, *parts.kinesis_store,
                                                     *parts.firehose_writer, *parts.hls, env,
                                                     token);
  }
  if (!options.credentials.empty()) {
    parts.verifier = std::make_unique<SigV4Verifier>(options.credentials, clock);
    parts.verifier->Exempt("/hls/");  // authorized by the session token in the URL
  }
  parts.maintenance = std::make_unique<Maintenance>(*parts.kinesis_store, *parts.kvs_store,
                                                    *parts.fragment_files, *parts.firehose_writer,
                                                    options.video_cap_bytes);
  return services;
}

void IngestServices::Register(Router& router) const {
  const Parts& parts = *parts_;
  parts.kinesis->Register(router);
  parts.firehose->Register(router);
  parts.kvs_control->Register(router);
  parts.put_media->Register(router);
  parts.archive->Register(router);
  parts.hls->Register(router);
  if (parts.console) parts.console->Register(router);
  if (parts.verifier) {
    const SigV4Verifier* verifier = parts.verifier.get();
    const ConsoleService* console = parts.console.get();
    router.SetGuard([verifier, console](const HttpRequest& request, bool streamed) {
      // A browser cannot sign requests: the console has its own token (console_service.h).
      if (console != nullptr && ConsoleService::Handles(request)) return console->Authorize(request);
      return verifier->Check(request, streamed);
    });
  }
}

Maintenance& IngestServices::maintenance() { return *parts_->maintenance; }

bool IngestServices::console() const { return parts_->console != nullptr; }

}  // namespace kedge::ingest
