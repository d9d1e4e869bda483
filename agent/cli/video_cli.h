#pragma once
// Helpers shared by the `kedge video` subcommands (video_command.cc, video_upload_command.cc).

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "platform/env.h"
#include "platform/status.h"

namespace kedge::agent {

// The value of the flag at args[*i] as a whole number in [min, max]; moves *i past it.
StatusOr<int> IntValue(const std::vector<std::string>& args, size_t* i, int min, int max);
// The value of the flag at args[*i]; moves *i past it.
StatusOr<std::string> TextValue(const std::vector<std::string>& args, size_t* i);
// $XDG_STATE_HOME/kedge/video/<stream> (or ~/.local/state/..., /tmp/...).
std::string DefaultStoreDir(const std::string& stream, Env& env);

// "5 fragments stored, 5 acknowledged, 0 dropped; 0 left in DIR": the end of a summary line.
std::string FragmentSummary(uint64_t stored, uint64_t acknowledged, uint64_t dropped, uint64_t left,
                            const std::string& dir);

// A thread that takes SIGINT/SIGTERM (blocked in every thread before any starts) with
// sigtimedwait: on a signal it calls on_signal() and ends; every 200 ms otherwise it calls
// on_tick() and ends when that returns true. Joined on destruction.
class SignalWatcher {
 public:
  SignalWatcher(std::function<void()> on_signal, std::function<bool()> on_tick);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// `kedge video upload FILE ...`; `usage` is printed on a usage error. Returns the exit code.
int UploadVideo(const std::vector<std::string>& args, const char* usage);

}  // namespace kedge::agent
