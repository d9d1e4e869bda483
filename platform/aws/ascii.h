#pragma once
// ASCII case folding for protocol text (header names, URL schemes, INI keys). Unlike
// std::tolower it ignores the process locale, so bytes above 0x7f are never changed.
// (platform/net/http_text.h has the same helpers on the net branch; merge onto one.)

#include <string>
#include <string_view>

namespace kedge::aws {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace kedge::aws
