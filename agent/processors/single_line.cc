#include "agent/processors/single_line.h"

namespace kedge::agent {
namespace {

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool SingleLineProcessor::Process(SourceRecord* record) {
  if (record->data.find('\n') == std::string::npos && !trim_) return true;
  std::string out;
  out.reserve(record->data.size());
  std::string_view rest = record->data;
  while (true) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (trim_) {
      line = TrimSpace(line);
      if (!line.empty() && !out.empty()) out += ' ';
    }
    out.append(line.data(), line.size());
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  record->data = std::move(out);
  return true;
}

}  // namespace kedge::agent
