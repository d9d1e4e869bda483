#include "agent/sources/file/inotify_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "platform/posix/posix_error.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<InotifyWatcher>> InotifyWatcher::Start(std::function<void()> wake) {
  KEDGE_ASSIGN_OR_RETURN(std::unique_ptr<InotifyWakeup> inotify, InotifyWakeup::Create());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return PosixError("pipe2", errno);
  return std::unique_ptr<InotifyWatcher>(
      new InotifyWatcher(std::move(inotify), fds[0], fds[1], std::move(wake)));
}

InotifyWatcher::InotifyWatcher(std::unique_ptr<InotifyWakeup> inotify, int stop_read,
                               int stop_write, std::function<void()> wake)
    : inotify_(std::move(inotify)),
      stop_read_(stop_read),
      stop_write_(stop_write),
      wake_(std::move(wake)),
      thread_([this] { Loop(); }) {}

InotifyWatcher::~InotifyWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  taken_.notify_all();
  char byte = 0;
  while (::write(stop_write_, &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  ::close(stop_read_);
  ::close(stop_write_);
}

uint32_t InotifyWatcher::Take() {
  uint32_t kinds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    kinds = pending_;
    pending_ = 0;
  }
  taken_.notify_one();
  return kinds;
}

void InotifyWatcher::Loop() {
  for (;;) {
    pollfd fds[2] = {{inotify_->fd(), POLLIN, 0}, {stop_read_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;  // cannot wait: the agent polls
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    uint32_t kinds = inotify_->Drain();
    if (kinds == 0) continue;
    std::unique_lock<std::mutex> lock(mu_);
    bool was_pending = pending_ != 0;
    pending_ |= kinds;
    if (!was_pending) wake_();
    // Until the pipeline takes these, later events wait (and coalesce) in the kernel.
    taken_.wait(lock, [this] { return pending_ == 0 || stopping_; });
    if (stopping_) return;
  }
}

}  // namespace kedge::agent
