#pragma once
// Parsers for the Linux files the metrics source samples: /proc/stat, /proc/meminfo,
// /proc/net/dev, /proc/loadavg, /proc/uptime and a thermal zone's temp. Each takes the file's
// text and returns what it found; a malformed file is InvalidArgument (the caller leaves that
// section out of the record and counts it), never a crash. Pure functions.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace kedge::agent {

// The "cpu " line of /proc/stat, in clock ticks.
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
           steal = 0;
  uint64_t Total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
  uint64_t Idle() const { return idle + iowait; }
};
struct ProcStat {
  CpuTimes total;
  uint32_t cores = 0;  // the "cpuN" lines
};
StatusOr<ProcStat> ParseProcStat(std::string_view text);

// /proc/meminfo values in bytes (the file's kB are KiB), by key ("MemTotal", ...).
StatusOr<std::map<std::string, uint64_t>> ParseMeminfo(std::string_view text);

struct NetCounters {
  std::string name;
  uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0;
};
StatusOr<std::vector<NetCounters>> ParseNetDev(std::string_view text);

struct LoadAverage {
  double one = 0, five = 0, fifteen = 0;
};
StatusOr<LoadAverage> ParseLoadavg(std::string_view text);

// Seconds since boot (the first number of /proc/uptime).
StatusOr<double> ParseUptime(std::string_view text);

// A thermal zone's temp file (millidegrees Celsius) in degrees Celsius.
StatusOr<double> ParseMilliCelsius(std::string_view text);

}  // namespace kedge::agent
