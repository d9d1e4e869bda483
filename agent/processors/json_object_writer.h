#pragma once
// JsonObjectWriter: builds one JSON object with its keys in the order they are added (the
// processors keep column and field order). nlohmann::ordered_json would do this, but it needs
// nlohmann 3.9 and kedge builds with 3.7 (Ubuntu 20.04). Strings are escaped by nlohmann; bytes
// that are not UTF-8 become U+FFFD instead of throwing.

#include <string>
#include <string_view>

namespace kedge::agent {

class JsonObjectWriter {
 public:
  void String(std::string_view key, std::string_view value);
  void Null(std::string_view key);
  // `json` must already be valid JSON text (an object, array or scalar).
  void Raw(std::string_view key, std::string_view json);
  // The object; the writer is spent afterwards.
  std::string Finish();

 private:
  void Key(std::string_view key);
  std::string out_ = "{";
};

// `text` as a quoted, escaped JSON string.
std::string JsonQuote(std::string_view text);

}  // namespace kedge::agent
