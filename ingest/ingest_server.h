#pragma once
// IngestServer: kedge-ingest put together — the data directory, the SQLite database, the
// Kinesis / Firehose / Kinesis Video services, SigV4 verification and the HTTP server.
// main.cc and the tests use it the same way.
//
// Threading: Start/Stop from one owner thread; the services run on the server's threads.
// Errors: Start returns InvalidArgument for bad options (naming the option), Unavailable when the
// port cannot be bound, and the storage error when the data directory cannot be used.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/kvs/put_media.h"
#include "ingest/server/http_server.h"
#include "ingest/server/identity.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::ingest {

struct IngestOptions {
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 0;
  std::string data_dir;
  // Accepted credentials; empty = requests are not authenticated.
  std::vector<aws::Credentials> credentials;
  std::string tls_cert_file;
  std::string tls_key_file;
  // What GetDataEndpoint returns; empty = http(s)://<listen address>:<port>.
  std::string public_url;
  std::string region = "us-east-1";
  HttpServerOptions http;  // address, port and TLS files are taken from the fields above
  // Firehose delivery files are rotated past this size or age.
  size_t firehose_file_bytes = 64 * 1024 * 1024;
  std::chrono::seconds firehose_file_age{300};
  PutMediaLimits put_media;
  // The video store's disk cap: the oldest fragments go first when over it. 0 = none.
  uint64_t video_cap_bytes = 0;
  // How often retention, the disk cap and Firehose file ages are enforced; 0 = never (tests).
  std::chrono::seconds maintenance_period{30};
  // The web console at / (see ingest/web/console_service.h). With credentials configured it
  // answers only requests carrying `console_token`; an empty token is then made up at random.
  bool console = true;
  std::string console_token;
};

class IngestServer {
 public:
  static StatusOr<std::unique_ptr<IngestServer>> Start(IngestOptions options, Clock& clock,
                                                       Env& env);
  ~IngestServer();

  void Stop();
  uint16_t port() const;
  // The base URL clients use ("http://127.0.0.1:43123").
  const std::string& url() const { return identity_.public_url; }
  // The web console's address ("http://127.0.0.1:43123/", with "?token=…" when it needs one),
  // or "" when the console is off.
  const std::string& console_url() const { return console_url_; }

 private:
  struct Parts;
  IngestServer();
  std::unique_ptr<Parts> parts_;
  ServiceIdentity identity_;
  std::string console_url_;
};

}  // namespace kedge::ingest
