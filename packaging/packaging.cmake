# Install rules for what is not a binary (units, config, docs), the packaging checks, and the
# Debian packages. Included at the end of the top-level CMakeLists.txt.
#
# Components: kedge (the agent, its unit and config) and ingest (kedge-ingest and its unit).
# The binaries' own install rules have no component; they are mirrored here so that each
# package gets only its own binary.

option(KEDGE_INSTALL_SYSTEMD_UNITS "Install the systemd units" ${UNIX})
set(KEDGE_SYSTEMD_UNITDIR "" CACHE PATH
  "Where the systemd units go (Yocto: \${systemd_system_unitdir}); empty: <prefix>/lib/systemd/system")
# Worked out at each configure, so that changing CMAKE_INSTALL_PREFIX moves the units too.
set(kedge_unit_dir "${KEDGE_SYSTEMD_UNITDIR}")
if(NOT kedge_unit_dir)
  set(kedge_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(KEDGE_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})

if(TARGET kedge)
  install(TARGETS kedge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kedge)
endif()
if(TARGET kedge-ingest)
  install(TARGETS kedge-ingest RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ingest)
endif()

if(UNIX AND NOT APPLE)
  install(FILES ${KEDGE_PACKAGING_DIR}/config/kedge.yaml
    DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/kedge COMPONENT kedge)
  install(FILES ${KEDGE_PACKAGING_DIR}/systemd/jetson-argus.conf
    DESTINATION ${CMAKE_INSTALL_DATADIR}/kedge COMPONENT kedge)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/install.md ${PROJECT_SOURCE_DIR}/docs/operations.md
    DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT kedge OPTIONAL)
  # Debian policy: each package's /usr/share/doc/<package>/copyright (machine-readable; the
  # license text itself is /usr/share/common-licenses/Apache-2.0, as for every Debian package).
  install(FILES ${KEDGE_PACKAGING_DIR}/deb/copyright
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/kedge COMPONENT kedge)
  if(TARGET kedge-ingest)
    install(FILES ${KEDGE_PACKAGING_DIR}/deb/copyright
      DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/kedge-ingest COMPONENT ingest)
  endif()
  if(KEDGE_INSTALL_SYSTEMD_UNITS)
    install(FILES ${KEDGE_PACKAGING_DIR}/systemd/kedge.service
      DESTINATION ${kedge_unit_dir} COMPONENT kedge)
    if(TARGET kedge-ingest)
      install(FILES ${KEDGE_PACKAGING_DIR}/systemd/kedge-ingest.service
        DESTINATION ${kedge_unit_dir} COMPONENT ingest)
    endif()
  endif()
endif()

if(KEDGE_BUILD_TESTS AND UNIX AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME packaging_systemd_security
    COMMAND ${KEDGE_PACKAGING_DIR}/systemd/check_units.sh ${KEDGE_PACKAGING_DIR}/systemd)
  set_tests_properties(packaging_systemd_security PROPERTIES LABELS unit TIMEOUT 120)
  add_test(NAME packaging_install_script COMMAND ${KEDGE_PACKAGING_DIR}/install/test_install.sh)
  set_tests_properties(packaging_install_script PROPERTIES LABELS unit TIMEOUT 120)
  add_test(NAME packaging_yocto_layer COMMAND ${KEDGE_PACKAGING_DIR}/yocto/check_layer.py)
  set_tests_properties(packaging_yocto_layer PROPERTIES LABELS unit TIMEOUT 120)
  if(TARGET kedge-ingest)
    # kedge-ingest.service is Type=notify with a watchdog: the binary must speak sd_notify.
    add_test(NAME packaging_ingest_notify
      COMMAND ${PROJECT_SOURCE_DIR}/tests/packaging/notify_test.py $<TARGET_FILE:kedge-ingest>)
    set_tests_properties(packaging_ingest_notify PROPERTIES LABELS unit TIMEOUT 120)
  endif()
  # The Windows sources build with MinGW-w64 (skipped, exit 77, without it).
  add_test(NAME packaging_mingw_build
    COMMAND ${KEDGE_PACKAGING_DIR}/windows/check_mingw_build.sh ${CMAKE_BINARY_DIR}/mingw)
  set_tests_properties(packaging_mingw_build PROPERTIES LABELS unit TIMEOUT 1500
    SKIP_RETURN_CODE 77)
  # Skipped (exit 77) where shellcheck is not installed.
  add_test(NAME packaging_shellcheck COMMAND ${KEDGE_PACKAGING_DIR}/check_scripts.sh)
  set_tests_properties(packaging_shellcheck PROPERTIES LABELS unit TIMEOUT 120
    SKIP_RETURN_CODE 77)
endif()

if(UNIX AND NOT APPLE)
  include(${KEDGE_PACKAGING_DIR}/deb/CPackDeb.cmake)
elseif(WIN32 AND TARGET kedge)
  # The native Windows build (CMakePresets.json, vcpkg.json): cpack -G NSIS makes the installer
  # that registers and starts the service with this kedge.exe.
  set(KEDGE_NSIS_BINARY_INSTALLED ON)
  include(${KEDGE_PACKAGING_DIR}/windows/CPackNSIS.cmake)
endif()
