#include "agent/cli/put_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kpl/kinesis_client.h"
#include "platform/aws/errors.h"
#include "platform/env.h"
#include "platform/logging.h"

namespace kedge::agent {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxRecordBytes = 1024 * 1024;         // data + partition key
constexpr size_t kMaxRequestRecords = 500;
constexpr size_t kMaxRequestBytes = 5 * 1024 * 1024;
constexpr size_t kMaxQueued = 20000;                    // read-ahead bound on memory
constexpr milliseconds kBaseBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
// Before the endpoint has accepted anything, this many failed requests in a row end the run:
// a wrong URL or a stopped endpoint should fail in a second, not after minutes of retries.
constexpr int kMaxFailuresBeforeFirstSuccess = 3;

constexpr char kPutUsage[] =
    "usage: kedge put --stream NAME [--endpoint URL] [--region R] [--profile P]\n"
    "                 [--partition-key KEY | --partition-key-field FIELD]\n"
    "                 [--protocol json|cbor] [--ca-file PEM] [--insecure-skip-tls-verify]\n"
    "                 [FILE|-]\n"
    "\n"
    "Sends each line of FILE (or stdin) as one record and exits 0 only when the stream has\n"
    "acknowledged every record. Without a partition key, keys spread records evenly.\n";

struct Pending {
  kpl::PutRecordsEntry entry;
  int attempts = 0;
  SteadyTime not_before{};
};

// Batches queued records into PutRecords requests and retries what failed. Runs on the thread
// that polls the HttpClient.
class PutSender {
 public:
  PutSender(const PutOptions& options, kpl::KinesisApi& api, Clock& clock)
      : options_(options), api_(api), clock_(clock), rng_(std::random_device{}()) {}

  void Add(kpl::PutRecordsEntry entry) { queue_.push_back(Pending{std::move(entry), 0, {}}); }
  size_t queued() const { return queue_.size(); }
  bool idle() const { return queue_.empty() && in_flight_ == 0; }
  const Status& fatal() const { return fatal_; }
  const PutSummary& summary() const { return summary_; }

  // Sends what is ready. Returns how long the caller may wait before calling again.
  milliseconds Pump() {
    SteadyTime now = clock_.Now();
    while (fatal_.ok() && in_flight_ < options_.max_in_flight && !queue_.empty()) {
      std::vector<Pending> batch = TakeReady(now);
      if (batch.empty()) break;
      Send(std::move(batch));
    }
    if (queue_.empty() || in_flight_ >= options_.max_in_flight) return milliseconds(200);
    auto wait = std::chrono::duration_cast<milliseconds>(queue_.front().not_before - now);
    return std::clamp(wait, milliseconds(1), milliseconds(200));
  }

 private:
  std::vector<Pending> TakeReady(SteadyTime now) {
    std::vector<Pending> batch;
    size_t bytes = 0;
    // Retried records go to the back of the queue with a later not_before, so the front is
    // the earliest ready one.
    while (!queue_.empty() && batch.size() < kMaxRequestRecords) {
      Pending& p = queue_.front();
      if (p.not_before > now) break;
      size_t size = p.entry.data.size() + p.entry.partition_key.size();
      if (!batch.empty() && bytes + size > kMaxRequestBytes) break;
      bytes += size;
      batch.push_back(std::move(p));
      queue_.pop_front();
    }
    return batch;
  }

  void Send(std::vector<Pending> batch) {
    std::vector<kpl::PutRecordsEntry> entries;
    entries.reserve(batch.size());
    for (const Pending& p : batch) entries.push_back(p.entry);
    ++in_flight_;
    ++summary_.requests;
    api_.PutRecords(options_.stream, entries,
                    [this, batch = std::move(batch)](StatusOr<kpl::PutRecordsResult> r) mutable {
                      --in_flight_;
                      OnResult(std::move(batch), r);
                    });
  }

  void OnResult(std::vector<Pending> batch, const StatusOr<kpl::PutRecordsResult>& result) {
    if (!result.ok()) {
      aws::ErrorClass kind = aws::Classify(result.status());
      if (kind == aws::ErrorClass::kFatal) {
        if (fatal_.ok()) fatal_ = result.status();
        return;
      }
      if (!ever_succeeded_ && ++failures_before_success_ >= kMaxFailuresBeforeFirstSuccess) {
        if (fatal_.ok()) fatal_ = result.status();
        return;
      }
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(5))
          << "PutRecords failed, retrying: " << result.status().ToString();
      SteadyTime not_before = Backoff(batch.front().attempts + 1);
      for (Pending& p : batch) Retry(std::move(p), result.status(), not_before);
      return;
    }
    ever_succeeded_ = true;
    SteadyTime not_before = Backoff(batch.front().attempts + 1);
    for (size_t i = 0; i < batch.size(); ++i) {
      const kpl::PutRecordsResultEntry& r = result->records[i];
      if (r.ok()) {
        ++summary_.records;
        summary_.bytes += batch[i].entry.data.size();
      } else {
        Retry(std::move(batch[i]), UnavailableError(r.error_code + ": " + r.error_message),
              not_before);
      }
    }
  }

  // Puts a failed record back in line to go out at `not_before`; records that failed together
  // share one backoff so they are sent again together.
  void Retry(Pending p, const Status& why, SteadyTime not_before) {
    if (++p.attempts >= options_.max_attempts) {
      if (fatal_.ok()) {
        fatal_ = why.WithContext("a record was not accepted after " +
                                 std::to_string(p.attempts) + " attempts");
      }
      return;
    }
    ++summary_.retries;
    p.not_before = not_before;
    queue_.push_back(std::move(p));
  }

  // Exponential backoff with jitter, from the number of attempts made so far.
  SteadyTime Backoff(int attempts) {
    milliseconds cap = std::min(kMaxBackoff, kBaseBackoff * (1 << std::min(attempts, 10)));
    std::uniform_int_distribution<int64_t> jitter(cap.count() / 2, cap.count());
    return clock_.Now() + milliseconds(jitter(rng_));
  }

  const PutOptions& options_;
  kpl::KinesisApi& api_;
  Clock& clock_;
  std::mt19937_64 rng_;
  std::deque<Pending> queue_;
  int in_flight_ = 0;
  bool ever_succeeded_ = false;
  int failures_before_success_ = 0;
  Status fatal_;
  PutSummary summary_;
};

// Turns one input line into an entry, or says why it cannot be sent.
StatusOr<kpl::PutRecordsEntry> MakeEntry(const PutOptions& options, std::string line,
                                         uint64_t line_number) {
  kpl::PutRecordsEntry entry;
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
    entry.partition_key = field->is_string() ? field->get<std::string>() : field->dump();
  } else if (!options.partition_key.empty()) {
    entry.partition_key = options.partition_key;
  } else {
    entry.partition_key = std::to_string(line_number);  // MD5 spreads these evenly
  }
  if (entry.partition_key.empty() || entry.partition_key.size() > 256) {
    return InvalidArgumentError("partition key must be 1 to 256 characters, not " +
                                std::to_string(entry.partition_key.size()));
  }
  if (line.size() + entry.partition_key.size() > kMaxRecordBytes) {
    return InvalidArgumentError("record of " + std::to_string(line.size()) +
                                " bytes is over the 1 MiB Kinesis limit");
  }
  entry.data = std::move(line);
  return entry;
}

}  // namespace

std::string PutSummary::ToString(const std::string& stream) const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "kedge put: %llu records (%llu bytes) to stream %s in %llu requests, %llu "
                "retries, %.2f s",
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes),
                stream.c_str(), static_cast<unsigned long long>(requests),
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
    else if (a == "--protocol") {
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
  PutSender sender(options, api, clock);
  SteadyTime start = clock.Now();
  SteadyTime next_progress = start + std::chrono::seconds(1);
  uint64_t line_number = 0;
  uint64_t invalid = 0;
  bool eof = false;
  std::string line;
  while (true) {
    while (!eof && sender.queued() < kMaxQueued) {
      if (!std::getline(in, line)) {
        eof = true;
        break;
      }
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      auto entry = MakeEntry(options, std::move(line), line_number);
      if (!entry.ok()) {
        ++invalid;
        err << "kedge put: line " << line_number << ": " << entry.status().message() << "\n";
        continue;
      }
      sender.Add(std::move(*entry));
    }
    milliseconds wait = sender.Pump();
    if (!sender.fatal().ok()) return sender.fatal();
    if (eof && sender.idle()) break;
    http.Poll(wait);
    if (options.progress && clock.Now() >= next_progress) {
      next_progress = clock.Now() + std::chrono::milliseconds(500);
      err << "\rkedge put: " << sender.summary().records << " records acknowledged, "
          << sender.queued() << " waiting" << std::flush;
    }
  }
  if (options.progress) err << "\r\033[K" << std::flush;
  PutSummary summary = sender.summary();
  summary.invalid_lines = invalid;
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
