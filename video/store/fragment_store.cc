#include "video/store/fragment_store.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "platform/logging.h"

namespace kedge::video {
namespace {

constexpr std::string_view kTmpSuffix = ".tmp";
constexpr int kWriteAttempts = 3;  // a full disk gets two chances after dropping the oldest

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

StatusOr<std::unique_ptr<FragmentStore>> FragmentStore::Open(Options options, Env& env,
                                                             const Clock& clock) {
  if (options.dir.empty()) return InvalidArgumentError("fragment store: the directory is empty");
  if (options.max_bytes == 0) {
    return InvalidArgumentError("fragment store " + options.dir + ": max_bytes must be > 0");
  }
  std::unique_ptr<FragmentStore> store(new FragmentStore(std::move(options), env, clock));
  KEDGE_RETURN_IF_ERROR(store->Recover());
  return store;
}

FragmentStore::FragmentStore(Options options, Env& env, const Clock& clock)
    : options_(std::move(options)), env_(env), clock_(clock) {}

std::string FragmentStore::PathFor(const FragmentMeta& meta) const {
  return options_.dir + "/" + fragment_file::Name(meta);
}

Status FragmentStore::Recover() {
  KEDGE_RETURN_IF_ERROR(env_.CreateDirs(options_.dir).WithContext("fragment store"));
  KEDGE_ASSIGN_OR_RETURN(auto names, env_.ListDir(options_.dir));
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& name : names) {
    std::string path = options_.dir + "/" + name;
    if (EndsWith(name, kTmpSuffix)) {
      // A write that never reached its rename: the fragment was never acknowledged as stored.
      KEDGE_RETURN_IF_ERROR(env_.RemoveFile(path));
      ++counters_.damaged;
      continue;
    }
    std::optional<FragmentMeta> meta = fragment_file::ParseName(name);
    if (!meta) {
      KEDGE_LOG(kWarn) << "fragment store: ignoring " << path << " (not a fragment file)";
      continue;
    }
    KEDGE_ASSIGN_OR_RETURN(uint64_t size, env_.FileSize(path));
    if (size < fragment_file::kHeaderSize) {
      KEDGE_RETURN_IF_ERROR(env_.RemoveFile(path));
      ++counters_.damaged;
      continue;
    }
    meta->size = size - fragment_file::kHeaderSize;
    index_[meta->seq] = *meta;
    bytes_ += meta->size;
    next_seq_ = std::max(next_seq_, meta->seq + 1);
  }
  cursor_ = 0;
  if (!index_.empty() || counters_.damaged > 0) {
    KEDGE_LOG(kInfo) << "fragment store " << options_.dir << ": recovered " << index_.size()
                     << " fragments (" << bytes_ << " bytes), removed " << counters_.damaged
                     << " damaged";
  }
  return EnforceLimitsLocked(0);
}

Status FragmentStore::RemoveLocked(uint64_t seq) {
  auto it = index_.find(seq);
  if (it == index_.end()) return Status::Ok();
  Status status = env_.RemoveFile(PathFor(it->second));
  bytes_ -= it->second.size;
  index_.erase(it);
  // Already gone is fine: the index is what counts.
  if (!status.ok() && status.code() != StatusCode::kNotFound) return status;
  return Status::Ok();
}

Status FragmentStore::EnforceLimitsLocked(uint64_t incoming_bytes) {
  if (options_.max_age.count() > 0) {
    const int64_t cutoff = ToUnixMillis(clock_.WallNow()) - options_.max_age.count();
    while (!index_.empty()) {
      const FragmentMeta& oldest = index_.begin()->second;
      if (oldest.timecode_ms + oldest.duration_ms >= cutoff) break;
      ++counters_.dropped_age;
      KEDGE_RETURN_IF_ERROR(RemoveLocked(oldest.seq));
    }
  }
  while (!index_.empty() && bytes_ + incoming_bytes > options_.max_bytes) {
    const FragmentMeta& oldest = index_.begin()->second;
    ++counters_.dropped_full;
    counters_.dropped_bytes += oldest.size;
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "fragment store " << options_.dir << " is full: dropped the fragment at "
        << oldest.timecode_ms << " (" << counters_.dropped_full << " dropped so far)";
    KEDGE_RETURN_IF_ERROR(RemoveLocked(oldest.seq));
  }
  return Status::Ok();
}

StatusOr<FragmentMeta> FragmentStore::Append(FragmentMeta meta, std::string_view first,
                                             std::string_view second) {
  const uint64_t size = first.size() + second.size();
  if (size > options_.max_bytes) {
    return InvalidArgumentError("fragment store " + options_.dir + ": a fragment of " +
                                std::to_string(size) + " bytes exceeds max_bytes (" +
                                std::to_string(options_.max_bytes) + ")");
  }
  if (meta.timecode_ms < 0 || meta.duration_ms < 0) {
    return InvalidArgumentError("fragment store: negative timecode or duration");
  }
  meta.size = size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    KEDGE_RETURN_IF_ERROR(EnforceLimitsLocked(meta.size));
    meta.seq = next_seq_++;
  }
  const std::string contents = fragment_file::Encode(first, second);
  Status written;
  for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
    written = env_.WriteFileAtomic(PathFor(meta), contents);
    if (written.ok() || written.code() != StatusCode::kResourceExhausted) break;
    std::lock_guard<std::mutex> lock(mu_);
    if (index_.empty()) break;
    ++counters_.dropped_full;  // the disk is fuller than max_bytes allows for
    counters_.dropped_bytes += index_.begin()->second.size;
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "fragment store " << options_.dir << ": disk full (" << FreeSpaceText(env_, options_.dir)
        << "): dropped the oldest fragment, at " << index_.begin()->second.timecode_ms << " ("
        << counters_.dropped_full << " dropped so far); " << written.message();
    KEDGE_RETURN_IF_ERROR(RemoveLocked(index_.begin()->first));
  }
  if (!written.ok()) return written.WithContext("fragment store");
  std::lock_guard<std::mutex> lock(mu_);
  index_[meta.seq] = meta;
  bytes_ += meta.size;
  ++counters_.appended;
  return meta;
}

std::optional<FragmentMeta> FragmentStore::PeekNext() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.lower_bound(cursor_);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

StatusOr<std::optional<StoredFragment>> FragmentStore::ReadNext() {
  for (;;) {
    FragmentMeta meta;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = index_.lower_bound(cursor_);
      if (it == index_.end()) return std::optional<StoredFragment>();
      meta = it->second;
    }
    // Read outside the lock so appends are not held up by a large fragment.
    StatusOr<std::string> contents = env_.ReadFile(PathFor(meta));
    StatusOr<std::string> payload =
        contents.ok() ? fragment_file::Decode(std::move(*contents)) : contents.status();
    std::lock_guard<std::mutex> lock(mu_);
    if (!index_.count(meta.seq)) continue;  // dropped meanwhile (store full or persisted)
    if (!payload.ok()) {
      StatusCode code = payload.status().code();
      if (code != StatusCode::kDataLoss && code != StatusCode::kNotFound) return payload.status();
      KEDGE_LOG(kWarn) << "fragment store: dropping " << PathFor(meta) << ": "
                       << payload.status().message();
      ++counters_.damaged;
      KEDGE_RETURN_IF_ERROR(RemoveLocked(meta.seq));
      continue;
    }
    cursor_ = meta.seq + 1;
    return std::optional<StoredFragment>(StoredFragment{meta, std::move(*payload)});
  }
}

void FragmentStore::Rewind() {
  std::lock_guard<std::mutex> lock(mu_);
  cursor_ = 0;
}

StatusOr<uint64_t> FragmentStore::MarkPersisted(int64_t timecode_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  // ACKs follow the upload order, which is the store's order: everything appended before the
  // acknowledged fragment is done with too. Going by sequence rather than by timecode keeps this
  // right when timecodes went back across a restart (a device that booted with a stale clock).
  uint64_t last = 0;
  for (const auto& [seq, meta] : index_) {
    if (meta.timecode_ms == timecode_ms) {
      last = seq;
      break;
    }
  }
  uint64_t removed = 0;
  while (!index_.empty()) {
    const FragmentMeta& oldest = index_.begin()->second;
    if (last != 0 ? oldest.seq > last : oldest.timecode_ms > timecode_ms) break;
    KEDGE_RETURN_IF_ERROR(RemoveLocked(oldest.seq));
    ++removed;
  }
  counters_.persisted += removed;
  return removed;
}

Status FragmentStore::Discard(int64_t timecode_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [seq, meta] : index_) {
    if (meta.timecode_ms == timecode_ms) {
      ++counters_.discarded;
      return RemoveLocked(seq);
    }
  }
  return NotFoundError("fragment store: no fragment at timecode " + std::to_string(timecode_ms));
}

Status FragmentStore::ExpireOld() {
  std::lock_guard<std::mutex> lock(mu_);
  return EnforceLimitsLocked(0);
}

FragmentStore::Stats FragmentStore::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = counters_;
  s.fragments = index_.size();
  s.bytes = bytes_;
  s.unsent = uint64_t(std::distance(index_.lower_bound(cursor_), index_.end()));
  s.oldest_timecode_ms = index_.empty() ? 0 : index_.begin()->second.timecode_ms;
  return s;
}

}  // namespace kedge::video
