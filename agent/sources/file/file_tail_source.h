#pragma once
// FileTailSource: the `file` source. Follows the files matching a glob and hands their lines
// (or multi-line records) to a RecordSink with a checkpoint per file, so that a restart resumes
// right after the last accepted record. Handles new files, rename rotation (a renamed or
// deleted file is read to its end through the descriptor it has open), copytruncate (a copy is
// recognised by its fingerprint and read from where the original was; the truncated original
// is read again from 0), inode reuse, files that grew while kedge was down, partial last lines
// (flushed after flush_timeout), over-long lines and invalid UTF-8. docs/file_tail.md has the
// details and the limits.
//
// Driven by Poll() on the input thread; time comes from the injected Clock and the OS from the
// FileSystem, so tests run on real temp files without sleeping. inotify, where the agent uses
// it, only decides when to call Poll. Counters go to the MetricsRegistry with label
// source=<name>. Not thread-safe.

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/file/file_checkpoint.h"
#include "agent/sources/file/file_system.h"
#include "agent/sources/line_assembler.h"
#include "agent/sources/source.h"
#include "platform/clock.h"

namespace kedge::agent {

class FileTailSource final : public Source {
 public:
  // Work limits per Poll, so one busy file cannot starve the others or the loop.
  static constexpr size_t kReadChunkBytes = 64 * 1024;
  static constexpr size_t kMaxBytesPerFilePerPoll = 1024 * 1024;

  // `config` is a validated file source. fs, clock, sink and metrics must outlive the source.
  FileTailSource(const SourceConfig& config, const FileSystem& fs, Clock& clock, RecordSink& sink,
                 MetricsRegistry& metrics);
  ~FileTailSource() override;

  const std::string& Name() const override { return config_.name; }
  Status Start(const std::vector<Checkpoint>& saved) override;
  PollResult Poll() override;

  // Keeps each batch (one file's reads in one Poll) well inside a spool of `spool_max_bytes`:
  // a batch larger than the spool's room would be refused even by an empty spool, forever.
  void FitBatchesTo(uint64_t spool_max_bytes) {
    max_bytes_per_poll_ = std::max<uint64_t>(
        kReadChunkBytes, std::min<uint64_t>(kMaxBytesPerFilePerPoll, spool_max_bytes / 4));
  }

  // Makes the next Poll re-scan the glob, not waiting for poll_interval (an inotify event
  // said a name changed).
  void ScanSoon() { next_scan_ = SteadyTime{}; }

  // The files followed now, for /status: path -> accepted offset.
  std::map<std::string, uint64_t> FileOffsets() const;
  // Directories worth an inotify watch (InotifyWakeup): the glob's base directory and those of
  // the files followed now.
  std::set<std::string> WatchDirs() const;

 private:
  struct Tracked;
  struct Counters;

  void Scan(bool at_start);
  bool Excluded(const std::string& path) const;
  void Track(const std::string& path, const FileInfo& info, bool at_start);
  uint64_t InitialOffset(const std::string& path, const FileInfo& info, OpenFile& file,
                         bool at_start, Fingerprint* fingerprint);
  void FindRenamedWhileDown();
  // Reads what is new in one file and hands it to the sink; returns records handed over and
  // sets *more when the per-poll limit stopped it.
  uint64_t Service(Tracked& t, bool* more);
  bool CheckTruncation(Tracked& t, const FileInfo& st);
  void RestartFromZero(Tracked& t, const char* why);
  void RefreshFingerprint(Tracked& t, uint64_t size);
  uint64_t Deliver(Tracked& t, std::vector<LineAssembler::Record>& records, bool forget);
  void UpdateTail(Tracked& t);
  void DeliverForgotten();
  void Untrack(const std::string& key);

  SourceConfig config_;
  const FileSystem& fs_;
  Clock& clock_;
  RecordSink& sink_;
  std::unique_ptr<Counters> counters_;
  bool started_ = false;
  bool refused_ = false;  // the sink refused a batch during this Poll
  SteadyTime next_scan_{};
  uint64_t max_bytes_per_poll_ = kMaxBytesPerFilePerPoll;

  std::map<std::string, std::unique_ptr<Tracked>> files_;  // by FileKey(device, inode)
  std::map<std::string, FileCheckpoint> saved_;            // from Start, not yet matched
  std::vector<std::string> forgotten_;                     // keys to forget in the next batch
  bool first_start_ = true;
};

// Reads `length` (at most kFingerprintBytes) bytes of `file` from `offset` and hashes them; the
// length actually read may be less (end of file).
StatusOr<Fingerprint> ComputeFingerprint(OpenFile& file, uint32_t length, uint64_t offset = 0);

}  // namespace kedge::agent
