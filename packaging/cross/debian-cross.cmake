# Shared part of the Debian cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake). Compilers come from crossbuild-essential-<arch>; libraries and
# headers from a sysroot made by make-sysroot.sh, passed as -DKEDGE_SYSROOT=DIR. Tests run
# through qemu-user named explicitly (binfmt_misc may not be mounted, as in containers).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${KEDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${KEDGE_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${KEDGE_CROSS_TRIPLET})

list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KEDGE_SYSROOT)
if(NOT KEDGE_SYSROOT)
  message(FATAL_ERROR "Set -DKEDGE_SYSROOT=DIR (made by packaging/cross/make-sysroot.sh)")
endif()
set(CMAKE_SYSROOT ${KEDGE_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${KEDGE_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's pkg-config, reading only the sysroot's .pc files.
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${KEDGE_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR}
  "${KEDGE_SYSROOT}/usr/lib/${KEDGE_CROSS_TRIPLET}/pkgconfig:${KEDGE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(KEDGE_QEMU NAMES ${KEDGE_QEMU_NAME} ${KEDGE_QEMU_NAME}-static)
if(KEDGE_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${KEDGE_QEMU} -L ${KEDGE_SYSROOT})
endif()
