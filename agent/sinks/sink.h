#pragma once
// Sink: where spooled records of one configured sink go (a Kinesis stream, a Firehose delivery
// stream, a local file). The agent's pipeline thread owns the sinks: Pump() leases records
// from the spool as the sink has room, sends them, and acks each one when its destination has
// it (at-least-once). Records the destination refuses for good are dead-lettered with the
// reason; transient failures are nacked and retried after a backoff. Single-threaded.

#include <optional>
#include <string>

#include "agent/config/config.h"
#include "kpl/spool/spool.h"
#include "platform/clock.h"

namespace kedge::agent {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual const std::string& Name() const = 0;
  // Leases what it can send now and moves its pipeline forward.
  virtual void Pump() = 0;
  // When Pump has timed work to do next; nullopt when it only waits on the network.
  virtual std::optional<SteadyTime> NextWakeup() const = 0;
  // For shutdown: sends what it holds; true once nothing is in flight.
  virtual bool Drain() = 0;
};

}  // namespace kedge::agent
