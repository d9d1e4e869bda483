# Debian packages kedge and kedge-ingest (CPack DEB components). Included from
# packaging/packaging.cmake; scripts/package drives it for amd64, arm64 and armhf.
#
# Configure with -DCMAKE_INSTALL_PREFIX=/usr (so that the config lands in /etc). For a cross
# package set KEDGE_DEB_ARCH (arm64, armhf) and run cpack with DEB_HOST_ARCH=<arch> in the
# environment, so that dpkg-shlibdeps looks in /usr/lib/<triplet> with the cross objdump.

set(KEDGE_DEB_ARCH "" CACHE STRING "Debian architecture of the packages (default: the build host's)")
set(KEDGE_DEB_RELEASE "1" CACHE STRING "Debian revision of the packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kedge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR kedge)
set(CPACK_PACKAGE_CONTACT "kedge maintainers <kedge@localhost>")
# Each package's summary is the first line of its own description. CPackDeb prepends the
# project-wide summary unless it equals CPack's default, so it is set to that default.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Only the packaging components: the binaries' own install rules (component Unspecified) are
# mirrored into components by packaging.cmake.
set(CPACK_COMPONENTS_ALL kedge)
if(TARGET kedge-ingest)
  list(APPEND CPACK_COMPONENTS_ALL ingest)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${KEDGE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# RelWithDebInfo binaries carry debug info; the packages ship them stripped.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
if(KEDGE_DEB_ARCH)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${KEDGE_DEB_ARCH})
endif()

# Maintainer scripts, one set per package from the same templates.
function(kedge_deb_scripts component pkg unit state_dir start_check next_step)
  set(PKG ${pkg})
  set(UNIT ${unit})
  set(STATE_DIR ${state_dir})
  set(START_CHECK ${start_check})
  set(START_WHEN ${ARGN})
  set(NEXT_STEP ${next_step})
  set(out ${CMAKE_BINARY_DIR}/packaging/deb/${pkg})
  set(scripts "")
  foreach(script postinst prerm postrm)
    configure_file(${CMAKE_CURRENT_LIST_DIR}/${script}.in ${out}/${script} @ONLY
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                       WORLD_READ WORLD_EXECUTE)
    list(APPEND scripts ${out}/${script})
  endforeach()
  string(TOUPPER ${component} upper)
  set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA ${scripts} ${KEDGE_DEB_CONFFILES_${upper}}
    PARENT_SCOPE)
endfunction()

set(KEDGE_DEB_CONFFILES_KEDGE ${CMAKE_CURRENT_LIST_DIR}/conffiles)
kedge_deb_scripts(kedge kedge kedge.service /var/lib/kedge
  "/usr/bin/kedge check-config --config /etc/kedge/kedge.yaml >/dev/null 2>&1"
  "Name a sink in /etc/kedge/kedge.yaml, check it with 'kedge check-config --config /etc/kedge/kedge.yaml', then: sudo systemctl enable --now kedge"
  "/etc/kedge/kedge.yaml passes kedge check-config (it names a sink)")
kedge_deb_scripts(ingest kedge-ingest kedge-ingest.service /var/lib/kedge-ingest "false"
  "Review /etc/default/kedge-ingest, then: sudo systemctl enable --now kedge-ingest"
  "never (it is started by hand)")

set(CPACK_DEBIAN_KEDGE_PACKAGE_NAME kedge)
set(KEDGE_DEB_SHLIBS_KEDGE "" CACHE STRING
  "Library dependencies of kedge from packaging/cross/shlibdeps.sh (cross builds); empty: dpkg-shlibdeps")
set(KEDGE_DEB_SHLIBS_INGEST "" CACHE STRING "The same for kedge-ingest")
if(KEDGE_DEB_SHLIBS_KEDGE OR KEDGE_DEB_SHLIBS_INGEST)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
endif()
set(CPACK_DEBIAN_KEDGE_PACKAGE_DEPENDS "adduser, init-system-helpers")
if(KEDGE_DEB_SHLIBS_KEDGE)
  string(APPEND CPACK_DEBIAN_KEDGE_PACKAGE_DEPENDS ", ${KEDGE_DEB_SHLIBS_KEDGE}")
endif()
# Cameras load GStreamer at run time (dlopen, video/capture/gst_library.h), the journald source
# libsystemd, and `kedge video upload` FFmpeg: shlibdeps sees none of them, and a device that
# only ships logs needs none. gstreamer1.0-plugins-base brings libgstreamer1.0-0 and libgstapp.
set(CPACK_DEBIAN_KEDGE_PACKAGE_RECOMMENDS
  "libsystemd0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad")
pkg_check_modules(KEDGE_DEB_AVFORMAT QUIET libavformat)
if(KEDGE_DEB_AVFORMAT_VERSION MATCHES "^([0-9]+)")
  set(_avformat "libavformat${CMAKE_MATCH_1}")
  string(APPEND CPACK_DEBIAN_KEDGE_PACKAGE_RECOMMENDS ", ${_avformat} | libavformat-extra${CMAKE_MATCH_1}")
endif()
set(CPACK_DEBIAN_KEDGE_PACKAGE_SUGGESTS "kedge-ingest, gstreamer1.0-plugins-ugly, gstreamer1.0-libcamera")
set(CPACK_DEBIAN_KEDGE_DESCRIPTION
  "Edge agent for Amazon Kinesis\nShips logs, journald entries, MQTT messages and metrics to Kinesis Data Streams\nand Firehose through an on-disk spool, and camera video to Kinesis Video Streams.\nRuns as the hardened systemd service kedge.service.")
set(CPACK_DEBIAN_INGEST_PACKAGE_NAME kedge-ingest)
set(CPACK_DEBIAN_INGEST_PACKAGE_DEPENDS "adduser, init-system-helpers")
if(KEDGE_DEB_SHLIBS_INGEST)
  string(APPEND CPACK_DEBIAN_INGEST_PACKAGE_DEPENDS ", ${KEDGE_DEB_SHLIBS_INGEST}")
endif()
set(CPACK_DEBIAN_INGEST_DESCRIPTION
  "Local Kinesis and Kinesis Video Streams endpoint\nReceives what kedge (or any Kinesis producer) sends when no AWS account is used,\nstores video fragments and serves them back. Runs as kedge-ingest.service.")

include(CPack)
