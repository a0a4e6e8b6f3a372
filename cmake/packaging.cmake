# Packages with CPack, from what `cmake --install` installs: a .deb on
# Linux (cpack -G DEB), a .zip on Windows (cpack -G ZIP). Included by the
# top CMakeLists.txt after every install rule exists.
set(HV_PACKAGE_MAINTAINER
    "hvsock-tools maintainers <maintainers@users.noreply.r-seed-b2d16e44.example>"
    CACHE STRING "the package's Maintainer field (Name <address>)")

set(CPACK_PACKAGE_NAME hvsock-tools)
set(CPACK_PACKAGE_VENDOR "hvsock-tools")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${HV_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "netcat for Hyper-V sockets and vsock: hvcat, hvlisten, hvreg, hvvmid")
set(CPACK_PACKAGE_DESCRIPTION
    "hvcat connects to a Hyper-V socket (Windows AF_HYPERV) or vsock (Linux
AF_VSOCK) service and pipes standard input and output over it; hvlisten
accepts such connections. Both also speak TCP. hvvmid finds VM ids (by
keyword, by VM name, of WSL2, of the VM it runs in), and hvreg registers
Hyper-V socket services on a Windows host or writes the scripts that do.
Man pages and bash, zsh, fish and PowerShell completions are included.")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR "")

if(WIN32)
  set(CPACK_GENERATOR ZIP)
  if(CMAKE_SIZEOF_VOID_P EQUAL 8)
    set(hv_arch win64)
  else()
    set(hv_arch win32)
  endif()
  set(CPACK_PACKAGE_FILE_NAME "hvsock-tools-${PROJECT_VERSION}-${hv_arch}")
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
else()
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_NAME hvsock-tools)
  set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${HV_PACKAGE_MAINTAINER}")
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
  # Depends: none for static tools; else computed from the binaries by
  # dpkg-shlibdeps (dpkg-dev) where it exists, else plain libc6.
  if(HV_STATIC)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "")
  else()
    find_program(HV_DPKG_SHLIBDEPS dpkg-shlibdeps)
    if(HV_DPKG_SHLIBDEPS)
      set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    else()
      set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6")
    endif()
  endif()
endif()

include(CPack)
