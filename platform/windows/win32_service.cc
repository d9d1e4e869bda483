#include "platform/windows/win32_service.h"

#include <windows.h>

#include "platform/logging.h"
#include "platform/windows/scm_service_host.h"
#include "platform/windows/win32_util.h"

namespace kedge::windows {

static_assert(static_cast<DWORD>(ServiceState::kStopped) == SERVICE_STOPPED);
static_assert(static_cast<DWORD>(ServiceState::kStartPending) == SERVICE_START_PENDING);
static_assert(static_cast<DWORD>(ServiceState::kStopPending) == SERVICE_STOP_PENDING);
static_assert(static_cast<DWORD>(ServiceState::kRunning) == SERVICE_RUNNING);
static_assert(kAcceptStop == SERVICE_ACCEPT_STOP);
static_assert(kAcceptShutdown == SERVICE_ACCEPT_SHUTDOWN);
static_assert(kAcceptPreshutdown == SERVICE_ACCEPT_PRESHUTDOWN);
static_assert(kControlStop == SERVICE_CONTROL_STOP);
static_assert(kControlInterrogate == SERVICE_CONTROL_INTERROGATE);
static_assert(kControlShutdown == SERVICE_CONTROL_SHUTDOWN);
static_assert(kControlPreshutdown == SERVICE_CONTROL_PRESHUTDOWN);
static_assert(kNoError == NO_ERROR);
static_assert(kErrorCallNotImplemented == ERROR_CALL_NOT_IMPLEMENTED);
static_assert(kErrorServiceSpecificError == ERROR_SERVICE_SPECIFIC_ERROR);

namespace {

// SetServiceStatus on the handle RegisterServiceCtrlHandlerExW returned.
class Win32ScmConnection : public ScmConnection {
 public:
  void set_handle(SERVICE_STATUS_HANDLE handle) { handle_ = handle; }
  void SetStatus(const ServiceStatusReport& report) override {
    SERVICE_STATUS status = {};
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = static_cast<DWORD>(report.state);
    status.dwControlsAccepted = report.controls_accepted;
    status.dwWin32ExitCode = report.win32_exit_code;
    status.dwServiceSpecificExitCode = report.service_exit_code;
    status.dwCheckPoint = report.check_point;
    status.dwWaitHint = report.wait_hint_ms;
    if (handle_ != nullptr && !SetServiceStatus(handle_, &status)) {
      KEDGE_LOG(kWarn) << Win32Error("SetServiceStatus", GetLastError()).ToString();
    }
  }

 private:
  SERVICE_STATUS_HANDLE handle_ = nullptr;
};

// ServiceMain has no context argument: the one service of this process is kept here, set
// before the dispatcher starts and read only by ServiceMain.
struct ProcessService {
  std::wstring name;
  Service* service = nullptr;
  int exit_code = 0;
};
ProcessService g_process_service;

DWORD WINAPI HandlerEx(DWORD control, DWORD, void*, void* context) {
  return static_cast<ScmServiceHost*>(context)->HandleControl(control);
}

void WINAPI ServiceMain(DWORD, LPWSTR*) {
  // Services start in System32; relative paths should mean the directory of kedge.exe.
  std::wstring exe = Utf8ToWide(CurrentExePath());
  std::wstring dir = exe.substr(0, exe.find_last_of(L"\\/"));
  SetCurrentDirectoryW(dir.c_str());

  Win32ScmConnection connection;
  Win32EventLog events(WideToUtf8(g_process_service.name));
  ScmServiceHost host(connection, *g_process_service.service, &events);
  SERVICE_STATUS_HANDLE handle =
      RegisterServiceCtrlHandlerExW(g_process_service.name.c_str(), HandlerEx, &host);
  if (handle == nullptr) {
    events.Report(EventKind::kError,
                  Win32Error("RegisterServiceCtrlHandlerExW", GetLastError()).ToString());
    g_process_service.exit_code = 1;
    return;
  }
  connection.set_handle(handle);
  g_process_service.exit_code = host.RunServiceMain() == NO_ERROR ? 0 : 1;
}

}  // namespace

std::optional<int> RunAsWindowsService(const std::string& name, Service& service) {
  g_process_service.name = Utf8ToWide(name);
  g_process_service.service = &service;
  SERVICE_TABLE_ENTRYW table[] = {
      {const_cast<wchar_t*>(g_process_service.name.c_str()), ServiceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD error = GetLastError();
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) return std::nullopt;
    KEDGE_LOG(kError) << Win32Error("StartServiceCtrlDispatcherW", error).ToString();
    return 1;
  }
  return g_process_service.exit_code;
}

Win32EventLog::Win32EventLog(const std::string& source)
    : handle_(RegisterEventSourceW(nullptr, Utf8ToWide(source).c_str())) {}

Win32EventLog::~Win32EventLog() {
  if (handle_ != nullptr) DeregisterEventSource(static_cast<HANDLE>(handle_));
}

void Win32EventLog::Report(EventKind kind, const std::string& message) {
  KEDGE_LOG(kInfo) << "event log: " << message;
  if (handle_ == nullptr) return;
  WORD type = kind == EventKind::kError     ? EVENTLOG_ERROR_TYPE
              : kind == EventKind::kWarning ? EVENTLOG_WARNING_TYPE
                                            : EVENTLOG_INFORMATION_TYPE;
  std::wstring text = Utf8ToWide(message);
  const wchar_t* strings[] = {text.c_str()};
  ReportEventW(static_cast<HANDLE>(handle_), type, 0, 0, nullptr, 1, 0, strings, nullptr);
}

}  // namespace kedge::windows
