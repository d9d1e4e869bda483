#pragma once
// IngestServices: kedge-ingest without its HTTP server — the SQLite database, the Kinesis,
// Firehose and Kinesis Video services, the web console, and the guard that checks SigV4 (and the
// console's token) when credentials are configured, all registered on a Router. IngestServer
// serves them over HTTP; fuzz_ingest_http feeds them requests without sockets.
//
// Threading: Open and Register from one thread; the services are then safe on the server's
// threads. Maintenance (retention, the video disk cap) from one thread at a time.

#include <memory>
#include <string>

#include "ingest/ingest_server.h"
#include "ingest/server/identity.h"
#include "ingest/server/router.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"

namespace kedge::ingest {

class Maintenance;

class IngestServices {
 public:
  // Opens the database at `db_path` (":memory:" for one that lives with this object) and the
  // fragment and Firehose files under options.data_dir, then builds every service. `identity`
  // (the URL and region the services answer with) must stay valid while they are used.
  static StatusOr<std::unique_ptr<IngestServices>> Open(const IngestOptions& options,
                                                       const std::string& db_path,
                                                       const ServiceIdentity& identity,
                                                       Clock& clock, Env& env);
  ~IngestServices();

  // Puts every service's routes on `router`, and with credentials its guard. The router must not
  // outlive this object.
  void Register(Router& router) const;

  Maintenance& maintenance();
  // Whether the web console is on, and the token it asks for ("" when it needs none).
  bool console() const;
  const std::string& console_token() const { return console_token_; }

 private:
  struct Parts;
  IngestServices();
  std::unique_ptr<Parts> parts_;
  std::string console_token_;
};

}  // namespace kedge::ingest
