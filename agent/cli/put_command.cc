#include "agent/cli/put_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kpl/kinesis_client.h"
#include "kpl/producer.h"
#include "platform/aws/errors.h"
#include "platform/env.h"
#include "platform/logging.h"

namespace kedge::agent {
namespace {

using std::chrono::milliseconds;

// Before the endpoint has answered anything, this many failed requests in a row end the run:
// a wrong URL or a stopped endpoint should fail in a second, not after minutes of retries.
constexpr int kMaxFailuresBeforeFirstAnswer = 3;

constexpr char kPutUsage[] =
    "usage: kedge put --stream NAME [--endpoint URL] [--region R] [--profile P]\n"
    "                 [--partition-key KEY | --partition-key-field FIELD]\n"
    "                 [--no-aggregation] [--rate-limit PERCENT] [--protocol json|cbor]\n"
    "                 [--ca-file PEM] [--insecure-skip-tls-verify] [FILE|-]\n"
    "\n"
    "Sends each line of FILE (or stdin) as one record and exits 0 only when the stream has\n"
    "acknowledged every record. Records are aggregated per shard in the KPL format (the KCL and\n"
    "the AWS de-aggregation libraries read them); --no-aggregation sends one Kinesis record per\n"
    "line. Without a partition key, keys spread records evenly. --rate-limit caps each shard at\n"
    "PERCENT of its write limit (default 150, as the KPL; 0 = no limit, for local endpoints).\n";

// Watches the answers the producer gets, to end the run early when the endpoint is plainly
// unreachable: the producer itself keeps retrying transient failures until records expire.
// What it saw lives in shared state, since requests still in flight when a run ends are
// answered (cancelled) later, when the HTTP client is destroyed.
class WatchedKinesisApi final : public kpl::KinesisApi {
 public:
  explicit WatchedKinesisApi(kpl::KinesisApi& api) : api_(api) {}

  const Status& unreachable() const { return seen_->unreachable; }

  void PutRecords(const std::string& stream, const std::vector<kpl::PutRecordsEntry>& entries,
                  Callback<kpl::PutRecordsResult> done) override {
    api_.PutRecords(stream, entries, Watch(std::move(done)));
  }
  void ListShards(const std::string& stream, Callback<std::vector<kpl::Shard>> done) override {
    api_.ListShards(stream, Watch(Callback<std::vector<kpl::Shard>>(
                                [seen = seen_, done = std::move(done)](auto result) {
                                  seen->list_shards_answered = true;
                                  done(std::move(result));
                                })));
  }
  // True once a ListShards call has ended, well or badly.
  bool list_shards_answered() const { return seen_->list_shards_answered; }
  void DescribeStreamSummary(const std::string& stream,
                             Callback<kpl::StreamSummary> done) override {
    api_.DescribeStreamSummary(stream, std::move(done));
  }
  void CreateStream(const std::string& stream, int shards, Callback<bool> done) override {
    api_.CreateStream(stream, shards, std::move(done));
  }
  void GetShardIterator(const std::string& stream, const std::string& shard,
                        const std::string& type, const std::string& seq,
                        Callback<std::string> done) override {
    api_.GetShardIterator(stream, shard, type, seq, std::move(done));
  }
  void GetRecords(const std::string& it, int limit,
                  Callback<kpl::GetRecordsResult> done) override {
    api_.GetRecords(it, limit, std::move(done));
  }

 private:
  template <typename T>
  Callback<T> Watch(Callback<T> done) {
    return [seen = seen_, done = std::move(done)](StatusOr<T> result) {
      if (result.ok() || aws::Classify(result.status()) == aws::ErrorClass::kFatal) {
        seen->answered = true;  // the endpoint is there, even if it said no
      } else if (!seen->answered && ++seen->failures >= kMaxFailuresBeforeFirstAnswer &&
                 seen->unreachable.ok()) {
        seen->unreachable = result.status();
      }
      done(std::move(result));
    };
  }

  struct Seen {
    bool answered = false;
    bool list_shards_answered = false;
    int failures = 0;
    Status unreachable;
  };
  kpl::KinesisApi& api_;
  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
};

// Turns one input line into a record, or says why it cannot be sent. Size and key limits are
// the producer's to check.
StatusOr<kpl::UserRecord> MakeRecord(const PutOptions& options, std::string line,
                                     uint64_t line_number) {
  kpl::UserRecord record;
  if (!options.partition_key_field.empty()) {
    auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return InvalidArgumentError("not a JSON object, so it has no field '" +
                                  options.partition_key_field + "'");
    }
    auto field = doc.find(options.partition_key_field);
    if (field == doc.end() || field->is_null()) {
      return InvalidArgumentError("no field '" + options.partition_key_field + "'");
    }
    record.partition_key = field->is_string() ? field->get<std::string>() : field->dump();
  } else if (!options.partition_key.empty()) {
    record.partition_key = options.partition_key;
  } else {
    record.partition_key = std::to_string(line_number);  // MD5 spreads these evenly
  }
  record.data = std::move(line);
  return record;
}

// Reads lines and feeds them to the producer, holding one back while the producer is full.
class LineFeeder {
 public:
  LineFeeder(const PutOptions& options, std::istream& in, std::ostream& err)
      : options_(options), in_(in), err_(err) {}

  // Puts lines until the input ends or the producer pushes back.
  void Feed(kpl::Producer& producer, const kpl::PutCallback& done) {
    while (true) {
      if (!held_) {
        if (!NextRecord()) return;
      }
      Status put = producer.Put(*held_, done);
      if (put.code() == StatusCode::kResourceExhausted) return;  // full: try again later
      if (!put.ok()) Refuse(held_line_, put);
      held_.reset();
    }
  }
  bool eof() const { return eof_ && !held_; }
  uint64_t invalid() const { return invalid_; }

 private:
  bool NextRecord() {
    std::string line;
    while (!eof_) {
      if (!std::getline(in_, line)) {
        eof_ = true;
        return false;
      }
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      auto record = MakeRecord(options_, std::move(line), line_number_);
      if (!record.ok()) {
        Refuse(line_number_, record.status());
        continue;
      }
      held_ = std::move(*record);
      held_line_ = line_number_;
      return true;
    }
    return false;
  }

  // Names the first lines that cannot be sent; past that, only counts them.
  void Refuse(uint64_t line, const Status& why) {
    constexpr uint64_t kShown = 20;
    if (++invalid_ <= kShown) {
      err_ << "kedge put: line " << line << ": " << why.message() << "\n";
    } else if (invalid_ == kShown + 1) {
      err_ << "kedge put: more lines cannot be sent; counting them without naming each\n";
    }
  }

  const PutOptions& options_;
  std::istream& in_;
  std::ostream& err_;
  std::optional<kpl::UserRecord> held_;
  uint64_t held_line_ = 0;
  uint64_t line_number_ = 0;
  uint64_t invalid_ = 0;
  bool eof_ = false;
};

}  // namespace

std::string PutSummary::ToString(const std::string& stream) const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "kedge put: %llu records (%llu bytes) to stream %s as %llu Kinesis records in "
                "%llu requests, %llu retries, %.2f s",
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes),
                stream.c_str(), static_cast<unsigned long long>(kinesis_records),
                static_cast<unsigned long long>(requests),
                static_cast<unsigned long long>(retries), seconds);
  std::string out = buf;
  if (invalid_lines) out += "; " + std::to_string(invalid_lines) + " lines not sent";
  return out;
}

StatusOr<PutOptions> ParsePutArgs(const std::vector<std::string>& args) {
  PutOptions o;
  bool have_input = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> Status {
      if (i + 1 >= args.size()) return InvalidArgumentError(a + " needs a value");
      *out = args[++i];
      return Status::Ok();
    };
    if (a == "--help" || a == "-h") return InvalidArgumentError(kPutUsage);
    KEDGE_ASSIGN_OR_RETURN(bool aws_flag, o.aws.Consume(args, &i));
    if (aws_flag) continue;
    if (a == "--stream") KEDGE_RETURN_IF_ERROR(value(&o.stream));
    else if (a == "--partition-key") KEDGE_RETURN_IF_ERROR(value(&o.partition_key));
    else if (a == "--partition-key-field") KEDGE_RETURN_IF_ERROR(value(&o.partition_key_field));
    else if (a == "--no-aggregation") o.aggregation = false;
    else if (a == "--rate-limit") {
      std::string v;
      KEDGE_RETURN_IF_ERROR(value(&v));
      char* end = nullptr;
      double percent = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || percent < 0 || percent > 10000) {
        return InvalidArgumentError("--rate-limit takes a percentage from 0 to 10000, not '" + v +
                                    "'");
      }
      o.rate_limit_percent = percent;
    } else if (a == "--protocol") {
      std::string p;
      KEDGE_RETURN_IF_ERROR(value(&p));
      if (p == "cbor") o.protocol = kpl::WireProtocol::kCbor;
      else if (p == "json") o.protocol = kpl::WireProtocol::kJson;
      else return InvalidArgumentError("--protocol must be cbor or json, not '" + p + "'");
    } else if (a.size() > 1 && a[0] == '-') {
      return InvalidArgumentError("unknown option " + a);
    } else if (!have_input) {
      o.input = a;
      have_input = true;
    } else {
      return InvalidArgumentError("only one input file is allowed, got '" + o.input + "' and '" +
                                  a + "'");
    }
  }
  if (o.stream.empty()) return InvalidArgumentError("--stream is required");
  if (!o.partition_key.empty() && !o.partition_key_field.empty()) {
    return InvalidArgumentError("--partition-key and --partition-key-field exclude each other");
  }
  return o;
}

StatusOr<PutSummary> RunPut(const PutOptions& options, std::istream& in, kpl::KinesisApi& api,
                            net::HttpClient& http, Clock& clock, std::ostream& err) {
  // Declared before the producer: a producer destroyed with records outstanding fails them,
  // and their callbacks write here.
  Status failed;  // the first record that could not be delivered says why
  kpl::PutCallback done = [&failed](const kpl::PutOutcome& outcome) {
    if (!outcome.status.ok() && failed.ok()) failed = outcome.status;
  };
  WatchedKinesisApi watched(api);
  kpl::ProducerConfig config;
  config.stream = options.stream;
  config.aggregation_enabled = options.aggregation;
  config.rate_limit_percent = options.rate_limit_percent;
  config.record_ttl = options.record_ttl;
  config.max_requests_in_flight = 16;          // the HTTP client's connection count
  config.max_outstanding_bytes = 8 * 1048576;  // a CLI needs little read-ahead
  auto producer = kpl::Producer::Create(watched, clock, config);
  if (!producer.ok()) return producer.status();
  LineFeeder feeder(options, in, err);
  SteadyTime start = clock.Now();
  kpl::Producer& p = **producer;
  // Aggregation needs the shard map: wait for the first ListShards answer (a few ms) rather
  // than send the first records one by one. Without ListShards permission the answer is an
  // error, and records go out unaggregated.
  SteadyTime map_deadline = start + std::chrono::seconds(5);
  while (options.aggregation && !p.shard_map().ready() && !watched.list_shards_answered() &&
         watched.unreachable().ok() && clock.Now() < map_deadline) {
    p.Poll();
    http.Poll(milliseconds(50));
  }
  SteadyTime next_progress = start + std::chrono::seconds(1);
  bool flushed = false;
  while (true) {
    feeder.Feed(p, done);
    if (feeder.eof() && !flushed) {
      p.Flush();  // nothing more is coming: do not wait for the buffering deadline
      flushed = true;
    }
    p.Poll();
    if (!failed.ok()) return failed;
    if (!watched.unreachable().ok()) return watched.unreachable();
    if (feeder.eof() && p.outstanding_records() == 0) break;
    milliseconds wait(100);
    if (auto wake = p.NextWakeup()) {
      wait = std::clamp(std::chrono::duration_cast<milliseconds>(*wake - clock.Now()),
                        milliseconds(0), milliseconds(100));
    }
    http.Poll(wait);
    if (options.progress && clock.Now() >= next_progress) {
      next_progress = clock.Now() + milliseconds(500);
      err << "\rkedge put: " << p.metrics().user_records_put << " records acknowledged, "
          << p.outstanding_records() << " in flight" << std::flush;
    }
  }
  if (options.progress) err << "\r\033[K" << std::flush;
  const kpl::ProducerMetrics& m = p.metrics();
  PutSummary summary;
  summary.records = m.user_records_put;
  summary.kinesis_records = m.kinesis_records_put;
  summary.bytes = m.user_bytes_put;
  summary.requests = m.requests;
  summary.retries = m.retries;
  summary.invalid_lines = feeder.invalid();
  summary.seconds = std::chrono::duration<double>(clock.Now() - start).count();
  return summary;
}

int PutCommand(const std::vector<std::string>& args) {
  auto parsed = ParsePutArgs(args);
  if (!parsed.ok()) {
    if (parsed.status().message() == kPutUsage) {
      std::fputs(kPutUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "kedge put: %s\n\n%s", parsed.status().message().c_str(), kPutUsage);
    return 2;
  }
  PutOptions options = std::move(*parsed);
  options.progress = ::isatty(STDERR_FILENO) != 0;

  auto ctx = MakeAwsContext(options.aws, "kinesis", Env::Default());
  if (!ctx.ok()) return ReportFailure("put", ctx.status());
  kpl::KinesisClient api(*ctx->http, *ctx->credentials, Clock::Real(),
                         kpl::KinesisClientOptions{ctx->endpoint, ctx->region, options.protocol});

  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.input != "-") {
    file.open(options.input);
    if (!file) return ReportFailure("put", NotFoundError(options.input + ": cannot open it"));
    in = &file;
  }
  auto summary = RunPut(options, *in, api, *ctx->http, Clock::Real(), std::cerr);
  if (!summary.ok()) return ReportFailure("put", summary.status());
  std::fprintf(stderr, "%s\n", summary->ToString(options.stream).c_str());
  return summary->invalid_lines == 0 ? 0 : 1;
}

}  // namespace kedge::agent
