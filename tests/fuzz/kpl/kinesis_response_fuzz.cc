// fuzz_kinesis_json / fuzz_kinesis_cbor: whatever an endpoint answers, the Kinesis and Firehose
// clients must not crash and must answer every call exactly once. Built twice: KEDGE_FUZZ_CBOR
// picks the encoding the answers come in.
// Input: byte 0 picks the HTTP status (mostly 200) and the number of records sent; the rest is
// the response body, given to every call the clients make (each fuzz input goes through all of
// PutRecords, ListShards with its paging, DescribeStreamSummary, CreateStream,
// GetShardIterator, GetRecords and Firehose PutRecordBatch).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kpl/firehose_client.h"
#include "kpl/kinesis_client.h"
#include "platform/aws/credential_providers.h"

#ifndef KEDGE_FUZZ_CBOR
#define KEDGE_FUZZ_CBOR 0
#endif

namespace {

// Answers every request at once with the same response; after kMaxAnswers requests (a paging
// loop that never ends, say) with Unavailable.
class CannedHttpClient final : public kedge::net::HttpClient {
 public:
  static constexpr int kMaxAnswers = 8;
  explicit CannedHttpClient(kedge::net::HttpResponse response) : response_(std::move(response)) {}
  RequestId Start(kedge::net::HttpRequest, Callback done) override {
    if (++answered_ > kMaxAnswers) {
      done(kedge::UnavailableError("canned client: no more answers"));
    } else {
      done(response_);
    }
    return static_cast<RequestId>(answered_);
  }
  void Cancel(RequestId) override {}
  void Unpause(RequestId) override {}
  size_t Poll(std::chrono::milliseconds) override { return 0; }
  void Wakeup() override {}
  void Reset() { answered_ = 0; }

 private:
  kedge::net::HttpResponse response_;
  int answered_ = 0;
};

// A callback that counts its calls: every callback must run exactly once.
template <typename T>
std::function<void(kedge::StatusOr<T>)> Counted(int* calls) {
  return [calls](kedge::StatusOr<T>) { ++*calls; };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const int kStatuses[] = {200, 200, 200, 200, 200, 400, 500, 503};
  kedge::net::HttpResponse response;
  response.status = kStatuses[data[0] & 7];
  response.headers = {{"content-type", KEDGE_FUZZ_CBOR ? "application/x-amz-cbor-1.1"
                                                       : "application/x-amz-json-1.1"},
                      {"date", "Wed, 25 Nov 2026 18:24:03 GMT"}};
  response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t sent = (data[0] >> 3) & 3;

  CannedHttpClient http(response);
  kedge::aws::StaticCredentialsProvider credentials(
      kedge::aws::Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt});
  kedge::FakeClock clock;
  kedge::kpl::KinesisClientOptions options;
  options.endpoint = "http://127.0.0.1:1";
  options.region = "us-east-1";
  options.protocol = KEDGE_FUZZ_CBOR ? kedge::kpl::WireProtocol::kCbor
                                     : kedge::kpl::WireProtocol::kJson;
  kedge::kpl::KinesisClient kinesis(http, credentials, clock, options);
  namespace kpl = kedge::kpl;
  int calls = 0;
  std::vector<kpl::PutRecordsEntry> entries(sent, kpl::PutRecordsEntry{"data", "pk", ""});
  kinesis.PutRecords("s", entries, Counted<kpl::PutRecordsResult>(&calls));
  http.Reset();
  kinesis.ListShards("s", Counted<std::vector<kpl::Shard>>(&calls));
  http.Reset();
  kinesis.DescribeStreamSummary("s", Counted<kpl::StreamSummary>(&calls));
  kinesis.CreateStream("s", 1, Counted<bool>(&calls));
  kinesis.GetShardIterator("s", "shardId-000000000000", "TRIM_HORIZON", "",
                           Counted<std::string>(&calls));
  kinesis.GetRecords("iterator", 10, Counted<kpl::GetRecordsResult>(&calls));
  int expected = 6;
  if (!KEDGE_FUZZ_CBOR) {  // Firehose speaks JSON only
    http.Reset();
    kpl::FirehoseClient firehose(http, credentials, clock,
                                 kpl::FirehoseClientOptions{options.endpoint, options.region});
    firehose.PutRecordBatch("d", std::vector<std::string>(sent, "r"),
                            Counted<kpl::PutRecordBatchResult>(&calls));
    ++expected;
  }
  if (calls != expected) std::abort();
  return 0;
}
