#include "platform/logging.h"

#include <cstdio>
#include <ctime>

namespace kedge {
namespace {

void StderrSink(LogLevel level, std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Replaces the value after `marker` up to the next delimiter with ****.
void ScrubAfter(std::string& text, std::string_view marker) {
  size_t pos = 0;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    size_t start = pos + marker.size();
    size_t end = text.find_first_of(" ,;\"'&\r\n", start);
    if (end == std::string::npos) end = text.size();
    text.replace(start, end - start, "****");
    pos = start + 4;
  }
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "?";
}

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn" || text == "warning") *level = LogLevel::kWarn;
  else if (text == "error") *level = LogLevel::kError;
  else if (text == "off") *level = LogLevel::kOff;
  else return false;
  return true;
}

Logger& Logger::Get() {
  static Logger* logger = new Logger();  // never destroyed: logging works during exit
  return *logger;
}

Logger::Logger() : sink_(StderrSink) {}

void Logger::SetLevel(LogLevel level) { level_ = level; }
LogLevel Logger::level() const { return level_; }

void Logger::SetSink(Sink sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

void Logger::ResetSink() { SetSink(StderrSink); }

void Logger::AddSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : secrets_) {
    if (s == secret) return;
  }
  secrets_.emplace_back(secret);
}

std::string Logger::Redact(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& secret : secrets_) {
      size_t pos = 0;
      while ((pos = out.find(secret, pos)) != std::string::npos) {
        out.replace(pos, secret.size(), "****");
        pos += 4;
      }
    }
  }
  ScrubAfter(out, "Signature=");
  ScrubAfter(out, "X-Amz-Security-Token=");
  ScrubAfter(out, "x-amz-security-token:");
  return out;
}

void Logger::Write(LogLevel level, std::string_view file, int line, std::string_view message) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm_utc;
  gmtime_r(&now, &tm_utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);

  std::string text;
  text.reserve(message.size() + 64);
  text += stamp;
  text += ' ';
  text += LogLevelName(level);
  text += ' ';
  text += BaseName(file);
  text += ':';
  text += std::to_string(line);
  text += "] ";
  text += Redact(message);
  std::lock_guard<std::mutex> lock(mu_);
  sink_(level, text);
}

namespace log_internal {

bool RateLimit::Allow(std::chrono::steady_clock::duration period, int* suppressed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (now < next_) {
    ++suppressed_;
    return false;
  }
  next_ = now + period;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

std::string SuppressedNote(int suppressed) {
  if (suppressed == 0) return std::string();
  return "(" + std::to_string(suppressed) + " similar lines suppressed) ";
}

}  // namespace log_internal
}  // namespace kedge
