#pragma once
// Agent: the `kedge run` daemon. Builds the pipeline from a validated AgentConfig —
//   sources -> processors -> SpoolSink -> SQLite spool -> sinks (Kinesis, Firehose, file)
// — and runs it on one pipeline thread until asked to stop, then drains what it can in the
// shutdown grace period and commits. Every record read is in the spool (with its source's
// position) before it is sent, and leaves the spool only when its destination acknowledged it.
//
// Threads: Run() is the pipeline thread; it owns the sources, the spool, the producers and the
// HTTP client. RequestStop() may be called from any thread (a signal handler's flag, the
// service host). An inotify thread (FileWakeups) wakes the loop when followed files change.
// The status server answers on its own thread from the metrics registry, which
// is thread-safe.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/metrics/status_history.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"

namespace kedge::agent {

struct AgentOptions {
  std::chrono::milliseconds shutdown_grace{5000};  // time to deliver what is in flight
  std::chrono::milliseconds idle_poll{250};        // how often sources are polled when idle
  // Wake up when a followed file's directory changes (Linux inotify), so a written line is
  // read at once; idle_poll stays the fallback. Off: file sources are only polled.
  bool inotify = true;
  // Called on the pipeline thread once per loop turn (at least every idle_poll): the service
  // host's watchdog ping goes here, so a stuck loop stops the pings.
  std::function<void()> heartbeat;
  // Called on the pipeline thread when shutdown begins (before the drain).
  std::function<void()> stopping;
  // When set, a sample of throughput and spool depth goes here every 5 s (the status page's
  // charts). Must outlive the agent; thread-safe.
  StatusHistory* history = nullptr;
};

class Agent {
 public:
  // Opens the spool, builds sinks and sources. Errors name the component (a bad endpoint, an
  // unopenable spool, a source that cannot start).
  static StatusOr<std::unique_ptr<Agent>> Create(const AgentConfig& config, Env& env,
                                                 Clock& clock, MetricsRegistry& metrics,
                                                 AgentOptions options = {});
  ~Agent();

  // Runs until RequestStop(); then drains and commits. Returns OK after a clean stop.
  Status Run();
  void RequestStop();

  // For tests, before Run() or after it returned (the spool belongs to the pipeline thread).
  uint64_t records_in_spool() const;

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kedge::agent
