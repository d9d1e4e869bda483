#include "agent/sources/metrics/system_metrics_source.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

double Pct(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

double Round2(double v) { return std::round(v * 100) / 100; }

json CpuJson(const ProcStat& now, const CpuTimes& before) {
  const CpuTimes& n = now.total;
  json j = {{"cores", now.cores}};
  uint64_t total = n.Total() - before.Total();
  if (n.Total() < before.Total() || total == 0) return j;  // reset, or no time passed
  auto delta = [](uint64_t a, uint64_t b) { return a >= b ? a - b : 0; };
  uint64_t idle = delta(n.Idle(), before.Idle());
  j["usage_pct"] = Round2(100.0 - Pct(idle, total));
  j["user_pct"] = Round2(Pct(delta(n.user + n.nice, before.user + before.nice), total));
  j["system_pct"] = Round2(
      Pct(delta(n.system + n.irq + n.softirq, before.system + before.irq + before.softirq), total));
  j["iowait_pct"] = Round2(Pct(delta(n.iowait, before.iowait), total));
  j["steal_pct"] = Round2(Pct(delta(n.steal, before.steal), total));
  return j;
}

json MemoryJson(const std::map<std::string, uint64_t>& m) {
  auto get = [&m](const char* key) {
    auto it = m.find(key);
    return it == m.end() ? uint64_t{0} : it->second;
  };
  uint64_t total = get("MemTotal");
  uint64_t available = m.count("MemAvailable") != 0
                           ? get("MemAvailable")
                           : get("MemFree") + get("Buffers") + get("Cached");
  available = std::min(available, total);
  return {{"total_bytes", total},
          {"available_bytes", available},
          {"used_pct", Round2(Pct(total - available, total))},
          {"swap_total_bytes", get("SwapTotal")},
          {"swap_free_bytes", get("SwapFree")}};
}

json NetJson(const NetCounters& c, const NetCounters* before, double seconds) {
  json j = {{"interface", c.name},     {"rx_bytes", c.rx_bytes},   {"tx_bytes", c.tx_bytes},
            {"rx_packets", c.rx_packets}, {"tx_packets", c.tx_packets},
            {"rx_errors", c.rx_errors}, {"tx_errors", c.tx_errors}, {"rx_dropped", c.rx_dropped},
            {"tx_dropped", c.tx_dropped}};
  if (before != nullptr && seconds > 0 && c.rx_bytes >= before->rx_bytes &&
      c.tx_bytes >= before->tx_bytes) {
    j["rx_bytes_per_s"] = Round2(static_cast<double>(c.rx_bytes - before->rx_bytes) / seconds);
    j["tx_bytes_per_s"] = Round2(static_cast<double>(c.tx_bytes - before->tx_bytes) / seconds);
  }
  return j;
}

}  // namespace

struct SystemMetricsSource::Counters {
  Counters(MetricsRegistry& m, const std::string& name)
      : samples(m.GetCounter("kedge_metrics_samples_total", "system metrics samples taken",
                             {{"source", name}})),
        read_errors(m.GetCounter("kedge_metrics_read_errors_total",
                                 "system files that could not be read or parsed",
                                 {{"source", name}})) {}
  Counter& samples;
  Counter& read_errors;
};

SystemMetricsSource::SystemMetricsSource(const SourceConfig& config, SystemMetricsOptions options,
                                         Env& env, Clock& clock, RecordSink& sink,
                                         MetricsRegistry& metrics)
    : config_(config),
      options_(std::move(options)),
      env_(env),
      clock_(clock),
      sink_(sink),
      counters_(std::make_unique<Counters>(metrics, config.name)) {
  if (options_.root.empty()) options_.root = "/";
}

SystemMetricsSource::~SystemMetricsSource() = default;

bool SystemMetricsSource::Wants(const std::string& kind) const {
  const std::vector<std::string>& c = config_.metrics.collect;
  return c.empty() || std::find(c.begin(), c.end(), kind) != c.end();
}

std::string SystemMetricsSource::Path(const std::string& absolute) const {
  if (options_.root == "/") return absolute;
  std::string root = options_.root;
  if (root.back() == '/') root.pop_back();
  return root + absolute;
}

std::optional<std::string> SystemMetricsSource::Read(const std::string& absolute) {
  StatusOr<std::string> text = env_.ReadFile(Path(absolute));
  if (!text.ok()) {
    counters_->read_errors.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::minutes(10))
        << "metrics source '" << Name() << "': " << text.status().ToString();
    return std::nullopt;
  }
  return std::move(*text);
}

Status SystemMetricsSource::Start(const std::vector<Checkpoint>&) {
  SampleJson();  // the baseline for the first record's rates
  next_sample_ = clock_.Now() + config_.metrics.interval;
  started_ = true;
  return Status::Ok();
}

std::string SystemMetricsSource::SampleJson() {
  SteadyTime now = clock_.Now();
  double seconds = std::chrono::duration<double>(now - baseline_.at).count();
  bool have_baseline = baseline_.taken;
  json j = {{"device_id", options_.device_id},
            {"ts", ToUnixMillis(clock_.WallNow())},
            {"interval_ms", config_.metrics.interval.count()}};
  auto bad = [this](const Status& s) {
    counters_->read_errors.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::minutes(10)) << "metrics source '" << Name() << "': " << s.ToString();
  };
  if (Wants("cpu")) {
    if (auto text = Read("/proc/stat")) {
      StatusOr<ProcStat> stat = ParseProcStat(*text);
      if (stat.ok()) {
        if (baseline_.cpu) j["cpu"] = CpuJson(*stat, *baseline_.cpu);
        baseline_.cpu = stat->total;
      } else {
        bad(stat.status());
      }
    }
  }
  if (Wants("memory")) {
    if (auto text = Read("/proc/meminfo")) {
      auto mem = ParseMeminfo(*text);
      if (mem.ok()) j["memory"] = MemoryJson(*mem); else bad(mem.status());
    }
  }
  if (Wants("disk")) {
    json disks = json::array();
    for (const std::string& path : config_.metrics.disk_paths) {
      struct statvfs st {};
      if (::statvfs(Path(path).c_str(), &st) != 0) {
        bad(NotFoundError("cannot statvfs " + path));
        continue;
      }
      uint64_t unit = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
      uint64_t total = st.f_blocks * unit, free = st.f_bfree * unit, avail = st.f_bavail * unit;
      disks.push_back({{"path", path}, {"total_bytes", total}, {"free_bytes", free},
                       {"available_bytes", avail}, {"used_pct", Round2(Pct(total - free, total))}});
    }
    j["disk"] = std::move(disks);
  }
  if (Wants("network")) {
    if (auto text = Read("/proc/net/dev")) {
      auto net = ParseNetDev(*text);
      if (net.ok()) {
        json ifs = json::array();
        std::map<std::string, NetCounters> next;
        for (NetCounters& c : *net) {
          if (c.name == "lo") continue;
          auto it = baseline_.net.find(c.name);
          ifs.push_back(NetJson(c, it == baseline_.net.end() || !have_baseline ? nullptr
                                                                                 : &it->second,
                                seconds));
          next.emplace(c.name, std::move(c));
        }
        baseline_.net = std::move(next);
        j["network"] = std::move(ifs);
      } else {
        bad(net.status());
      }
    }
  }
  if (Wants("thermal")) {
    json zones = json::array();
    StatusOr<std::vector<std::string>> names = env_.ListDir(Path("/sys/class/thermal"));
    if (names.ok()) {
      std::sort(names->begin(), names->end());
      for (const std::string& zone : *names) {
        if (zone.rfind("thermal_zone", 0) != 0) continue;
        std::string dir = "/sys/class/thermal/" + zone;
        auto temp = Read(dir + "/temp");
        if (!temp) continue;
        StatusOr<double> c = ParseMilliCelsius(*temp);
        if (!c.ok()) {
          bad(c.status());
          continue;
        }
        json z = {{"zone", zone}, {"celsius", Round2(*c)}};
        if (auto type = Read(dir + "/type")) {
          while (!type->empty() && (type->back() == '\n' || type->back() == ' ')) type->pop_back();
          z["type"] = *type;
        }
        zones.push_back(std::move(z));
      }
    }  // no thermal directory (a VM, a container): an empty list, not an error
    j["thermal"] = std::move(zones);
  }
  if (Wants("load")) {
    if (auto text = Read("/proc/loadavg")) {
      auto l = ParseLoadavg(*text);
      if (l.ok()) {
        j["load"] = {{"1m", l->one}, {"5m", l->five}, {"15m", l->fifteen}};
      } else {
        bad(l.status());
      }
    }
  }
  if (Wants("uptime")) {
    if (auto text = Read("/proc/uptime")) {
      auto u = ParseUptime(*text);
      if (u.ok()) j["uptime_s"] = Round2(*u); else bad(u.status());
    }
  }
  baseline_.at = now;
  baseline_.taken = true;
  counters_->samples.Increment();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

PollResult SystemMetricsSource::Poll() {
  PollResult result;
  if (!started_ || paused_) return result;
  if (!pending_) {
    SteadyTime now = clock_.Now();
    if (now < next_sample_) return result;
    next_sample_ += config_.metrics.interval;
    if (next_sample_ <= now) next_sample_ = now + config_.metrics.interval;  // fell behind
    RecordBatch batch;
    batch.source = config_.name;
    SourceRecord r;
    r.data = SampleJson();
    r.timestamp_ms = ToUnixMillis(clock_.WallNow());
    r.origin = "metrics";
    batch.records.push_back(std::move(r));
    pending_ = std::move(batch);
  }
  if (sink_.Accept(*pending_).ok()) {
    pending_.reset();
    result.records = 1;
  }
  return result;
}

}  // namespace kedge::agent
