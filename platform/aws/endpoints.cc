#include "platform/aws/endpoints.h"

#include "platform/aws/profile_file.h"
#include "platform/aws/url.h"

namespace kedge::aws {
namespace {

std::optional<std::string> NonEmptyVar(const Env& env, const std::string& name) {
  std::optional<std::string> value = env.GetVar(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// "kinesisvideo" -> "KINESIS_VIDEO" (the SDKs' service id), other names upper-cased.
std::string EndpointVarSuffix(const std::string& service) {
  if (service == "kinesisvideo") return "KINESIS_VIDEO";
  std::string out;
  for (char c : service) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    bool keep = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out.push_back(keep ? c : '_');
  }
  return out;
}

bool IsValidRegion(const std::string& region) {
  if (region.empty() || region.front() == '-' || region.back() == '-') return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Checks an override and drops a trailing '/', so callers can append "/putMedia".
StatusOr<std::string> CheckOverride(const std::string& url, const std::string& source) {
  StatusOr<Url> parsed = ParseUrl(url);
  if (!parsed.ok()) {
    return InvalidArgumentError(source + ": " + parsed.status().message() +
                                " (expected e.g. https://kinesis.us-east-1.amazonaws.com or "
                                "http://127.0.0.1:4567)");
  }
  std::string out = url;
  if (parsed->query.empty() && parsed->path == "/" && !out.empty() && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

}  // namespace

StatusOr<std::string> ResolveRegion(const std::string& explicit_region, Env& env) {
  return ResolveRegion(explicit_region, "", env);
}

StatusOr<std::string> ResolveRegion(const std::string& explicit_region,
                                    const std::string& profile_name, Env& env) {
  std::string region = explicit_region;
  std::string source = "the configured region";
  if (region.empty()) {
    for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
      if (auto value = NonEmptyVar(env, name)) {
        region = *value;
        source = name;
        break;
      }
    }
  }
  std::optional<std::string> config_path = SharedConfigFilePath(env);
  std::string profile = ActiveProfile(profile_name, env);
  if (region.empty() && config_path) {
    StatusOr<ProfileFile> config = LoadProfileFile(env, *config_path);
    if (!config.ok()) return config.status().WithContext("reading the AWS region");
    if (const IniSection* section = FindConfigProfile(config->sections, profile)) {
      if (auto it = section->find("region"); it != section->end() && !it->second.empty()) {
        region = it->second;
        source = "region of profile " + profile + " in " + *config_path;
      }
    }
  }
  if (region.empty()) {
    return NotFoundError(
        "no AWS region set: set `region` in the kedge config, or AWS_REGION (e.g. "
        "AWS_REGION=us-east-1), or `region` under the profile " +
        profile + " in " + config_path.value_or("~/.aws/config"));
  }
  if (!IsValidRegion(region)) {
    return InvalidArgumentError("bad AWS region '" + region + "' from " + source +
                                ": expected a region name such as us-east-1");
  }
  return region;
}

StatusOr<std::string> ResolveEndpoint(const std::string& service, const std::string& region,
                                      const std::string& explicit_endpoint, Env& env) {
  if (!explicit_endpoint.empty()) {
    return CheckOverride(explicit_endpoint, "the configured endpoint");
  }
  // The SDKs' switch to ignore endpoint URLs set in the environment.
  std::optional<std::string> ignore = NonEmptyVar(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore || (*ignore != "true" && *ignore != "1")) {
    for (const std::string& name :
         {"AWS_ENDPOINT_URL_" + EndpointVarSuffix(service), std::string("AWS_ENDPOINT_URL")}) {
      if (auto value = NonEmptyVar(env, name)) return CheckOverride(*value, name);
    }
  }
  if (!IsValidRegion(region)) {
    return InvalidArgumentError("cannot build the " + service + " endpoint: bad region '" +
                                region + "'");
  }
  std::string suffix = region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://" + service + "." + region + suffix;
}

}  // namespace kedge::aws
