#include "platform/aws/profile_file.h"

#include "platform/text.h"

namespace kedge::aws {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Drops a comment that starts after whitespace: "value  # note" -> "value".
std::string_view StripInlineComment(std::string_view value) {
  for (size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && IsBlank(value[i - 1])) {
      return Trim(value.substr(0, i));
    }
  }
  return value;
}

// "[ profile   prod ]" -> "profile prod".
std::string SectionName(std::string_view inner) {
  std::string out;
  bool blank = false;
  for (char c : Trim(inner)) {
    if (IsBlank(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string> FilePath(const Env& env, const char* variable,
                                    const char* default_name) {
  std::optional<std::string> home = env.HomeDir();
  if (auto value = env.GetVar(variable); value && !value->empty()) {
    if (value->rfind("~/", 0) == 0 && home) return *home + value->substr(1);
    return value;
  }
  if (!home || home->empty()) return std::nullopt;
  return *home + "/.aws/" + default_name;
}

}  // namespace

IniFile ParseIni(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  IniFile file;
  IniSection* section = nullptr;
  bool in_nested = false;  // after "s3 =": indented lines are its sub-properties
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      section = close == std::string_view::npos
                    ? nullptr
                    : &file[SectionName(line.substr(1, close - 1))];
      in_nested = false;
      continue;
    }
    bool indented = IsBlank(raw.front());
    if (section == nullptr || (indented && in_nested)) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(Trim(line.substr(0, eq)));
    key = AsciiLower(key);
    if (key.empty()) continue;
    std::string value(StripInlineComment(Trim(line.substr(eq + 1))));
    in_nested = value.empty();
    (*section)[key] = std::move(value);
  }
  return file;
}

std::optional<std::string> SharedCredentialsFilePath(const Env& env) {
  return FilePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

std::optional<std::string> SharedConfigFilePath(const Env& env) {
  return FilePath(env, "AWS_CONFIG_FILE", "config");
}

std::string ActiveProfile(const std::string& explicit_profile, const Env& env) {
  if (!explicit_profile.empty()) return explicit_profile;
  if (auto value = env.GetVar("AWS_PROFILE"); value && !value->empty()) return *value;
  return "default";
}

StatusOr<ProfileFile> LoadProfileFile(const Env& env, const std::string& path) {
  ProfileFile file;
  file.path = path;
  StatusOr<std::string> text = env.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return file;
    return text.status();
  }
  file.exists = true;
  file.sections = ParseIni(*text);
  return file;
}

const IniSection* FindCredentialsProfile(const IniFile& file, const std::string& profile) {
  auto it = file.find(profile);
  return it == file.end() ? nullptr : &it->second;
}

const IniSection* FindConfigProfile(const IniFile& file, const std::string& profile) {
  auto it = file.find("profile " + profile);
  if (it == file.end() && profile == "default") it = file.find("default");
  return it == file.end() ? nullptr : &it->second;
}

}  // namespace kedge::aws
