#include "agent/sources/file/file_wakeups.h"

#include "platform/logging.h"

namespace kedge::agent {

// New directories (a glob like /var/log/*/app.log) are picked up at this pace, or at once when
// a name changed in a directory already watched.
constexpr std::chrono::seconds kRefreshEvery{5};

FileWakeups::FileWakeups(Clock& clock, bool enabled, std::function<void()> wake)
    : clock_(clock), enabled_(enabled), wake_(std::move(wake)) {}

FileWakeups::~FileWakeups() = default;

void FileWakeups::Add(FileTailSource& source) {
  sources_.push_back(&source);
  if (!enabled_) return;
  if (watcher_ == nullptr) {
    StatusOr<std::unique_ptr<InotifyWatcher>> started = InotifyWatcher::Start(wake_);
    if (!started.ok()) {
      KEDGE_LOG(kInfo) << "file sources poll (no inotify: " << started.status().message() << ")";
      enabled_ = false;
      return;
    }
    watcher_ = std::move(*started);
  }
  Refresh();
}

void FileWakeups::Refresh() {
  next_refresh_ = clock_.Now() + kRefreshEvery;
  for (FileTailSource* source : sources_) {
    for (const std::string& dir : source->WatchDirs()) {
      if (watched_.count(dir)) continue;
      Status watching = watcher_->Watch(dir);
      if (watching.ok()) {
        watched_.insert(dir);
      } else if (watching.code() != StatusCode::kNotFound) {  // a missing dir may come later
        KEDGE_LOG_EVERY(kWarn, std::chrono::minutes(10))
            << "file sources poll " << dir << " (" << watching.message()
            << "); raise fs.inotify.max_user_watches for faster pick-up";
      }
    }
  }
}

void FileWakeups::BeforePoll() {
  if (watcher_ == nullptr) return;
  uint32_t kinds = watcher_->Take();
  if (kinds & InotifyWakeup::kNamesChanged) {
    for (FileTailSource* source : sources_) source->ScanSoon();
  }
  if ((kinds & InotifyWakeup::kNamesChanged) || clock_.Now() >= next_refresh_) Refresh();
}

}  // namespace kedge::agent
