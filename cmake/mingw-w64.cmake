# Cross-compiling for 64-bit Windows with MinGW-w64 from Linux:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
# Executables link statically (-static), so they need no MinGW DLLs at run
# time and run under Wine as they are; where Wine is installed it becomes
# the emulator ctest runs the Windows binaries through.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(HV_MINGW_TRIPLE x86_64-w64-mingw32 CACHE STRING "MinGW-w64 target triple")
set(triple ${HV_MINGW_TRIPLE})

find_program(CMAKE_C_COMPILER NAMES ${triple}-gcc ${triple}-gcc-posix
             ${triple}-gcc-win32 REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${triple}-windres windres)

# Headers and libraries from the MinGW-w64 sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${triple} /usr/local/${triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# wine64 runs a 64-bit program directly (Debian keeps it in /usr/lib/wine);
# the plain "wine" launcher works too where it handles 64-bit programs.
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(HV_WINE NAMES wine64 wine
               PATHS /usr/lib/wine /usr/lib64/wine /opt/wine-stable/bin)
  if(HV_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${HV_WINE})
  endif()
endif()
