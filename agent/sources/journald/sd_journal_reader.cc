// The sd-journal implementation of JournalReader (built only with KEDGE_WITH_JOURNALD).
// libsystemd is loaded with dlopen when a journald source opens the journal: it brings
// libgcrypt, libgpg-error and lz4 along, which an agent without a journald source need not map.
#include <systemd/sd-journal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "agent/sources/journald/journal_reader.h"
#include "platform/shared_library.h"

namespace kedge::agent {
namespace {

struct SdJournalApi {
  decltype(&::sd_journal_open) open;
  decltype(&::sd_journal_open_directory) open_directory;
  decltype(&::sd_journal_close) close;
  decltype(&::sd_journal_add_match) add_match;
  decltype(&::sd_journal_seek_cursor) seek_cursor;
  decltype(&::sd_journal_test_cursor) test_cursor;
  decltype(&::sd_journal_seek_head) seek_head;
  decltype(&::sd_journal_seek_tail) seek_tail;
  decltype(&::sd_journal_next) next;
  decltype(&::sd_journal_previous) previous;
  decltype(&::sd_journal_get_cursor) get_cursor;
  decltype(&::sd_journal_get_realtime_usec) get_realtime_usec;
  decltype(&::sd_journal_restart_data) restart_data;
  decltype(&::sd_journal_enumerate_data) enumerate_data;
};

SdJournalApi g_sd;

Status LoadSdJournal() {
  static Status loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    SymbolLoader loader("the journald source reads the journal with it", "libsystemd");
    void* lib = loader.Open("libsystemd.so.0", "libsystemd0");
    loader.Resolve(lib, "sd_journal_open", &g_sd.open);
    loader.Resolve(lib, "sd_journal_open_directory", &g_sd.open_directory);
    loader.Resolve(lib, "sd_journal_close", &g_sd.close);
    loader.Resolve(lib, "sd_journal_add_match", &g_sd.add_match);
    loader.Resolve(lib, "sd_journal_seek_cursor", &g_sd.seek_cursor);
    loader.Resolve(lib, "sd_journal_test_cursor", &g_sd.test_cursor);
    loader.Resolve(lib, "sd_journal_seek_head", &g_sd.seek_head);
    loader.Resolve(lib, "sd_journal_seek_tail", &g_sd.seek_tail);
    loader.Resolve(lib, "sd_journal_next", &g_sd.next);
    loader.Resolve(lib, "sd_journal_previous", &g_sd.previous);
    loader.Resolve(lib, "sd_journal_get_cursor", &g_sd.get_cursor);
    loader.Resolve(lib, "sd_journal_get_realtime_usec", &g_sd.get_realtime_usec);
    loader.Resolve(lib, "sd_journal_restart_data", &g_sd.restart_data);
    loader.Resolve(lib, "sd_journal_enumerate_data", &g_sd.enumerate_data);
    loaded = loader.status();
  });
  return loaded;
}

Status SdError(const std::string& what, int r) {
  return UnavailableError(what + ": " + std::strerror(-r));
}

class SdJournalReader final : public JournalReader {
 public:
  explicit SdJournalReader(sd_journal* j) : j_(j) {}
  ~SdJournalReader() override { g_sd.close(j_); }

  Status AddMatch(const std::string& match) override {
    int r = g_sd.add_match(j_, match.data(), match.size());
    if (r < 0) return InvalidArgumentError("journal match '" + match + "': " + std::strerror(-r));
    return Status::Ok();
  }

  Status SeekAfterCursor(const std::string& cursor) override {
    int r = g_sd.seek_cursor(j_, cursor.c_str());
    if (r < 0) return SdError("seek to the saved cursor", r);
    r = g_sd.next(j_);
    if (r < 0) return SdError("read the journal", r);
    if (r == 0) return Status::Ok();  // at the end: the next entry will follow the cursor
    if (g_sd.test_cursor(j_, cursor.c_str()) > 0) return Status::Ok();
    // The saved entry is gone; we stand on the first one after it, which is not read yet.
    g_sd.previous(j_);
    return NotFoundError("the saved journal cursor is no longer in the journal");
  }

  Status SeekHead() override {
    int r = g_sd.seek_head(j_);
    return r < 0 ? SdError("seek to the journal's head", r) : Status::Ok();
  }

  Status SeekTail() override {
    int r = g_sd.seek_tail(j_);
    if (r < 0) return SdError("seek to the journal's tail", r);
    // seek_tail stands after the end; stepping back onto the last entry makes Next return only
    // newer ones.
    g_sd.previous(j_);
    return Status::Ok();
  }

  StatusOr<bool> Next(JournalEntry* entry) override {
    int r = g_sd.next(j_);
    if (r < 0) return SdError("read the journal", r);
    if (r == 0) return false;
    char* cursor = nullptr;
    if (g_sd.get_cursor(j_, &cursor) < 0) return InternalError("journal entry without cursor");
    entry->cursor = cursor;
    free(cursor);
    g_sd.get_realtime_usec(j_, &entry->realtime_us);
    entry->fields.clear();
    const void* data = nullptr;
    size_t length = 0;
    g_sd.restart_data(j_);
    while (g_sd.enumerate_data(j_, &data, &length) > 0) {
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
  KEDGE_RETURN_IF_ERROR(LoadSdJournal());
  sd_journal* j = nullptr;
  int r = directory.empty() ? g_sd.open(&j, SD_JOURNAL_LOCAL_ONLY)
                            : g_sd.open_directory(&j, directory.c_str(), 0);
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
