#pragma once
// KinesisReader: creates test streams in kinesalite and reads every user record back (KPL
// aggregates opened), so fault tests can prove what arrived, what is missing and what repeats.
// Blocking; call from the test thread. It reads with the JSON protocol: kinesalite 3.3 answers
// records that were put with CBOR as {"type":"Buffer",...} objects to JSON readers, so writers
// in these tests use `protocol: json` too.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kpl/aggregated_record.h"
#include "kpl/kinesis_client.h"
#include "platform/aws/credential_providers.h"
#include "platform/net/http_client.h"

namespace kedge::testing {

class KinesisReader {
 public:
  explicit KinesisReader(const std::string& endpoint);

  // Creates `name` with `shards` shards; false (with a test failure) if it could not.
  bool CreateStream(const std::string& name, int shards);
  // Every user record in the stream (data and partition key), in shard order, repeats
  // included.
  std::vector<kpl::DecodedUserRecord> ReadRecords(const std::string& stream);
  // The data of each of them.
  std::vector<std::string> ReadAll(const std::string& stream);
  // Polls ReadAll until `distinct` different records arrived or `limit` passed (bounded
  // polling of an observable condition); returns the last read.
  std::vector<std::string> WaitForDistinct(const std::string& stream, size_t distinct,
                                           std::chrono::seconds limit = std::chrono::seconds(90));

 private:
  aws::StaticCredentialsProvider credentials_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<kpl::KinesisClient> api_;
};

// Unique stream names per test process: "<prefix>-<pid>-<n>".
std::string UniqueStreamName(const std::string& prefix);

}  // namespace kedge::testing
