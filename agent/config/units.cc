#include "agent/config/units.h"

#include <cctype>
#include <cmath>

namespace kedge::agent {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads "123" or "1.5" at the front of `text`; returns the number of characters used (0: none).
size_t ReadNumber(std::string_view text, double* value, bool* fractional) {
  size_t i = 0;
  double v = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    v = v * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) return 0;
  *fractional = false;
  if (i < text.size() && text[i] == '.') {
    size_t j = i + 1;
    double scale = 0.1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
      v += (text[j] - '0') * scale;
      scale /= 10;
      ++j;
    }
    if (j == i + 1) return 0;
    *fractional = true;
    i = j;
  }
  *value = v;
  return i;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  double value = 0;
  bool fractional = false;
  size_t used = ReadNumber(text, &value, &fractional);
  if (used == 0) return std::nullopt;
  std::string unit = Lower(Trim(text.substr(used)));
  struct Unit {
    const char* name;
    double factor;
  };
  static const Unit kUnits[] = {
      {"", 1},           {"b", 1},          {"kib", 1024.0},    {"mib", 1048576.0},
      {"gib", 1073741824.0}, {"tib", 1099511627776.0}, {"kb", 1e3}, {"mb", 1e6},
      {"gb", 1e9},       {"tb", 1e12},      {"k", 1024.0},      {"m", 1048576.0},
      {"g", 1073741824.0},
  };
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    if (fractional && u.factor == 1) return std::nullopt;  // "1.5" bytes
    double bytes = std::floor(value * u.factor);
    if (bytes >= 9.2e18) return std::nullopt;
    return static_cast<uint64_t>(bytes);
  }
  return std::nullopt;
}

std::optional<Millis> ParseDuration(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  while (!text.empty()) {
    double value = 0;
    bool fractional = false;
    size_t used = ReadNumber(text, &value, &fractional);
    if (used == 0) return std::nullopt;
    text.remove_prefix(used);
    size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len]))) {
      ++unit_len;
    }
    std::string unit = Lower(text.substr(0, unit_len));
    text.remove_prefix(unit_len);
    if (unit == "ms") {
      total_ms += value;
    } else if (unit == "s") {
      total_ms += value * 1000;
    } else if (unit == "m" || unit == "min") {
      total_ms += value * 60000;
    } else if (unit == "h") {
      total_ms += value * 3600000;
    } else {
      return std::nullopt;
    }
    if (total_ms > 1e15) return std::nullopt;
  }
  return Millis(static_cast<int64_t>(std::llround(total_ms)));
}

std::string FormatByteSize(uint64_t bytes) {
  static const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kNames[unit];
}

std::string FormatDuration(Millis duration) {
  int64_t ms = duration.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace kedge::agent
