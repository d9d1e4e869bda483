#include "platform/shared_library.h"

#include <dlfcn.h>

namespace kedge {

void* SymbolLoader::Open(const std::string& soname, const std::string& package) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr && error_.empty()) {
    error_ = soname + " is not installed, and " + use_ + " (install the " + package + " package)";
  }
  return handle;
}

void* SymbolLoader::Find(void* library, const char* symbol) {
  void* found = library != nullptr ? dlsym(library, symbol) : nullptr;
  if (found == nullptr && error_.empty()) error_ = family_ + " has no " + symbol;
  return found;
}

Status SymbolLoader::status() const {
  return error_.empty() ? Status() : FailedPreconditionError(error_);
}

}  // namespace kedge
