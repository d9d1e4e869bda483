#pragma once
// JournaldSource: the `journald` source. Reads the systemd journal (or the journal files of a
// directory) through a JournalReader, filtered by units (_SYSTEMD_UNIT=<unit>, ORed) and
// matches (FIELD=value; same field ORed, different fields ANDed, as sd-journal does), and hands
// each entry to the sink as a JSON record (docs/config.md, journald):
//   {"ts":<ms>,"message":"...","priority":6,"unit":"x.service","identifier":"x","pid":123,
//    "hostname":"h","boot_id":"..."}   (keys present only when the entry has the field)
// The batch carries the cursor of its last entry as the checkpoint (key "cursor"), which the
// spool commits with the records; Start resumes right after the saved cursor, or at the
// journal's head or tail (start_position) when there is none or it was rotated away.
//
// Driven by Poll() on the input thread; not thread-safe. sink and metrics must outlive it.

#include <memory>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/journald/journal_reader.h"
#include "agent/sources/source.h"

namespace kedge::agent {

class JournaldSource final : public Source {
 public:
  static constexpr size_t kMaxEntriesPerPoll = 1000;
  static constexpr char kCursorKey[] = "cursor";

  // `reader` is freshly opened (OpenSystemJournal, or a fake in tests).
  JournaldSource(const SourceConfig& config, std::unique_ptr<JournalReader> reader,
                 RecordSink& sink, MetricsRegistry& metrics);
  ~JournaldSource() override;

  const std::string& Name() const override { return config_.name; }
  // Adds the filters and seeks. InvalidArgument for a match sd-journal refuses.
  Status Start(const std::vector<Checkpoint>& saved) override;
  PollResult Poll() override;

  // The record for one entry (public for tests).
  static SourceRecord ToRecord(const JournalEntry& entry);

 private:
  struct Counters;
  Status SeekStart();

  SourceConfig config_;
  std::unique_ptr<JournalReader> reader_;
  RecordSink& sink_;
  std::unique_ptr<Counters> counters_;
  bool started_ = false;
  bool failed_ = false;     // the reader failed; retried on the next Poll
  std::string accepted_;    // cursor of the last entry the sink accepted
};

}  // namespace kedge::agent
