#include "agent/sources/file/inotify_wakeup.h"

#include <unistd.h>

#include <cerrno>

#include "platform/posix/posix_error.h"

#ifdef __linux__
#include <sys/inotify.h>
#endif

namespace kedge::agent {

#ifdef __linux__

StatusOr<std::unique_ptr<InotifyWakeup>> InotifyWakeup::Create() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return PosixError("inotify_init1", errno);
  return std::unique_ptr<InotifyWakeup>(new InotifyWakeup(fd));
}

Status InotifyWakeup::Watch(const std::string& dir) {
  if (watched_.count(dir)) return Status::Ok();
  uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE |
                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  if (::inotify_add_watch(fd_, dir.c_str(), mask) < 0) return PosixError("inotify " + dir, errno);
  watched_.insert(dir);
  return Status::Ok();
}

uint32_t InotifyWakeup::Drain() {
  alignas(inotify_event) char buf[4096];
  uint32_t kinds = 0;
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return kinds;  // EAGAIN: drained
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buf + at);
      constexpr uint32_t kNames = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                                  IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW;
      kinds |= (event->mask & kNames) ? kNamesChanged : kWritten;
      at += sizeof(inotify_event) + event->len;
    }
  }
}

#else

StatusOr<std::unique_ptr<InotifyWakeup>> InotifyWakeup::Create() {
  return UnimplementedError("inotify is Linux only; file sources poll");
}
Status InotifyWakeup::Watch(const std::string&) { return UnimplementedError("no inotify"); }
uint32_t InotifyWakeup::Drain() { return 0; }

#endif

InotifyWakeup::~InotifyWakeup() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace kedge::agent
