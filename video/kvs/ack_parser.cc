#include "video/kvs/ack_parser.h"

#include <nlohmann/json.hpp>

namespace kedge::video::kvs {
namespace {

using Json = nlohmann::json;

std::optional<AckType> TypeFromName(std::string_view name) {
  if (name == "BUFFERING") return AckType::kBuffering;
  if (name == "RECEIVED") return AckType::kReceived;
  if (name == "PERSISTED") return AckType::kPersisted;
  if (name == "ERROR") return AckType::kError;
  if (name == "IDLE") return AckType::kIdle;
  return std::nullopt;
}

// An unsigned integer given as a JSON number or as a string of digits.
std::optional<uint64_t> UnsignedValue(const Json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    if (v >= 0) return static_cast<uint64_t>(v);
    return std::nullopt;
  }
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string StringValue(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (auto n = UnsignedValue(*it)) return std::to_string(*n);
  return "";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string_view AckTypeName(AckType type) {
  switch (type) {
    case AckType::kBuffering: return "BUFFERING";
    case AckType::kReceived: return "RECEIVED";
    case AckType::kPersisted: return "PERSISTED";
    case AckType::kError: return "ERROR";
    case AckType::kIdle: return "IDLE";
    case AckType::kNotAck: break;
  }
  return "NOT_AN_ACK";
}

std::optional<Ack> ParseAckObject(std::string_view json) {
  Json object = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) return std::nullopt;
  Ack ack;
  auto type = object.find("EventType");
  std::optional<AckType> known;
  if (type != object.end() && type->is_string()) {
    known = TypeFromName(type->get_ref<const std::string&>());
  }
  if (!known) {
    ack.type = AckType::kNotAck;
    ack.message = StringValue(object, "message");
    if (ack.message.empty()) ack.message = StringValue(object, "Message");
    if (ack.message.empty()) ack.message = std::string(json.substr(0, 200));
    return ack;
  }
  ack.type = *known;
  if (auto it = object.find("FragmentTimecode"); it != object.end()) {
    ack.timecode = UnsignedValue(*it);
  }
  ack.fragment_number = StringValue(object, "FragmentNumber");
  if (auto it = object.find("ErrorId"); it != object.end()) {
    std::optional<uint64_t> id = UnsignedValue(*it);
    if (id && *id < 1000000) ack.error_id = static_cast<int>(*id);
  }
  ack.error_code = StringValue(object, "ErrorCode");
  return ack;
}

std::vector<Ack> AckParser::Feed(std::string_view data) {
  std::vector<Ack> out;
  for (char c : data) Consume(c, &out);
  return out;
}

void AckParser::Consume(char c, std::vector<Ack>* out) {
  if (skip_line_) {
    if (c == '\n') skip_line_ = false;
    return;
  }
  if (depth_ == 0) {
    if (c == '{') {
      object_.assign(1, c);
      depth_ = 1;
      in_string_ = escape_ = false;
    } else if (!IsSpace(c)) {
      ++stats_.skipped_bytes;
    }
    return;
  }
  if (object_.size() >= kMaxAckBytes) {
    ++stats_.oversized;
    object_.clear();
    depth_ = 0;
    skip_line_ = c != '\n';
    return;
  }
  object_.push_back(c);
  if (in_string_) {
    if (escape_) {
      escape_ = false;
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
    } else if (c == '\n') {  // a raw newline cannot be inside a JSON string: the line was torn
      ++stats_.invalid;
      object_.clear();
      depth_ = 0;
    }
    return;
  }
  if (c == '"') {
    in_string_ = true;
  } else if (c == '{' || c == '[') {
    ++depth_;
  } else if (c == '}' || c == ']') {
    if (--depth_ == 0) Complete(out);
  }
}

void AckParser::Complete(std::vector<Ack>* out) {
  std::optional<Ack> ack = ParseAckObject(object_);
  object_.clear();
  if (!ack) {
    ++stats_.invalid;
    return;
  }
  ++stats_.acks;
  out->push_back(std::move(*ack));
}

}  // namespace kedge::video::kvs
