# Debian arm64 (Raspberry Pi 3/4/5 with a 64-bit OS, Jetson). See debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(KEDGE_CROSS_TRIPLET aarch64-linux-gnu)
set(KEDGE_QEMU_NAME qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
