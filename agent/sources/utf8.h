#pragma once
// UTF-8 checks for text records. kedge's decision for invalid UTF-8 (docs/file_tail.md):
// by default each byte that is not part of a well-formed sequence (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF) is replaced by U+FFFD, so records are always valid JSON
// strings downstream; `invalid_utf8: keep` passes bytes through, `drop` drops the record.
// Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace kedge::agent {

bool IsValidUtf8(std::string_view text);
// `text` with every invalid byte replaced by U+FFFD (EF BF BD).
std::string ReplaceInvalidUtf8(std::string_view text);
// The largest n <= max such that text[0, n) does not end inside a multi-byte sequence
// (when text is valid UTF-8 around the cut).
size_t Utf8SafeCut(std::string_view text, size_t max);

}  // namespace kedge::agent
