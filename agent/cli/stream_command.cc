#include "agent/cli/stream_command.h"

#include <cstdio>
#include <iostream>

#include "agent/cli/aws_context.h"
#include "kpl/aggregated_record.h"
#include "kpl/kinesis_client.h"

namespace kedge::agent {
namespace {

constexpr char kStreamUsage[] =
    "usage: kedge stream create NAME [--shards N] [--wait]  OPTIONS\n"
    "       kedge stream describe NAME                      OPTIONS\n"
    "       kedge stream read NAME [--limit N]              OPTIONS\n"
    "\n"
    "OPTIONS: [--endpoint URL] [--region R] [--profile P] [--ca-file PEM]\n"
    "         [--insecure-skip-tls-verify] [--protocol json|cbor]\n"
    "\n"
    "read prints every record from the start of each shard, one per line, as\n"
    "<shard> <sequence number>[:<sub-sequence>] <partition key> <data>; KPL aggregates are\n"
    "opened into their user records, as the KCL does.\n";

struct StreamArgs {
  std::string action;
  std::string stream;
  int shards = 1;
  int limit = 0;  // 0 = all
  kpl::WireProtocol protocol = kpl::WireProtocol::kJson;  // see docs/kinesis_protocol.md
  AwsFlags aws;
};

StatusOr<StreamArgs> Parse(const std::vector<std::string>& args) {
  StreamArgs out;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    KEDGE_ASSIGN_OR_RETURN(bool consumed, out.aws.Consume(args, &i));
    if (consumed) continue;
    const std::string& a = args[i];
    auto number = [&](int* target) -> Status {
      if (i + 1 >= args.size()) return InvalidArgumentError(a + " needs a number");
      std::string v = args[++i];
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0 || n > 100000) {
        return InvalidArgumentError(a + " takes a whole number, not '" + v + "'");
      }
      *target = static_cast<int>(n);
      return Status::Ok();
    };
    if (a == "--shards") KEDGE_RETURN_IF_ERROR(number(&out.shards));
    else if (a == "--limit") KEDGE_RETURN_IF_ERROR(number(&out.limit));
    else if (a == "--protocol") {
      if (i + 1 >= args.size()) return InvalidArgumentError("--protocol needs cbor or json");
      std::string p = args[++i];
      if (p != "cbor" && p != "json") return InvalidArgumentError("--protocol: cbor or json");
      out.protocol = p == "json" ? kpl::WireProtocol::kJson : kpl::WireProtocol::kCbor;
    } else if (a.size() > 1 && a[0] == '-') {
      return InvalidArgumentError("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) return InvalidArgumentError("expected an action and a stream name");
  out.action = positional[0];
  out.stream = positional[1];
  if (out.action != "create" && out.action != "describe" && out.action != "read") {
    return InvalidArgumentError("unknown action '" + out.action + "'");
  }
  return out;
}

int Read(const StreamArgs& args, kpl::KinesisClient& api, net::HttpClient& http) {
  auto shards = Await<std::vector<kpl::Shard>>(
      http, [&](auto done) { api.ListShards(args.stream, std::move(done)); });
  if (!shards.ok()) return ReportFailure("stream read", shards.status());
  int printed = 0;
  for (const kpl::Shard& shard : *shards) {
    auto iterator = Await<std::string>(http, [&](auto done) {
      api.GetShardIterator(args.stream, shard.shard_id, "TRIM_HORIZON", "", std::move(done));
    });
    if (!iterator.ok()) return ReportFailure("stream read", iterator.status());
    std::string it = *iterator;
    while (!it.empty()) {
      auto page = Await<kpl::GetRecordsResult>(
          http, [&](auto done) { api.GetRecords(it, 10000, std::move(done)); });
      if (!page.ok()) return ReportFailure("stream read", page.status());
      for (const auto& r : page->records) {
        // KPL aggregates are opened as the KCL does: one line per user record, numbered
        // <sequence number>:<sub-sequence number>.
        auto users = kpl::Deaggregate(r.data, r.partition_key, "");
        bool aggregated = kpl::IsAggregated(r.data) && users.size() > 0;
        for (size_t i = 0; i < users.size(); ++i) {
          std::cout << shard.shard_id << ' ' << r.sequence_number;
          if (aggregated) std::cout << ':' << i;
          std::cout << ' ' << users[i].partition_key << ' ' << users[i].data << '\n';
          if (args.limit && ++printed >= args.limit) return 0;
        }
      }
      // Caught up: the shard has nothing more for now.
      if (page->records.empty() || page->millis_behind_latest == 0) break;
      it = page->next_shard_iterator;
    }
  }
  return 0;
}

}  // namespace

int StreamCommand(const std::vector<std::string>& argv) {
  if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h")) {
    std::fputs(kStreamUsage, stdout);
    return 0;
  }
  auto args = Parse(argv);
  if (!args.ok()) {
    std::fprintf(stderr, "kedge stream: %s\n\n%s", args.status().message().c_str(), kStreamUsage);
    return 2;
  }
  auto ctx = MakeAwsContext(args->aws, "kinesis", Env::Default());
  if (!ctx.ok()) return ReportFailure("stream", ctx.status());
  kpl::KinesisClient api(*ctx->http, *ctx->credentials, Clock::Real(),
                         kpl::KinesisClientOptions{ctx->endpoint, ctx->region, args->protocol});
  net::HttpClient& http = *ctx->http;
  const std::string& name = args->stream;

  if (args->action == "create") {
    auto created = Await<bool>(
        http, [&](auto done) { api.CreateStream(name, args->shards, std::move(done)); });
    if (!created.ok()) return ReportFailure("stream create", created.status());
    std::printf("created stream %s with %d shard%s\n", name.c_str(), args->shards,
                args->shards == 1 ? "" : "s");
    return 0;
  }
  if (args->action == "describe") {
    auto summary = Await<kpl::StreamSummary>(
        http, [&](auto done) { api.DescribeStreamSummary(name, std::move(done)); });
    if (!summary.ok()) return ReportFailure("stream describe", summary.status());
    std::printf("%s %s open_shards=%d retention_hours=%d\n", summary->stream_name.c_str(),
                summary->stream_status.c_str(), summary->open_shard_count,
                summary->retention_period_hours);
    return 0;
  }
  return Read(*args, api, http);
}

}  // namespace kedge::agent
