#pragma once
// ASCII text helpers for protocol text (header names, URL schemes, INI keys, query strings).
// Unlike std::tolower they ignore the process locale, so bytes above 0x7f are never changed.

#include <string>
#include <string_view>

namespace kedge {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// 0-15 for a hex digit of either case, else -1.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class PlusSign { kLiteral, kSpace };

// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is. `plus` says whether
// '+' means a space (HTML form encoding of query strings) or itself (RFC 3986, as SigV4 wants).
inline std::string PercentDecode(std::string_view text, PlusSign plus = PlusSign::kLiteral) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int high = text[i] == '%' && i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
    int low = high >= 0 ? HexDigitValue(text[i + 2]) : -1;
    if (low >= 0) {
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i] == '+' && plus == PlusSign::kSpace ? ' ' : text[i]);
    }
  }
  return out;
}

}  // namespace kedge
