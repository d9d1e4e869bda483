#pragma once
// InotifyWatcher: the thread that waits on an InotifyWakeup so the pipeline thread does not
// have to. The pipeline thread sleeps in HttpClient::Poll (curl's poll, which takes no extra
// descriptors); when a followed directory changes, this thread calls `wake` (the HTTP client's
// Wakeup, which makes that Poll return) and the pipeline polls its file sources at once, so a
// line written is read within milliseconds instead of at the next idle poll.
//
// It wakes the pipeline at most once per Take(): after a wake-up it waits until the pipeline
// has taken the events, leaving later ones to coalesce in the kernel, so a busy writer costs
// one wake-up per loop turn, not one per write. Only a hint (see InotifyWakeup): the agent
// keeps polling on its timer, so a lost event or an unwatchable directory costs latency only.
//
// Threads: Start, Watch, Take and the destructor on the pipeline thread; `wake` is called on
// the watcher's own thread and must be thread-safe.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/sources/file/inotify_wakeup.h"
#include "platform/status.h"

namespace kedge::agent {

class InotifyWatcher {
 public:
  // Errors: no inotify on this system (Unimplemented), or no descriptors left.
  static StatusOr<std::unique_ptr<InotifyWatcher>> Start(std::function<void()> wake);
  ~InotifyWatcher();  // stops and joins the thread
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Adds a directory (a no-op when already watched). A failure (the watch limit) is returned
  // for the caller to log; that directory is left to polling.
  Status Watch(const std::string& dir) { return inotify_->Watch(dir); }
  // The InotifyWakeup event bits gathered since the last call (0: nothing happened), and lets
  // the thread wake the pipeline again.
  uint32_t Take();

 private:
  InotifyWatcher(std::unique_ptr<InotifyWakeup> inotify, int stop_read, int stop_write,
                 std::function<void()> wake);
  void Loop();

  std::unique_ptr<InotifyWakeup> inotify_;
  int stop_read_, stop_write_;  // a pipe: the destructor writes to end the thread's poll
  std::function<void()> wake_;
  std::mutex mu_;
  std::condition_variable taken_;
  uint32_t pending_ = 0;  // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace kedge::agent
