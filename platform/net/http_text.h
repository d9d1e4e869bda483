#pragma once
// Small text helpers for HTTP header handling, shared by the client and test servers.

#include <string_view>

#include "platform/text.h"

namespace kedge::net {

using kedge::AsciiLower;
using kedge::EqualsIgnoreCase;

// Strips spaces, tabs and line ends from both sides (header names, values, lines).
inline std::string_view TrimHttpSpace(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace kedge::net
