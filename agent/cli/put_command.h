#pragma once
// `kedge put`: sends newline-delimited records from a file or stdin to a Kinesis data stream
// and exits 0 only when every record is acknowledged.

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "agent/cli/aws_context.h"
#include "kpl/kinesis_api.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"
#include "platform/status.h"

namespace kedge::agent {

struct PutOptions {
  std::string stream;
  AwsFlags aws;
  std::string partition_key;        // fixed key for every record
  std::string partition_key_field;  // JSON field whose value is the key
  std::string input = "-";          // file path or "-" for stdin
  kpl::WireProtocol protocol = kpl::WireProtocol::kJson;  // see docs/kinesis_protocol.md
  bool aggregation = true;          // KPL aggregation per shard
  double rate_limit_percent = 150;  // of each shard's write limit; 0 = none
  std::chrono::milliseconds record_ttl{120000};  // give up on a record after this long
  bool progress = false;            // a progress line on stderr (set when stderr is a terminal)
};

// What a run did, for the summary line.
struct PutSummary {
  uint64_t records = 0;   // acknowledged
  uint64_t kinesis_records = 0;  // what they went out as (aggregates count once)
  uint64_t bytes = 0;     // data bytes acknowledged
  uint64_t requests = 0;
  uint64_t retries = 0;   // user records sent again
  uint64_t invalid_lines = 0;
  double seconds = 0;
  std::string ToString(const std::string& stream) const;
};

// Parses `kedge put` arguments (argv after "put"). InvalidArgument names the bad argument.
StatusOr<PutOptions> ParsePutArgs(const std::vector<std::string>& args);

// Reads records from `in` and delivers them through `api`, driving `http` (the client `api`
// uses). Lines that cannot be sent (missing key field, oversize) are reported on `err` with
// their line number and make the run fail after the rest is delivered. Returns the summary, or
// the first fatal error (bad credentials, unknown stream, unreachable endpoint, TLS failure).
StatusOr<PutSummary> RunPut(const PutOptions& options, std::istream& in, kpl::KinesisApi& api,
                            net::HttpClient& http, Clock& clock, std::ostream& err);

// The whole command: resolves region, endpoint and credentials, runs, prints the summary or one
// clear error line. Returns the exit code (0 all acknowledged, 1 failure, 2 usage).
int PutCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
