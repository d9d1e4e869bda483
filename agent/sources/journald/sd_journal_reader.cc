// The sd-journal implementation of JournalReader (built only with KEDGE_WITH_JOURNALD).
#include <systemd/sd-journal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "agent/sources/journald/journal_reader.h"

namespace kedge::agent {
namespace {

Status SdError(const std::string& what, int r) {
  return UnavailableError(what + ": " + std::strerror(-r));
}

class SdJournalReader final : public JournalReader {
 public:
  explicit SdJournalReader(sd_journal* j) : j_(j) {}
  ~SdJournalReader() override { sd_journal_close(j_); }

  Status AddMatch(const std::string& match) override {
    int r = sd_journal_add_match(j_, match.data(), match.size());
    if (r < 0) return InvalidArgumentError("journal match '" + match + "': " + std::strerror(-r));
    return Status::Ok();
  }

  Status SeekAfterCursor(const std::string& cursor) override {
    int r = sd_journal_seek_cursor(j_, cursor.c_str());
    if (r < 0) return SdError("seek to the saved cursor", r);
    r = sd_journal_next(j_);
    if (r < 0) return SdError("read the journal", r);
    if (r == 0) return Status::Ok();  // at the end: the next entry will follow the cursor
    if (sd_journal_test_cursor(j_, cursor.c_str()) > 0) return Status::Ok();
    // The saved entry is gone; we stand on the first one after it, which is not read yet.
    sd_journal_previous(j_);
    return NotFoundError("the saved journal cursor is no longer in the journal");
  }

  Status SeekHead() override {
    int r = sd_journal_seek_head(j_);
    return r < 0 ? SdError("seek to the journal's head", r) : Status::Ok();
  }

  Status SeekTail() override {
    int r = sd_journal_seek_tail(j_);
    if (r < 0) return SdError("seek to the journal's tail", r);
    // seek_tail stands after the end; stepping back onto the last entry makes Next return only
    // newer ones.
    sd_journal_previous(j_);
    return Status::Ok();
  }

  StatusOr<bool> Next(JournalEntry* entry) override {
    int r = sd_journal_next(j_);
    if (r < 0) return SdError("read the journal", r);
    if (r == 0) return false;
    char* cursor = nullptr;
    if (sd_journal_get_cursor(j_, &cursor) < 0) return InternalError("journal entry without cursor");
    entry->cursor = cursor;
    free(cursor);
    sd_journal_get_realtime_usec(j_, &entry->realtime_us);
    entry->fields.clear();
    const void* data = nullptr;
    size_t length = 0;
    SD_JOURNAL_FOREACH_DATA(j_, data, length) {
      const char* p = static_cast<const char*>(data);
      const char* eq = static_cast<const char*>(std::memchr(p, '=', length));
      if (eq == nullptr) continue;
      entry->fields.emplace(std::string(p, eq), std::string(eq + 1, p + length));
    }
    return true;
  }

 private:
  sd_journal* j_;
};

}  // namespace

StatusOr<std::unique_ptr<JournalReader>> OpenSystemJournal(const std::string& directory) {
  sd_journal* j = nullptr;
  int r = directory.empty() ? sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY)
                            : sd_journal_open_directory(&j, directory.c_str(), 0);
  if (r < 0) {
    // Only a permission error is about the group; ENOSYS comes from kernels or emulators
    // (qemu-user) that lack a system call the journal library needs.
    std::string hint = (r == -EACCES || r == -EPERM)
                           ? " (is kedge in the systemd-journal group?)"
                           : r == -ENOSYS ? " (this kernel or emulator lacks a system call "
                                            "libsystemd needs)"
                                          : "";
    return UnavailableError("cannot open the journal" +
                            (directory.empty() ? std::string() : " in " + directory) + ": " +
                            std::strerror(-r) + hint);
  }
  return std::unique_ptr<JournalReader>(new SdJournalReader(j));
}

}  // namespace kedge::agent
