# Debian armhf (32-bit Raspberry Pi OS). See debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(KEDGE_CROSS_TRIPLET arm-linux-gnueabihf)
set(KEDGE_QEMU_NAME qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
