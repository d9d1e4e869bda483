#pragma once
// Maintenance: the periodic housekeeping of kedge-ingest — drops Kinesis records and video
// fragments older than their stream's retention (video with retention 0 is kept 5 minutes for
// readers, as the service does), evicts the oldest video fragments while the video store is
// over its disk cap, and closes Firehose files that reached their age.
//
// Threading: RunOnce from one thread at a time (IngestServer's maintenance thread); the stores
// are thread-safe. Errors: the first storage error; the next run tries again.

#include <cstdint>

#include "ingest/firehose/delivery_writer.h"
#include "ingest/kinesis/kinesis_store.h"
#include "ingest/kvs/fragment_files.h"
#include "ingest/kvs/kvs_store.h"

namespace kedge::ingest {

struct MaintenanceReport {
  int64_t records_trimmed = 0;
  int64_t fragments_expired = 0;
  int64_t fragments_evicted = 0;  // for the disk cap
};

class Maintenance {
 public:
  // `video_cap_bytes` 0 = no cap.
  Maintenance(KinesisStore& kinesis, KvsStore& kvs, FragmentFiles& files, DeliveryWriter& firehose,
              uint64_t video_cap_bytes)
      : kinesis_(kinesis), kvs_(kvs), files_(files), firehose_(firehose), cap_(video_cap_bytes) {}

  StatusOr<MaintenanceReport> RunOnce();

 private:
  Status Remove(const std::vector<KvsFragment>& fragments, int64_t* counter);

  KinesisStore& kinesis_;
  KvsStore& kvs_;
  FragmentFiles& files_;
  DeliveryWriter& firehose_;
  uint64_t cap_;
};

}  // namespace kedge::ingest
