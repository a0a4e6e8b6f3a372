# wingetopt.cmake: getopt_long for MSVC, which has none (MinGW-w64's CRT
# and glibc have it): the target wingetopt::wingetopt, found or fetched.
# Included from tools/CMakeLists.txt and tests/unit.cmake for MSVC builds
# only.
# 1. a CMake package (conan, or an install that ships a config file)
find_package(wingetopt CONFIG QUIET)
# 2. a plain install: upstream installs getopt.h and wingetopt.lib but no
#    wingetoptConfig.cmake; point CMAKE_PREFIX_PATH at it
if(NOT TARGET wingetopt::wingetopt)
  find_path(WINGETOPT_INCLUDE_DIR getopt.h)
  find_library(WINGETOPT_LIBRARY wingetopt)
  if(WINGETOPT_INCLUDE_DIR AND WINGETOPT_LIBRARY)
    add_library(wingetopt::wingetopt UNKNOWN IMPORTED)
    set_target_properties(wingetopt::wingetopt PROPERTIES
      IMPORTED_LOCATION ${WINGETOPT_LIBRARY}
      INTERFACE_INCLUDE_DIRECTORIES ${WINGETOPT_INCLUDE_DIR})
  endif()
endif()
# 3. fetched at configure time, pinned to a commit (the repository's
#    target is plain "wingetopt"); built static: a shared build would need
#    WINGETOPT_SHARED_LIB on every consumer, which it does not export
if(NOT TARGET wingetopt::wingetopt)
  include(FetchContent)
  FetchContent_Declare(wingetopt
    GIT_REPOSITORY https://github.com/alex85k/wingetopt.git
    GIT_TAG 26528e476b2891a42fa30cee810759a2d1a123c6)
  set(BUILD_SHARED_LIBS OFF)
  FetchContent_MakeAvailable(wingetopt)
  # older revisions set the include directory for themselves only
  target_include_directories(wingetopt INTERFACE ${wingetopt_SOURCE_DIR}/src)
  add_library(wingetopt::wingetopt ALIAS wingetopt)
endif()
