# The Windows installer: CPack NSIS (Debian's nsis builds it on Linux too).
# Installs bin\kedge.exe under Program Files, creates %ProgramData%\kedge (modify rights for
# LocalService, the service account), registers the service with `kedge service install`, and
# starts it only when the config passes `kedge check-config` (a fresh install has no sink, so
# the service is left stopped until kedge.yaml is edited). Uninstall removes the service and
# keeps %ProgramData%\kedge.
set(CPACK_GENERATOR NSIS)
set(CPACK_PACKAGE_NAME kedge)
set(CPACK_PACKAGE_VENDOR kedge)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "kedge: logs, telemetry and video from the edge to Amazon Kinesis")
set(CPACK_PACKAGE_INSTALL_DIRECTORY kedge)
# The mingw build (packaging/windows/mingw) sets a suffix: its kedge.exe has a stand-in agent.
set(CPACK_PACKAGE_FILE_NAME "kedge-${PROJECT_VERSION}-win64${KEDGE_NSIS_FILE_SUFFIX}")
set(CPACK_NSIS_INSTALL_ROOT "$PROGRAMFILES64")
set(CPACK_NSIS_DISPLAY_NAME "kedge edge agent")
set(CPACK_NSIS_PACKAGE_NAME "kedge")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH OFF)
get_filename_component(KEDGE_ROOT_FOR_NSIS ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
if(EXISTS ${KEDGE_ROOT_FOR_NSIS}/LICENSE)
  set(CPACK_RESOURCE_FILE_LICENSE ${KEDGE_ROOT_FOR_NSIS}/LICENSE)
endif()

# The native build installs kedge.exe through agent/CMakeLists.txt (bin/); the mingw one here.
if(NOT KEDGE_NSIS_BINARY_INSTALLED)
  install(TARGETS kedge RUNTIME DESTINATION bin)
endif()
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kedge.yaml DESTINATION share/kedge
  RENAME kedge.yaml.example)
if(EXISTS ${KEDGE_ROOT_FOR_NSIS}/LICENSE)
  install(FILES ${KEDGE_ROOT_FOR_NSIS}/LICENSE DESTINATION share/doc/kedge)
endif()

# CPack writes these values into CPackConfig.cmake inside a quoted string and reads them back,
# so each backslash is doubled here (bracket arguments keep them as written); NSIS strings are
# single-quoted, and a double quote inside one is NSIS's $\" written as $\\\".
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS [=[
  SetShellVarContext all
  CreateDirectory '$APPDATA\\kedge'
  CreateDirectory '$APPDATA\\kedge\\state'
  CreateDirectory '$APPDATA\\kedge\\logs'
  IfFileExists '$APPDATA\\kedge\\kedge.yaml' +2 0
    CopyFiles /SILENT '$INSTDIR\\share\\kedge\\kedge.yaml.example' '$APPDATA\\kedge\\kedge.yaml'
  nsExec::ExecToLog '$SYSDIR\\icacls.exe $\\\"$APPDATA\\kedge$\\\" /grant $\\\"*S-1-5-19:(OI)(CI)M$\\\"'
  Pop $0
  nsExec::ExecToLog '$\\\"$INSTDIR\\bin\\kedge.exe$\\\" service install'
  Pop $0
  nsExec::ExecToLog '$\\\"$INSTDIR\\bin\\kedge.exe$\\\" check-config --config $\\\"$APPDATA\\kedge\\kedge.yaml$\\\"'
  Pop $0
  StrCmp $0 '0' 0 +2
    nsExec::ExecToLog '$SYSDIR\\sc.exe start kedge'
]=])
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS [=[
  nsExec::ExecToLog '$\\\"$INSTDIR\\bin\\kedge.exe$\\\" service uninstall'
  Pop $0
]=])
include(CPack)
