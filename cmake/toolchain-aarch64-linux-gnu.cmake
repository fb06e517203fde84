# CMake toolchain file: cross-compile for aarch64 Linux with Debian's cross compilers
# (apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user) and run the
# built programs through qemu-user, so that ctest runs every test under emulation:
#
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
#   cmake --build build/aarch64 && (cd build/aarch64 && ctest --output-on-failure)
#
# Overrides (environment): SLP_AARCH64_PREFIX (default "aarch64-linux-gnu-"),
# SLP_AARCH64_SYSROOT (default /usr/aarch64-linux-gnu), SLP_QEMU_AARCH64 (emulator path).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(DEFINED ENV{SLP_AARCH64_PREFIX})
  set(_slp_prefix "$ENV{SLP_AARCH64_PREFIX}")
else()
  set(_slp_prefix "aarch64-linux-gnu-")
endif()
if(DEFINED ENV{SLP_AARCH64_SYSROOT})
  set(_slp_sysroot "$ENV{SLP_AARCH64_SYSROOT}")
else()
  set(_slp_sysroot "/usr/aarch64-linux-gnu")
endif()

set(CMAKE_C_COMPILER   "${_slp_prefix}gcc")
set(CMAKE_CXX_COMPILER "${_slp_prefix}g++")
set(CMAKE_ASM_COMPILER "${_slp_prefix}gcc")

# Debian's cross compilers know their own sysroot; these only steer find_* to the target.
set(CMAKE_FIND_ROOT_PATH "${_slp_sysroot}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test(NAME x COMMAND <target>) then runs "<emulator> <args> <binary>" (CMake >= 3.15
# takes a list: command first, then its arguments). -L points qemu at the target's
# dynamic loader and libc.
if(DEFINED ENV{SLP_QEMU_AARCH64})
  set(_slp_qemu "$ENV{SLP_QEMU_AARCH64}")
else()
  find_program(_slp_qemu NAMES qemu-aarch64 qemu-aarch64-static)
  if(NOT _slp_qemu)
    set(_slp_qemu qemu-aarch64)
  endif()
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${_slp_qemu};-L;${_slp_sysroot}")
