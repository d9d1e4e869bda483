#pragma once
// The Service Control Manager's vocabulary as plain values, so that the service logic compiles
// and is tested on any platform. The numbers are those of <winsvc.h> and <winerror.h>;
// win32_service.cc checks them with static_assert against the real headers.

#include <cstdint>
#include <string>

namespace kedge::windows {

enum class ServiceState : uint32_t {
  kStopped = 1,         // SERVICE_STOPPED
  kStartPending = 2,    // SERVICE_START_PENDING
  kStopPending = 3,     // SERVICE_STOP_PENDING
  kRunning = 4,         // SERVICE_RUNNING
};

// dwControlsAccepted bits.
constexpr uint32_t kAcceptStop = 0x1;           // SERVICE_ACCEPT_STOP
constexpr uint32_t kAcceptShutdown = 0x4;       // SERVICE_ACCEPT_SHUTDOWN
constexpr uint32_t kAcceptPreshutdown = 0x100;  // SERVICE_ACCEPT_PRESHUTDOWN

// Control codes passed to the handler.
constexpr uint32_t kControlStop = 0x1;          // SERVICE_CONTROL_STOP
constexpr uint32_t kControlInterrogate = 0x4;   // SERVICE_CONTROL_INTERROGATE
constexpr uint32_t kControlShutdown = 0x5;      // SERVICE_CONTROL_SHUTDOWN
constexpr uint32_t kControlPreshutdown = 0xF;   // SERVICE_CONTROL_PRESHUTDOWN

// Win32 error codes.
constexpr uint32_t kNoError = 0;                       // NO_ERROR
constexpr uint32_t kErrorCallNotImplemented = 120;     // ERROR_CALL_NOT_IMPLEMENTED
constexpr uint32_t kErrorServiceSpecificError = 1066;  // ERROR_SERVICE_SPECIFIC_ERROR

// One SetServiceStatus call (the fields of SERVICE_STATUS that a service sets).
struct ServiceStatusReport {
  ServiceState state = ServiceState::kStopped;
  uint32_t controls_accepted = 0;
  uint32_t win32_exit_code = kNoError;
  uint32_t service_exit_code = 0;
  uint32_t check_point = 0;
  uint32_t wait_hint_ms = 0;
};

// The SCM as the running service sees it: where status reports go. Implemented over
// SetServiceStatus on Windows and by a recording fake in tests. Called with the host's lock
// held; must not call back into the host.
class ScmConnection {
 public:
  virtual ~ScmConnection() = default;
  virtual void SetStatus(const ServiceStatusReport& report) = 0;
};

// The Windows Event Log (Application log, source "kedge"): only start, stop and fatal errors go
// there; everything else goes to the log file. Must be thread-safe.
enum class EventKind { kInfo, kWarning, kError };
class EventReporter {
 public:
  virtual ~EventReporter() = default;
  virtual void Report(EventKind kind, const std::string& message) = 0;
};

}  // namespace kedge::windows
