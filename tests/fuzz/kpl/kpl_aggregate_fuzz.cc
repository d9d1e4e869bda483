// fuzz_kpl_aggregate: the KPL aggregated record decoder must never crash on any bytes, and what
// it decodes must survive a round trip: encoding the user records again with
// AggregatedRecordBuilder and decoding that gives the same records.
// The input is taken both as a whole Kinesis record and as the protobuf of an aggregate (then
// wrapped in the magic and a correct MD5, so the fuzzer gets past the checksum).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kpl/aggregated_record.h"
#include "platform/crypto.h"

namespace {

using kedge::kpl::DecodedUserRecord;

bool Same(const std::vector<DecodedUserRecord>& a, const std::vector<DecodedUserRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].partition_key != b[i].partition_key ||
        a[i].explicit_hash_key != b[i].explicit_hash_key || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

void CheckRoundTrip(std::string_view record) {
  auto decoded = kedge::kpl::DecodeAggregated(record);
  // Whatever the decoder makes of it, the KCL-style fallback must not crash either.
  (void)kedge::kpl::Deaggregate(record, "pk", "");
  if (!decoded.ok() || decoded->empty()) return;
  kedge::kpl::AggregatedRecordBuilder builder;
  for (const DecodedUserRecord& r : *decoded) {
    builder.Add(r.partition_key, r.explicit_hash_key, r.data);
  }
  std::string encoded = builder.Serialize();
  if (encoded.size() != builder.Size() - kedge::kpl::kAggregatePartitionKey.size()) std::abort();
  auto again = kedge::kpl::DecodeAggregated(encoded);
  if (!again.ok() || !Same(*decoded, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckRoundTrip(input);
  std::string wrapped(kedge::kpl::kAggregatedMagic, sizeof(kedge::kpl::kAggregatedMagic));
  wrapped.append(input);
  kedge::Md5Digest md5 = kedge::Md5(input);
  wrapped.append(reinterpret_cast<const char*>(md5.data()), md5.size());
  CheckRoundTrip(wrapped);
  return 0;
}
