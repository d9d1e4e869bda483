#pragma once
// SymbolLoader: loads an optional feature's shared libraries when the feature is first used
// (dlopen) rather than linking them, so that a kedge process which never uses the feature does
// not map them: camera capture (GStreamer) and `kedge video upload` (FFmpeg) each pull in dozens
// of libraries. The first failure is kept and reported as a FailedPrecondition that names the
// missing library or symbol and the package to install.
//
//   SymbolLoader loader("camera capture uses it", "GStreamer");
//   void* gst = loader.Open("libgstreamer-1.0.so.0", "libgstreamer1.0-0");
//   loader.Resolve(gst, "gst_init_check", &api->init_check);
//   KEDGE_RETURN_IF_ERROR(loader.status());
//
// Libraries stay loaded for the life of the process. Not thread-safe: load once (std::call_once).

#include <string>

#include "platform/status.h"

namespace kedge {

class SymbolLoader {
 public:
  // `use` completes "<soname> is not installed, and ..."; `family` names the libraries in
  // "<family> has no <symbol>".
  SymbolLoader(std::string use, std::string family)
      : use_(std::move(use)), family_(std::move(family)) {}

  // The library's handle, or nullptr (and the error kept) when it cannot be loaded.
  void* Open(const std::string& soname, const std::string& package);

  // Sets *out to `symbol` from `library`; nullptr (and the error kept) when it is missing or
  // `library` is nullptr.
  template <typename Fn>
  void Resolve(void* library, const char* symbol, Fn* out) {
    *out = reinterpret_cast<Fn>(Find(library, symbol));
  }

  // OK, or FailedPrecondition with the first failure.
  Status status() const;

 private:
  void* Find(void* library, const char* symbol);

  std::string use_;
  std::string family_;
  std::string error_;
};

}  // namespace kedge
