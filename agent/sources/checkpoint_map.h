#pragma once
// CheckpointMap: all of a source's checkpoints (Checkpoint{key, blob}, one per file for the file
// source) as the single value the spool keeps per source (kpl::CheckpointUpdate{source, value}).
// The agent's spool adapter keeps one per source: Apply each accepted batch's checkpoints, then
// append Serialize() in the same spool transaction as the batch's records; on start, Parse the
// value from Spool::GetCheckpoint and hand ToVector() to Source::Start. Single-threaded.

#include <map>
#include <string>
#include <vector>

#include "agent/sources/source.h"
#include "platform/status.h"

namespace kedge::agent {

class CheckpointMap {
 public:
  // An empty value is an empty map; anything else not written by Serialize is DataLoss.
  static StatusOr<CheckpointMap> Parse(const std::string& value);

  // Sets each key to its blob; an empty blob removes the key.
  void Apply(const std::vector<Checkpoint>& updates);
  // {"v":1,"keys":{"<key>":"<blob>",...}}
  std::string Serialize() const;
  std::vector<Checkpoint> ToVector() const;
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, std::string> entries_;
};

}  // namespace kedge::agent
