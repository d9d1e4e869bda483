#include "agent/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

uint64_t ToBits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

double FromBits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_name = "",
                      const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra_name.empty()) {
    if (!first) out += ",";
    out += extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void Gauge::Set(double value) { bits_.store(ToBits(value), std::memory_order_relaxed); }

void Gauge::Add(double delta) {
  uint64_t old_bits = bits_.load(std::memory_order_relaxed);
  while (!bits_.compare_exchange_weak(old_bits, ToBits(FromBits(old_bits) + delta),
                                      std::memory_order_relaxed)) {
  }
}

double Gauge::value() const { return FromBits(bits_.load(std::memory_order_relaxed)); }

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.Add(value);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

double Histogram::sum() const { return sum_.value(); }

struct MetricsRegistry::Series {
  Labels labels;
  Counter counter;
  Gauge gauge;
  std::unique_ptr<Histogram> histogram;
};

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  MetricType type;
  std::map<Labels, std::unique_ptr<Series>> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

MetricsRegistry::Series* MetricsRegistry::GetSeries(std::string_view name, std::string_view help,
                                                    MetricType type, const Labels& labels,
                                                    const std::vector<double>* bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (!IsValidMetricName(name)) {
      KEDGE_LOG(kError) << "bug: invalid metric name '" << name << "'";
    } else {
      auto family = std::make_unique<Family>();
      family->name = std::string(name);
      family->help = std::string(help);
      family->type = type;
      it = families_.emplace(family->name, std::move(family)).first;
    }
  }
  if (it == families_.end() || it->second->type != type) {
    if (it != families_.end()) KEDGE_LOG(kError) << "bug: metric " << name << " redefined";
    detached_.push_back(std::make_unique<Series>());
    if (bounds) detached_.back()->histogram = std::make_unique<Histogram>(*bounds);
    return detached_.back().get();
  }
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::unique_ptr<Series>& series = it->second->series[sorted];
  if (!series) {
    series = std::make_unique<Series>();
    series->labels = sorted;
    if (bounds) series->histogram = std::make_unique<Histogram>(*bounds);
  }
  return series.get();
}

Counter& MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                     const Labels& labels) {
  return GetSeries(name, help, MetricType::kCounter, labels, nullptr)->counter;
}

Gauge& MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                 const Labels& labels) {
  return GetSeries(name, help, MetricType::kGauge, labels, nullptr)->gauge;
}

Histogram& MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                         const Labels& labels,
                                         const std::vector<double>& upper_bounds) {
  return *GetSeries(name, help, MetricType::kHistogram, labels, &upper_bounds)->histogram;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(family->help) + "\n";
    out += "# TYPE " + name + " " + TypeName(family->type) + "\n";
    for (const auto& [labels, s] : family->series) {
      if (family->type == MetricType::kCounter) {
        out += name + LabelText(labels) + " " + std::to_string(s->counter.value()) + "\n";
      } else if (family->type == MetricType::kGauge) {
        out += name + LabelText(labels) + " " + FormatValue(s->gauge.value()) + "\n";
      } else {
        const Histogram& h = *s->histogram;
        std::vector<uint64_t> counts = h.CumulativeCounts();
        for (size_t i = 0; i < counts.size(); ++i) {
          std::string le = i < h.upper_bounds().size() ? FormatValue(h.upper_bounds()[i]) : "+Inf";
          out += name + "_bucket" + LabelText(labels, "le", le) + " " + std::to_string(counts[i]) + "\n";
        }
        out += name + "_sum" + LabelText(labels) + " " + FormatValue(h.sum()) + "\n";
        out += name + "_count" + LabelText(labels) + " " + std::to_string(h.count()) + "\n";
      }
    }
  }
  return out;
}

std::vector<MetricsRegistry::Sample> MetricsRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Sample> out;
  for (const auto& [name, family] : families_) {
    for (const auto& [labels, s] : family->series) {
      switch (family->type) {
        case MetricType::kCounter:
          out.push_back({name, labels, static_cast<double>(s->counter.value())});
          break;
        case MetricType::kGauge:
          out.push_back({name, labels, s->gauge.value()});
          break;
        case MetricType::kHistogram:
          out.push_back({name + "_count", labels, static_cast<double>(s->histogram->count())});
          out.push_back({name + "_sum", labels, s->histogram->sum()});
          break;
      }
    }
  }
  return out;
}

}  // namespace kedge::agent
