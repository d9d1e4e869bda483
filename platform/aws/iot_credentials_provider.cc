#include "platform/aws/iot_credentials_provider.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "platform/logging.h"

namespace kedge::aws {
namespace {

using nlohmann::json;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads `count` digits at `pos` into `out`.
bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

std::string Quoted(std::string_view text) {
  return "'" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...'" : "'");
}

// A string member of `object`, or "" when absent or not a string.
std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string MessageFromBody(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (parsed.is_object()) message = StringField(parsed, "message");
  if (message.empty()) message = body.substr(0, 200);
  return message;
}

net::HttpClientOptions ClientOptions(const IotCredentialsOptions& options) {
  net::HttpClientOptions client;
  client.tls.ca_file = options.ca_file;
  client.tls.client_cert = options.cert_file;
  client.tls.client_key = options.key_file;
  client.max_connections = 1;
  return client;
}

}  // namespace

StatusOr<WallTime> ParseIso8601Utc(std::string_view text) {
  Status invalid = InvalidArgumentError("invalid ISO-8601 UTC time " + Quoted(text) +
                                        " (expected like 2026-11-25T19:00:00Z)");
  int year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, &hour) || text[13] != ':' ||
      !Digits(text, 14, 2, &minute) || text[16] != ':' || !Digits(text, 17, 2, &second)) {
    return invalid;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return invalid;
  }
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {  // fractional seconds: dropped
    rest.remove_prefix(1);
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) return invalid;
    rest.remove_prefix(digits);
  }
  if (rest != "Z" && rest != "z" && rest != "+00:00" && rest != "-00:00") return invalid;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return WallTime(std::chrono::seconds(seconds));
}

IotCredentialsProvider::IotCredentialsProvider(IotCredentialsOptions options, Clock& clock)
    : IotCredentialsProvider(options, clock, net::NewCurlHttpClient(ClientOptions(options))) {}

IotCredentialsProvider::IotCredentialsProvider(IotCredentialsOptions options, Clock& clock,
                                               std::unique_ptr<net::HttpClient> http)
    : options_(std::move(options)), clock_(clock), http_(std::move(http)) {}

std::string IotCredentialsProvider::Name() const {
  return "AWS IoT credentials provider (role alias " + options_.role_alias + ", thing " +
         options_.thing_name + ")";
}

Status IotCredentialsProvider::Validate(const IotCredentialsOptions& options) {
  const std::pair<const char*, const std::string*> required[] = {
      {"endpoint", &options.endpoint},
      {"role_alias", &options.role_alias},
      {"thing_name", &options.thing_name},
      {"cert_file", &options.cert_file},
      {"key_file", &options.key_file}};
  for (const auto& [name, value] : required) {
    if (value->empty()) {
      return InvalidArgumentError(std::string("AWS IoT credentials provider: ") + name +
                                  " is not set");
    }
  }
  return Status();
}

std::string IotCredentialsProvider::CredentialsUrl(const IotCredentialsOptions& options) {
  std::string base = options.endpoint;
  if (base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0) base = "https://" + base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/role-aliases/" + options.role_alias + "/credentials";
}

StatusOr<Credentials> IotCredentialsProvider::GetCredentials() {
  KEDGE_RETURN_IF_ERROR(Validate(options_));
  std::lock_guard<std::mutex> lock(mu_);
  const WallTime now = clock_.WallNow();
  if (cached_ && (!cached_->expiration || now < *cached_->expiration - kRefreshMargin)) {
    return *cached_;
  }
  StatusOr<Credentials> fetched = Fetch();
  if (fetched.ok()) {
    cached_ = *fetched;
    return fetched;
  }
  if (cached_ && cached_->expiration && now < *cached_->expiration) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
        << Name() << ": refresh failed, using credentials valid until they expire: "
        << fetched.status().ToString();
    return *cached_;
  }
  return fetched;
}

StatusOr<Credentials> IotCredentialsProvider::Fetch() {
  net::HttpRequest request;
  request.url = CredentialsUrl(options_);
  request.headers = {{"x-amzn-iot-thingname", options_.thing_name}, {"Accept", "application/json"}};
  request.timeout = options_.timeout;
  request.connect_timeout = std::min(options_.timeout, request.connect_timeout);
  StatusOr<net::HttpResponse> response = http_->Send(std::move(request));
  if (!response.ok()) return response.status().WithContext(Name());
  if (response->status != 200) return ErrorFor(*response);

  Status malformed = UnavailableError(Name() + ": unexpected answer from " + options_.endpoint +
                                      " (expected JSON with credentials.accessKeyId, "
                                      "secretAccessKey, sessionToken, expiration)");
  json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("credentials") || !body["credentials"].is_object()) {
    return malformed;
  }
  const json& fields = body["credentials"];
  Credentials credentials;
  credentials.access_key_id = StringField(fields, "accessKeyId");
  credentials.secret_access_key = StringField(fields, "secretAccessKey");
  credentials.session_token = StringField(fields, "sessionToken");
  Logger::Get().AddSecret(credentials.secret_access_key);
  Logger::Get().AddSecret(credentials.session_token);
  std::string expiration = StringField(fields, "expiration");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty() || expiration.empty()) {
    return malformed;
  }
  StatusOr<WallTime> expires = ParseIso8601Utc(expiration);
  if (!expires.ok()) {
    return UnavailableError(Name() + ": unexpected answer: " + expires.status().message());
  }
  credentials.expiration = *expires;
  KEDGE_LOG(kInfo) << Name() << ": fetched credentials " << credentials.access_key_id
                   << " valid until " << expiration;
  return credentials;
}

Status IotCredentialsProvider::ErrorFor(const net::HttpResponse& response) const {
  const std::string what = Name() + ": HTTP " + std::to_string(response.status) + " from " +
                           options_.endpoint + ": " + MessageFromBody(response.body);
  switch (response.status) {
    case 400:
      return InvalidArgumentError(what + " (check thing_name and role_alias)");
    case 401:
      return UnauthenticatedError(what +
                                  " (is the certificate registered with AWS IoT and "
                                  "active?)");
    case 403:
      return PermissionDeniedError(
          what +
          " (the certificate must be active, attached to the thing, and its IoT policy "
          "must allow iot:AssumeRoleWithCertificate on the role alias)");
    case 404:
      return InvalidArgumentError(what + " (role alias not found in this account/region?)");
    case 429:
      return ResourceExhaustedError(what);
    default:
      return UnavailableError(what);
  }
}

}  // namespace kedge::aws
