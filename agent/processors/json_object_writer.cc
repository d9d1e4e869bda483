#include "agent/processors/json_object_writer.h"

#include <nlohmann/json.hpp>

namespace kedge::agent {

std::string JsonQuote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonObjectWriter::Key(std::string_view key) {
  if (out_.size() > 1) out_ += ',';
  out_ += JsonQuote(key);
  out_ += ':';
}

void JsonObjectWriter::String(std::string_view key, std::string_view value) {
  Key(key);
  out_ += JsonQuote(value);
}

void JsonObjectWriter::Null(std::string_view key) {
  Key(key);
  out_ += "null";
}

void JsonObjectWriter::Raw(std::string_view key, std::string_view json) {
  Key(key);
  out_.append(json.data(), json.size());
}

std::string JsonObjectWriter::Finish() {
  out_ += '}';
  return std::move(out_);
}

}  // namespace kedge::agent
