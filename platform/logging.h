#pragma once
// Logging: leveled, rate-limited, and scrubbed of secrets.
//
//   KEDGE_LOG(kInfo) << "spool opened at " << path;
//   KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10)) << "endpoint unreachable: " << status;
//
// Every line passes through Redact() before it is written: registered secrets (access keys'
// secrets, session tokens, MQTT passwords) and SigV4 signatures are replaced by "****", so a
// secret cannot reach a log even through an error message that quotes it. Thread-safe.

#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace kedge {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

std::string_view LogLevelName(LogLevel level);
// Parses "debug", "info", "warn"/"warning", "error", "off".
bool ParseLogLevel(std::string_view text, LogLevel* level);

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  static Logger& Get();

  void SetLevel(LogLevel level);
  LogLevel level() const;
  bool Enabled(LogLevel level) const { return level >= level_; }

  // Replaces where lines go (default: stderr). Tests capture lines this way.
  void SetSink(Sink sink);
  void ResetSink();

  // Registers a string that must never be printed. Strings shorter than 4 characters are ignored
  // (they would scrub ordinary text).
  void AddSecret(std::string_view secret);
  // Removes registered secrets and SigV4 signatures / security tokens from `text`.
  std::string Redact(std::string_view text) const;

  void Write(LogLevel level, std::string_view file, int line, std::string_view message);

 private:
  Logger();
  LogLevel level_ = LogLevel::kInfo;
  mutable std::mutex mu_;
  Sink sink_;                         // guarded by mu_
  std::vector<std::string> secrets_;  // guarded by mu_
};

namespace log_internal {

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line) : level_(level), file_(file), line_(line) {}
  ~LogMessage() { Logger::Get().Write(level_, file_, line_, stream_.str()); }
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

// True at most once per `period` for one call site; counts what it suppressed.
class RateLimit {
 public:
  bool Allow(std::chrono::steady_clock::duration period, int* suppressed);

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
  int suppressed_ = 0;
};

// "(N similar lines suppressed) " or "".
std::string SuppressedNote(int suppressed);

struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace log_internal
}  // namespace kedge

#define KEDGE_LOG(level)                                                               \
  !::kedge::Logger::Get().Enabled(::kedge::LogLevel::level)                            \
      ? (void)0                                                                        \
      : ::kedge::log_internal::Voidify() &                                             \
            ::kedge::log_internal::LogMessage(::kedge::LogLevel::level, __FILE__, __LINE__) \
                .stream()

// Logs at most once per `period` from this call site, noting how many lines were suppressed.
#define KEDGE_LOG_EVERY(level, period)                                                        \
  if (int kedge_suppressed_ = 0;                                                              \
      !(::kedge::Logger::Get().Enabled(::kedge::LogLevel::level) &&                           \
        []() -> ::kedge::log_internal::RateLimit& {                                           \
          static ::kedge::log_internal::RateLimit limit;                                      \
          return limit;                                                                       \
        }()                                                                                   \
                    .Allow(period, &kedge_suppressed_))) {                                    \
  } else                                                                                      \
    ::kedge::log_internal::LogMessage(::kedge::LogLevel::level, __FILE__, __LINE__).stream()  \
        << ::kedge::log_internal::SuppressedNote(kedge_suppressed_)
