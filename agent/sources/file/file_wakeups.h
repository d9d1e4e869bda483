#pragma once
// FileWakeups: inotify for the agent's file sources. It keeps an InotifyWatcher on the
// directories the sources follow (FileTailSource::WatchDirs) and, once per loop turn, tells the
// sources what happened: data written needs nothing more than the Poll the loop makes anyway;
// a name change (a new file, a rename, a deletion) makes them re-scan their glob at once
// instead of at the next poll_interval. Polling stays the fallback: without inotify, or for a
// directory that cannot be watched (fs.inotify.max_user_watches), nothing changes but latency.
//
// Thread: the pipeline thread. `wake` runs on the watcher's thread (thread-safe).

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/sources/file/file_tail_source.h"
#include "agent/sources/file/inotify_watcher.h"
#include "platform/clock.h"

namespace kedge::agent {

class FileWakeups {
 public:
  // Starts no thread until a file source is added. With `enabled` false (or no inotify), only
  // polling is used.
  FileWakeups(Clock& clock, bool enabled, std::function<void()> wake);
  ~FileWakeups();

  // A started source; it must outlive this object.
  void Add(FileTailSource& source);
  // Call before polling the sources: applies the events that arrived since the last call.
  void BeforePoll();
  // True while inotify watches at least one directory (for /status and tests).
  bool active() const { return watcher_ != nullptr && !watched_.empty(); }

 private:
  void Refresh();

  Clock& clock_;
  bool enabled_;
  std::function<void()> wake_;
  std::unique_ptr<InotifyWatcher> watcher_;
  std::vector<FileTailSource*> sources_;
  std::set<std::string> watched_;
  SteadyTime next_refresh_{};
};

}  // namespace kedge::agent
