# Debian armhf (32-bit Raspberry Pi OS). See debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(KEDGE_CROSS_TRIPLET arm-linux-gnueabihf)
set(KEDGE_QEMU_NAME qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
# 64-bit off_t: files over 2 GiB (the spool may grow past that), and readdir on file systems
# with 64-bit directory cookies (ext4 under qemu-arm on a 64-bit host returns EOVERFLOW
# otherwise, and the directory looks empty).
set(CMAKE_C_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")
set(CMAKE_CXX_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")
