#pragma once
// JournalReader: the few sd-journal operations the journald source needs, behind an interface
// so the source's logic (filters, positions, record building, rewinding) is tested without a
// journal, and so the library stays optional (SdJournalReader exists only when kedge is built
// with libsystemd). Single-threaded.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "platform/status.h"

namespace kedge::agent {

struct JournalEntry {
  std::string cursor;
  uint64_t realtime_us = 0;                   // __REALTIME_TIMESTAMP
  std::map<std::string, std::string> fields;  // MESSAGE, PRIORITY, _SYSTEMD_UNIT, ...
};

class JournalReader {
 public:
  virtual ~JournalReader() = default;
  // Adds a FIELD=value match. sd-journal semantics: matches on the same field are ORed, on
  // different fields ANDed.
  virtual Status AddMatch(const std::string& match) = 0;
  // Positions the reader so that Next returns the first entry after `cursor`. NotFound when
  // the journal has no such entry any more (rotated away).
  virtual Status SeekAfterCursor(const std::string& cursor) = 0;
  virtual Status SeekHead() = 0;
  // Next then returns only entries written from now on.
  virtual Status SeekTail() = 0;
  // The next matching entry: true and *entry filled, or false when there is none right now.
  virtual StatusOr<bool> Next(JournalEntry* entry) = 0;
};

// The system journal (directory empty) or the journal files in `directory`, through
// sd_journal_open / sd_journal_open_directory. Unimplemented when built without libsystemd.
StatusOr<std::unique_ptr<JournalReader>> OpenSystemJournal(const std::string& directory);

}  // namespace kedge::agent
