#pragma once
// FragmentStore: the on-disk buffer between the MKV fragmenter and the PutMedia uploader. Every
// fragment is one file, so an outage or a restart loses nothing that fits, and memory stays flat
// (only a small index of metadata is kept in RAM, never fragment bytes). The format is described
// in docs/fragment_store.md.
//
// Bounds: max_bytes (payload bytes on disk) and max_age (producer time of the fragment against
// the wall clock). Append makes room by dropping the oldest whole fragments, sent or not, and
// counts them; an expired fragment is dropped the same way.
//
// Reading: a cursor walks the fragments oldest first (ReadNext); MarkPersisted(timecode) deletes
// that fragment and every one before it; Rewind moves the cursor back to the oldest
// fragment still stored, for a resend after a reconnect. Discard drops one fragment the service
// refused for good.
//
// Threads: one appender (the camera's video thread) and one reader (the uploader) may call
// concurrently; file I/O happens outside the lock. Errors: Status from Env (disk full is
// ResourceExhausted); a fragment whose file is damaged is dropped, counted and skipped.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"

namespace kedge::video {

struct FragmentMeta {
  uint64_t seq = 0;         // assigned by Append; increases with every fragment stored
  int64_t timecode_ms = 0;  // producer timecode (Cluster Timecode, epoch ms)
  int64_t duration_ms = 0;
  bool key = true;             // starts with a key frame
  bool session_start = false;  // the payload begins with an EBML header + Segment
  uint64_t size = 0;           // payload bytes
};

struct StoredFragment {
  FragmentMeta meta;
  std::string payload;
};

class FragmentStore {
 public:
  struct Options {
    std::string dir;                          // created if missing; one store per directory
    uint64_t max_bytes = 256ull << 20;        // payload bytes kept on disk
    Millis max_age = std::chrono::hours(24);  // 0: no age limit
  };

  struct Stats {
    uint64_t fragments = 0;          // stored now
    uint64_t bytes = 0;              // payload bytes stored now
    uint64_t unsent = 0;             // at or after the cursor
    int64_t oldest_timecode_ms = 0;  // 0 when empty
    uint64_t appended = 0;
    uint64_t persisted = 0;      // removed by MarkPersisted
    uint64_t discarded = 0;      // removed by Discard
    uint64_t dropped_full = 0;   // oldest dropped to make room
    uint64_t dropped_bytes = 0;  // their payload bytes
    uint64_t dropped_age = 0;    // older than max_age
    uint64_t damaged = 0;        // torn or corrupt files removed
  };

  // Opens (and recovers) the store in options.dir: leftovers of interrupted writes are removed,
  // every complete fragment is indexed from its file name, the limits are applied.
  static StatusOr<std::unique_ptr<FragmentStore>> Open(Options options, Env& env,
                                                       const Clock& clock);

  // Stores a fragment durably (written, fsynced, renamed into place) before returning; fills in
  // meta.seq and meta.size and returns the completed metadata. InvalidArgument when the fragment
  // alone exceeds max_bytes.
  StatusOr<FragmentMeta> Append(FragmentMeta meta, std::string_view payload) {
    return Append(std::move(meta), payload, std::string_view());
  }
  // The payload in two parts, stored as one (an MkvFragmenter Fragment's header and bytes),
  // without the caller concatenating them first.
  StatusOr<FragmentMeta> Append(FragmentMeta meta, std::string_view first, std::string_view second);

  // The metadata of the fragment at the cursor, or nullopt when everything was read.
  std::optional<FragmentMeta> PeekNext() const;
  // Reads the fragment at the cursor and moves the cursor past it. nullopt when there is none.
  // A damaged file is dropped (counted in Stats::damaged) and the next fragment is returned.
  StatusOr<std::optional<StoredFragment>> ReadNext();
  // Moves the cursor back to the oldest stored fragment.
  void Rewind();

  // Deletes the fragment with this timecode and every fragment appended before it (ACKs come in
  // upload order). With no fragment at exactly this timecode, deletes the oldest fragments up to
  // it. Returns how many were deleted.
  StatusOr<uint64_t> MarkPersisted(int64_t timecode_ms);
  // Deletes the fragment with this timecode (refused by the service for good).
  Status Discard(int64_t timecode_ms);
  // Drops fragments older than max_age now (Append does this too).
  Status ExpireOld();

  Stats stats() const;
  const std::string& dir() const { return options_.dir; }

 private:
  FragmentStore(Options options, Env& env, const Clock& clock);
  Status Recover();
  std::string PathFor(const FragmentMeta& meta) const;
  // Removes the fragment `seq` from the index and the disk; the caller holds mu_.
  Status RemoveLocked(uint64_t seq);
  Status EnforceLimitsLocked(uint64_t incoming_bytes);

  const Options options_;
  Env& env_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::map<uint64_t, FragmentMeta> index_;  // guarded by mu_; seq -> metadata
  uint64_t cursor_ = 0;                     // guarded by mu_; the next seq to read
  uint64_t next_seq_ = 1;                   // guarded by mu_
  uint64_t bytes_ = 0;                      // guarded by mu_
  Stats counters_;                          // guarded by mu_ (the cumulative fields)
};

// File names and contents, exposed for tests and for docs/fragment_store.md.
namespace fragment_file {
inline constexpr char kMagic[4] = {'K', 'V', 'F', 'S'};
inline constexpr size_t kHeaderSize = 32;  // magic, version, reserved, payload size, MD5
std::string Name(const FragmentMeta& meta);
// Parses a name made by Name(); nullopt for anything else.
std::optional<FragmentMeta> ParseName(std::string_view name);
// The file contents for the payload first + second.
std::string Encode(std::string_view first, std::string_view second = {});
// The payload, or DataLoss when the file is torn or corrupt.
StatusOr<std::string> Decode(std::string contents);
}  // namespace fragment_file

}  // namespace kedge::video
