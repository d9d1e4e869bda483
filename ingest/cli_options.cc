#include "ingest/cli_options.h"

#include <sstream>

namespace kedge::ingest {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return std::string();
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

Status ParseListen(const std::string& text, std::string* address, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("--listen '" + text + "' must be ADDR:PORT (e.g. 127.0.0.1:4567)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  *address = host.empty() ? "0.0.0.0" : host;
  std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(digits) > 65535) {
    return InvalidArgumentError("--listen '" + text + "': the port must be a number 0-65535");
  }
  *port = static_cast<uint16_t>(std::stoi(digits));
  return Status::Ok();
}

StatusOr<std::vector<aws::Credentials>> ParseCredentialsFile(const std::string& text) {
  std::vector<aws::Credentials> result;
  aws::Credentials profile;
  auto flush = [&] {
    if (!profile.access_key_id.empty() && !profile.secret_access_key.empty()) {
      result.push_back(profile);
    }
    profile = aws::Credentials();
  };
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      flush();
      continue;
    }
    if (line.rfind("CREDENTIALS ", 0) == 0) {
      std::istringstream words(line.substr(12));
      aws::Credentials c;
      words >> c.access_key_id >> c.secret_access_key;
      std::string extra;
      // "CREDENTIALS AK EXPIRATION SK TOKEN" (kvssink's rotating form): the secret is third.
      if (words >> extra) c.secret_access_key = extra;
      if (!c.secret_access_key.empty()) result.push_back(c);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") profile.access_key_id = value;
    if (key == "aws_secret_access_key") profile.secret_access_key = value;
  }
  flush();
  if (result.empty()) {
    return InvalidArgumentError(
        "no credentials found: expected aws_access_key_id / aws_secret_access_key pairs or "
        "'CREDENTIALS <access key id> <secret key>' lines");
  }
  return result;
}

StatusOr<IngestOptions> ParseCommandLine(const std::vector<std::string>& args, Env& env) {
  IngestOptions options;
  std::string listen, access_key, secret_key, credentials_file;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return CancelledError("help");
    auto next = [&](std::string* out) -> Status {
      if (i + 1 >= args.size()) return InvalidArgumentError(arg + " needs a value");
      *out = args[++i];
      return Status::Ok();
    };
    std::string threads;
    if (arg == "--listen") KEDGE_RETURN_IF_ERROR(next(&listen));
    else if (arg == "--data-dir") KEDGE_RETURN_IF_ERROR(next(&options.data_dir));
    else if (arg == "--access-key") KEDGE_RETURN_IF_ERROR(next(&access_key));
    else if (arg == "--secret-key") KEDGE_RETURN_IF_ERROR(next(&secret_key));
    else if (arg == "--credentials-file") KEDGE_RETURN_IF_ERROR(next(&credentials_file));
    else if (arg == "--tls-cert") KEDGE_RETURN_IF_ERROR(next(&options.tls_cert_file));
    else if (arg == "--tls-key") KEDGE_RETURN_IF_ERROR(next(&options.tls_key_file));
    else if (arg == "--public-url") KEDGE_RETURN_IF_ERROR(next(&options.public_url));
    else if (arg == "--region") KEDGE_RETURN_IF_ERROR(next(&options.region));
    else if (arg == "--console-token") KEDGE_RETURN_IF_ERROR(next(&options.console_token));
    else if (arg == "--no-console") options.console = false;
    else if (arg == "--video-cap-mb") {
      std::string mb;
      KEDGE_RETURN_IF_ERROR(next(&mb));
      if (mb.empty() || mb.size() > 9 || mb.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgumentError("--video-cap-mb must be a number of MiB (0 = no cap)");
      }
      options.video_cap_bytes = std::stoull(mb) * 1024 * 1024;
    }
    else if (arg == "--threads") {
      KEDGE_RETURN_IF_ERROR(next(&threads));
      if (threads.empty() || threads.size() > 3 ||
          threads.find_first_not_of("0123456789") != std::string::npos || std::stoi(threads) < 1) {
        return InvalidArgumentError("--threads must be a number from 1 to 999");
      }
      options.http.threads = std::stoi(threads);
    } else {
      return InvalidArgumentError("unknown option '" + arg + "'");
    }
  }
  if (listen.empty()) return InvalidArgumentError("--listen ADDR:PORT is required");
  if (options.data_dir.empty()) return InvalidArgumentError("--data-dir DIR is required");
  KEDGE_RETURN_IF_ERROR(ParseListen(listen, &options.listen_address, &options.listen_port));
  if (access_key.empty() != secret_key.empty()) {
    return InvalidArgumentError("--access-key and --secret-key go together");
  }
  if (!access_key.empty() && !credentials_file.empty()) {
    return InvalidArgumentError("give --access-key/--secret-key or --credentials-file, not both");
  }
  if (!access_key.empty()) options.credentials.push_back({access_key, secret_key, "", {}});
  if (!credentials_file.empty()) {
    StatusOr<std::string> text = env.ReadFile(credentials_file);
    if (!text.ok()) return text.status().WithContext("--credentials-file");
    StatusOr<std::vector<aws::Credentials>> parsed = ParseCredentialsFile(*text);
    if (!parsed.ok()) return parsed.status().WithContext("--credentials-file " + credentials_file);
    options.credentials = std::move(parsed).value();
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  return options;
}

}  // namespace kedge::ingest
