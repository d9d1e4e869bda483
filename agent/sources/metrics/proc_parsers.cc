#include "agent/sources/metrics/proc_parsers.h"

#include <cstdlib>

namespace kedge::agent {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool ToU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ToDouble(std::string_view s, double* out) {
  std::string copy(s);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size();
}

}  // namespace

StatusOr<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat stat;
  bool found = false;
  for (std::string_view line : Lines(text)) {
    if (line.rfind("cpu", 0) != 0) continue;
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    if (f[0] != "cpu") {
      ++stat.cores;
      continue;
    }
    uint64_t* slots[] = {&stat.total.user,   &stat.total.nice, &stat.total.system,
                         &stat.total.idle,   &stat.total.iowait, &stat.total.irq,
                         &stat.total.softirq, &stat.total.steal};
    if (f.size() < 5) return InvalidArgumentError("/proc/stat: the cpu line is too short");
    for (size_t i = 0; i < 8 && i + 1 < f.size(); ++i) {
      if (!ToU64(f[i + 1], slots[i])) return InvalidArgumentError("/proc/stat: bad cpu counter");
    }
    found = true;
  }
  if (!found) return InvalidArgumentError("/proc/stat has no cpu line");
  return stat;
}

StatusOr<std::map<std::string, uint64_t>> ParseMeminfo(std::string_view text) {
  std::map<std::string, uint64_t> out;
  for (std::string_view line : Lines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    uint64_t v = 0;
    if (f.empty() || !ToU64(f[0], &v)) continue;
    if (f.size() > 1 && f[1] == "kB") v *= 1024;
    out.emplace(std::string(line.substr(0, colon)), v);
  }
  if (out.count("MemTotal") == 0) return InvalidArgumentError("/proc/meminfo has no MemTotal");
  return out;
}

StatusOr<std::vector<NetCounters>> ParseNetDev(std::string_view text) {
  std::vector<NetCounters> out;
  for (std::string_view line : Lines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the two header lines
    std::vector<std::string_view> name = Fields(line.substr(0, colon));
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (name.size() != 1 || f.size() < 16) {
      return InvalidArgumentError("/proc/net/dev: unexpected line");
    }
    NetCounters c;
    c.name = std::string(name[0]);
    uint64_t* slots[] = {&c.rx_bytes, &c.rx_packets, &c.rx_errors, &c.rx_dropped,
                         &c.tx_bytes, &c.tx_packets, &c.tx_errors, &c.tx_dropped};
    const size_t columns[] = {0, 1, 2, 3, 8, 9, 10, 11};
    for (size_t i = 0; i < 8; ++i) {
      if (!ToU64(f[columns[i]], slots[i])) {
        return InvalidArgumentError("/proc/net/dev: bad counter for " + c.name);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

StatusOr<LoadAverage> ParseLoadavg(std::string_view text) {
  std::vector<std::string_view> f = Fields(Lines(text).empty() ? "" : Lines(text)[0]);
  LoadAverage l;
  if (f.size() < 3 || !ToDouble(f[0], &l.one) || !ToDouble(f[1], &l.five) ||
      !ToDouble(f[2], &l.fifteen)) {
    return InvalidArgumentError("/proc/loadavg is malformed");
  }
  return l;
}

StatusOr<double> ParseUptime(std::string_view text) {
  std::vector<std::string_view> f = Fields(Lines(text).empty() ? "" : Lines(text)[0]);
  double v = 0;
  if (f.empty() || !ToDouble(f[0], &v) || v < 0) {
    return InvalidArgumentError("/proc/uptime is malformed");
  }
  return v;
}

StatusOr<double> ParseMilliCelsius(std::string_view text) {
  std::vector<std::string_view> f = Fields(Lines(text).empty() ? "" : Lines(text)[0]);
  double v = 0;
  if (f.size() != 1 || !ToDouble(f[0], &v)) {
    return InvalidArgumentError("thermal zone temp is not a number");
  }
  return v / 1000.0;
}

}  // namespace kedge::agent
