// ServiceManager over the real Service Control Manager and the Event Log registry.

#include <windows.h>

#include <memory>
#include <vector>

#include "platform/logging.h"
#include "platform/windows/win32_service.h"
#include "platform/windows/win32_util.h"

namespace kedge::windows {
namespace {

constexpr wchar_t kEventLogKey[] = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";

struct ScHandleCloser {
  void operator()(SC_HANDLE handle) const { CloseServiceHandle(handle); }
};
using ScHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ScHandleCloser>;

StatusOr<ScHandle> OpenManager(DWORD access) {
  ScHandle manager(OpenSCManagerW(nullptr, nullptr, access));
  if (!manager) return Win32Error("OpenSCManager", GetLastError());
  return manager;
}

Status Configure(SC_HANDLE service, DWORD level, void* info, const char* what) {
  if (!ChangeServiceConfig2W(service, level, info)) {
    return Win32Error(std::string("ChangeServiceConfig2 (") + what + ")", GetLastError());
  }
  return Status::Ok();
}

void WarnIfError(const Status& status) {
  if (!status.ok()) KEDGE_LOG(kWarn) << status.ToString();
}

// Everything CreateServiceW cannot set: description, delayed start, failure actions,
// preshutdown timeout.
Status ConfigureExtras(SC_HANDLE service, const ServiceInstallConfig& config) {
  std::wstring description = Utf8ToWide(config.description);
  SERVICE_DESCRIPTIONW desc = {description.data()};
  KEDGE_RETURN_IF_ERROR(Configure(service, SERVICE_CONFIG_DESCRIPTION, &desc, "description"));

  // Delayed start only spares boot time: without it (Wine has none) the service still works.
  SERVICE_DELAYED_AUTO_START_INFO delayed = {config.delayed_auto_start ? TRUE : FALSE};
  WarnIfError(Configure(service, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed, "delayed start"));

  std::vector<SC_ACTION> actions;
  for (const FailureAction& action : config.failure_actions) {
    actions.push_back({action.type == FailureAction::Type::kRestart ? SC_ACTION_RESTART
                                                                     : SC_ACTION_NONE,
                       action.delay_ms});
  }
  SERVICE_FAILURE_ACTIONSW failure = {};
  failure.dwResetPeriod = config.failure_reset_period_s;
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  KEDGE_RETURN_IF_ERROR(
      Configure(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure, "failure actions"));

  // Without the flag (Windows before Vista, Wine) only crashes trigger a restart.
  SERVICE_FAILURE_ACTIONS_FLAG flag = {config.failure_actions_on_non_crash ? TRUE : FALSE};
  WarnIfError(
      Configure(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag, "failure actions flag"));

  SERVICE_PRESHUTDOWN_INFO preshutdown = {config.preshutdown_timeout_ms};
  return Configure(service, SERVICE_CONFIG_PRESHUTDOWN_INFO, &preshutdown, "preshutdown");
}

// Asks a running service to stop and waits, polling its state, up to `timeout_ms`.
Status StopAndWait(SC_HANDLE service, uint32_t timeout_ms) {
  SERVICE_STATUS status = {};
  if (!QueryServiceStatus(service, &status)) {
    return Win32Error("QueryServiceStatus", GetLastError());
  }
  if (status.dwCurrentState == SERVICE_STOPPED) return Status::Ok();
  if (!ControlService(service, SERVICE_CONTROL_STOP, &status) &&
      GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
    return Win32Error("stopping the service", GetLastError());
  }
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  while (status.dwCurrentState != SERVICE_STOPPED) {
    if (GetTickCount64() > deadline) {
      return Win32Error("waiting for the service to stop", ERROR_SERVICE_REQUEST_TIMEOUT);
    }
    Sleep(250);  // the SCM offers no wait primitive for another process's service
    if (!QueryServiceStatus(service, &status)) {
      return Win32Error("QueryServiceStatus", GetLastError());
    }
  }
  return Status::Ok();
}

class Win32ServiceManager : public ServiceManager {
 public:
  Status Create(const ServiceInstallConfig& config) override {
    KEDGE_ASSIGN_OR_RETURN(ScHandle manager, OpenManager(SC_MANAGER_CREATE_SERVICE));
    std::wstring name = Utf8ToWide(config.name);
    std::wstring display = Utf8ToWide(config.display_name);
    std::wstring command = Utf8ToWide(config.command_line);
    std::wstring account = Utf8ToWide(config.account);
    ScHandle service(CreateServiceW(manager.get(), name.c_str(), display.c_str(),
                                    SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                    SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command.c_str(),
                                    nullptr, nullptr, nullptr, account.c_str(), nullptr));
    if (!service) return Win32Error("CreateService " + config.name, GetLastError());
    Status extras = ConfigureExtras(service.get(), config);
    if (!extras.ok()) {
      DeleteService(service.get());  // leave nothing half-configured behind
      return extras;
    }
    return Status::Ok();
  }

  Status Delete(const std::string& name, uint32_t stop_timeout_ms) override {
    KEDGE_ASSIGN_OR_RETURN(ScHandle manager, OpenManager(SC_MANAGER_CONNECT));
    ScHandle service(OpenServiceW(manager.get(), Utf8ToWide(name).c_str(),
                                  SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
    if (!service) return Win32Error("OpenService " + name, GetLastError());
    KEDGE_RETURN_IF_ERROR(StopAndWait(service.get(), stop_timeout_ms));
    if (!DeleteService(service.get())) {
      return Win32Error("DeleteService " + name, GetLastError());
    }
    return Status::Ok();
  }

  Status AddEventSource(const std::string& name, const std::string& message_file) override {
    std::wstring key_path = std::wstring(kEventLogKey) + Utf8ToWide(name);
    HKEY key = nullptr;
    LONG rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key_path.c_str(), 0, nullptr, 0,
                              KEY_SET_VALUE, nullptr, &key, nullptr);
    if (rc != ERROR_SUCCESS) return Win32Error("creating the Event Log source", rc);
    std::wstring file = Utf8ToWide(message_file);
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    rc = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                        reinterpret_cast<const BYTE*>(file.c_str()),
                        static_cast<DWORD>((file.size() + 1) * sizeof(wchar_t)));
    if (rc == ERROR_SUCCESS) {
      rc = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD,
                          reinterpret_cast<const BYTE*>(&types), sizeof(types));
    }
    RegCloseKey(key);
    return rc == ERROR_SUCCESS ? Status::Ok() : Win32Error("writing the Event Log source", rc);
  }

  Status RemoveEventSource(const std::string& name) override {
    std::wstring key_path = std::wstring(kEventLogKey) + Utf8ToWide(name);
    LONG rc = RegDeleteKeyW(HKEY_LOCAL_MACHINE, key_path.c_str());
    return rc == ERROR_SUCCESS ? Status::Ok() : Win32Error("removing the Event Log source", rc);
  }
};

}  // namespace

std::unique_ptr<ServiceManager> CreateWin32ServiceManager() {
  return std::make_unique<Win32ServiceManager>();
}

}  // namespace kedge::windows
