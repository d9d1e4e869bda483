// OpenSystemJournal for builds without libsystemd.
#ifndef KEDGE_WITH_JOURNALD
#include "agent/sources/journald/journal_reader.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<JournalReader>> OpenSystemJournal(const std::string&) {
  return UnimplementedError("this kedge was built without libsystemd: no journald source");
}

}  // namespace kedge::agent
#endif
