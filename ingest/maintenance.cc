#include "ingest/maintenance.h"

namespace kedge::ingest {
namespace {
constexpr int kBatch = 500;
}  // namespace

Status Maintenance::Remove(const std::vector<KvsFragment>& fragments, int64_t* counter) {
  for (const KvsFragment& fragment : fragments) {
    // The row goes first: a fragment listed must be readable, a stray file is harmless.
    KEDGE_RETURN_IF_ERROR(kvs_.RemoveFragment(fragment.number));
    files_.Remove(fragment.path).IgnoreError();
    ++*counter;
  }
  return Status::Ok();
}

StatusOr<MaintenanceReport> Maintenance::RunOnce() {
  MaintenanceReport report;
  KEDGE_ASSIGN_OR_RETURN(report.records_trimmed, kinesis_.TrimExpired());
  while (true) {
    KEDGE_ASSIGN_OR_RETURN(std::vector<KvsFragment> expired, kvs_.ExpiredFragments(kBatch));
    KEDGE_RETURN_IF_ERROR(Remove(expired, &report.fragments_expired));
    if (expired.size() < static_cast<size_t>(kBatch)) break;
  }
  if (cap_ > 0) {
    KEDGE_ASSIGN_OR_RETURN(int64_t total, kvs_.TotalFragmentBytes());
    while (static_cast<uint64_t>(total) > cap_) {
      KEDGE_ASSIGN_OR_RETURN(std::vector<KvsFragment> oldest, kvs_.OldestFragments(kBatch));
      if (oldest.empty()) break;
      for (const KvsFragment& fragment : oldest) {
        if (static_cast<uint64_t>(total) <= cap_) break;
        KEDGE_RETURN_IF_ERROR(Remove({fragment}, &report.fragments_evicted));
        total -= fragment.size;
      }
    }
  }
  firehose_.RotateExpired();
  return report;
}

}  // namespace kedge::ingest
