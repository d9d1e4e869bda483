#pragma once
// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials): where they
// are, and a small parser for their INI dialect. Used by the profile credentials provider and
// by region resolution. Pure functions of their inputs and the Env; thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "platform/env.h"
#include "platform/status.h"

namespace kedge::aws {

// Section name -> key -> value. Keys are lower-cased; names and values are trimmed.
using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// Parses the AWS dialect of INI: "[section]" headers, "key = value" lines, comments starting
// with '#' or ';' (whole lines, or after whitespace in a value), nested properties (the indented
// lines after "s3 =", ignored), CRLF and a UTF-8 BOM. Repeated sections merge; later keys win.
// Never fails: lines it does not understand are skipped.
IniFile ParseIni(std::string_view text);

// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; nullopt without either a variable or a
// home directory. A leading "~/" in the variable is expanded.
std::optional<std::string> SharedCredentialsFilePath(const Env& env);
// AWS_CONFIG_FILE, else ~/.aws/config; as above.
std::optional<std::string> SharedConfigFilePath(const Env& env);

// `explicit_profile` when not empty, else AWS_PROFILE when not empty, else "default".
std::string ActiveProfile(const std::string& explicit_profile, const Env& env);

// One loaded file. A file that does not exist is not an error: `exists` is false.
struct ProfileFile {
  std::string path;
  bool exists = false;
  IniFile sections;
};
// Reads and parses `path`. Errors other than "no such file" (permissions, ...) name the path.
StatusOr<ProfileFile> LoadProfileFile(const Env& env, const std::string& path);

// The profile's section: "[name]" in the credentials file; "[profile name]" in the config file,
// where the default profile may also be "[default]". nullptr when absent.
const IniSection* FindCredentialsProfile(const IniFile& file, const std::string& profile);
const IniSection* FindConfigProfile(const IniFile& file, const std::string& profile);

}  // namespace kedge::aws
