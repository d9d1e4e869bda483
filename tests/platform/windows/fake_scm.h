#pragma once
// Test doubles for the Windows service host (platform/windows/service_status.h): a Service
// Control Manager that records every status report and lets a thread wait for a state, and an
// Event Log that records what was reported. Header-only; used by the SCM host's tests and by
// `kedge service run`'s (tests/agent/cli/service_command_test.cc).

#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "platform/windows/service_status.h"

namespace kedge::windows {

// Records every SetServiceStatus call; lets a thread wait for a state.
class FakeScm : public ScmConnection {
 public:
  void SetStatus(const ServiceStatusReport& report) override {
    std::lock_guard<std::mutex> lock(mu_);
    reports_.push_back(report);
    changed_.notify_all();
  }
  std::vector<ServiceStatusReport> reports() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }
  std::vector<ServiceState> states() const {
    std::vector<ServiceState> states;
    for (const auto& r : reports()) states.push_back(r.state);
    return states;
  }
  // Blocks until the last report is `state`.
  void WaitFor(ServiceState state) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return !reports_.empty() && reports_.back().state == state; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<ServiceStatusReport> reports_;
};

class FakeEvents : public EventReporter {
 public:
  void Report(EventKind kind, const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    events.push_back({kind, message});
  }
  std::mutex mu_;
  std::vector<std::pair<EventKind, std::string>> events;
};

}  // namespace kedge::windows
