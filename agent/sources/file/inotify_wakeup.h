#pragma once
// InotifyWakeup: a hint that something changed in a directory a file source follows, so the
// input loop can Poll at once instead of waiting for the next poll_interval. Only a hint: the
// file source finds new data, rotations and deletions by polling either way, so a missed or
// coalesced event (or a system without inotify) costs latency, never records. The agent adds
// fd() to its event loop and calls Drain() when it is readable (InotifyWatcher does this on a
// thread of its own). Linux only; elsewhere Create returns Unimplemented and the agent just
// polls. Watch is called by one thread and Drain by one (possibly another: the kernel
// serialises the fd; watched_ is touched by Watch only).

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "platform/status.h"

namespace kedge::agent {

class InotifyWakeup {
 public:
  static StatusOr<std::unique_ptr<InotifyWakeup>> Create();
  ~InotifyWakeup();
  InotifyWakeup(const InotifyWakeup&) = delete;
  InotifyWakeup& operator=(const InotifyWakeup&) = delete;

  // Watches `dir` for files created, written, moved, truncated or deleted in it. Watching the
  // same directory twice is a no-op. Errors (ENOSPC when fs.inotify.max_user_watches is
  // reached) leave the directory to polling.
  Status Watch(const std::string& dir);
  // Non-blocking; readable when events are pending.
  int fd() const { return fd_; }
  // Event bits for Drain's answer: data written, or names changed (created, moved, deleted;
  // also set when the kernel's queue overflowed, since then anything may have happened).
  static constexpr uint32_t kWritten = 1;
  static constexpr uint32_t kNamesChanged = 2;
  // Reads and discards pending events; returns what kind there were (0: none).
  uint32_t Drain();

 private:
  explicit InotifyWakeup(int fd) : fd_(fd) {}
  int fd_;
  std::set<std::string> watched_;
};

}  // namespace kedge::agent
