#pragma once
// Source: something that produces records (a tailed file, an MQTT subscription, the journal,
// system metrics, stdin) and the RecordSink it hands them to. Sources are driven by the `input`
// thread: Start once, then Poll whenever there may be work (a timer, an inotify wake-up); Poll
// does a bounded amount of work and never blocks. Pause/Resume carry back-pressure from the
// spool (`when_full: block`): a paused source reads nothing, so a file waits on disk.
//
// Delivery contract (at-least-once): every batch carries the source's checkpoints for the
// records in it. The sink makes records and checkpoints durable together (one spool
// transaction); on restart the agent passes the last accepted checkpoints to Start, and the
// source resumes right after the last accepted record.

#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"

namespace kedge::agent {

struct SourceRecord {
  std::string data;
  int64_t timestamp_ms = 0;  // wall clock when read, Unix milliseconds
  std::string origin;        // the file path or MQTT topic it came from
};

// A source's position, opaque to everything but the source that wrote it.
struct Checkpoint {
  std::string key;   // unique within the source, e.g. "2049:1234567" (device:inode)
  std::string blob;  // the serialized position; empty: forget this key
};

struct RecordBatch {
  std::string source;                   // the source's name
  std::vector<SourceRecord> records;    // may be empty when only checkpoints move
  std::vector<Checkpoint> checkpoints;  // where to resume once these records are durable
};

// Where sources hand batches. Called on the input thread.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Takes the batch. OK: the records and checkpoints are accepted (durable or on their way to
  // the spool, in order). Non-OK: nothing of it was taken; the source rewinds to its last
  // accepted position and offers the same data again on a later Poll.
  virtual Status Accept(RecordBatch batch) = 0;
};

struct PollResult {
  uint64_t records = 0;  // records handed to the sink by this call
  bool more = false;     // stopped at a work limit: poll again without waiting
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const std::string& Name() const = 0;
  // Called once, before the first Poll, with the checkpoints last accepted for this source.
  // Errors are configuration-level (e.g. a bad pattern); runtime problems are logged and counted.
  virtual Status Start(const std::vector<Checkpoint>& saved) = 0;
  virtual PollResult Poll() = 0;
  // Back-pressure. The default just records the state, which Poll checks; a source whose data
  // arrives on another thread (MQTT) overrides them to stop its intake.
  virtual void Pause() { paused_ = true; }
  virtual void Resume() { paused_ = false; }
  bool paused() const { return paused_; }

 protected:
  bool paused_ = false;
};

}  // namespace kedge::agent
