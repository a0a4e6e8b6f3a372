# Packages with CPack, from what `cmake --install` installs: a .deb on
# Linux (cpack -G DEB), a .zip on Windows (cpack -G ZIP). Included by the
# top CMakeLists.txt after every other install rule exists. It installs the
# license too (LICENSE, HV_LICENSE_SPDX): as LICENSE.txt on Windows; on Unix
# as share/doc/hvsock-tools/copyright in Debian's machine-readable format,
# beside the changelog.gz that Debian policy asks of every package.
set(HV_PACKAGE_MAINTAINER
    "hvsock-tools maintainers <maintainers@users.noreply.r-seed-b2d16e44.example>"
    CACHE STRING "the package's Maintainer field (Name <address>)")
# No public home yet: empty leaves out the copyright file's Source: and the
# .deb's Homepage: (both optional) rather than name a made-up address.
set(HV_PACKAGE_SOURCE_URL "" CACHE STRING
    "where the source can be had: the copyright file's Source: and the .deb's Homepage:")

# hv_debian_docs(): install share/doc/hvsock-tools/copyright, made from
# LICENSE in the form of
# https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/, and
# changelog.gz: the package is native (no Debian revision), so one entry for
# this version, dated by SOURCE_DATE_EPOCH when set (reproducible builds);
# with HV_STATIC, the lintian override that says the tools are static.
function(hv_debian_docs)
  set(license ${PROJECT_SOURCE_DIR}/LICENSE)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY
               CMAKE_CONFIGURE_DEPENDS ${license})
  file(READ ${license} text)
  if(NOT text MATCHES "Copyright \\(c\\) ([^\n]+)\n\n(.*[^\n])\n*$")
    message(FATAL_ERROR "${license}: no 'Copyright (c) ...' line and text after it")
  endif()
  set(holders "${CMAKE_MATCH_1}")
  # a field's lines are indented, and an empty line there is " ."
  string(REPLACE "\n\n" "\n.\n" text "${CMAKE_MATCH_2}")
  string(REPLACE "\n" "\n " text " ${text}")
  set(name ${HV_LICENSE_SPDX})
  if(name STREQUAL "MIT")
    set(name Expat) # Debian's short name for it
  endif()
  set(source "")
  if(HV_PACKAGE_SOURCE_URL)
    set(source "Source: ${HV_PACKAGE_SOURCE_URL}\n")
  endif()
  set(dir ${PROJECT_BINARY_DIR}/debian)
  # written through a copy that changes only when the text does
  file(WRITE ${dir}/copyright.new
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ${PROJECT_NAME}
Upstream-Contact: ${HV_PACKAGE_MAINTAINER}
${source}Comment: SPDX-License-Identifier: ${HV_LICENSE_SPDX}

Files: *
Copyright: ${holders}
License: ${name}
${text}
")
  configure_file(${dir}/copyright.new ${dir}/copyright COPYONLY)

  string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC)
  file(WRITE ${dir}/changelog.new
"${PROJECT_NAME} (${PROJECT_VERSION}) unstable; urgency=medium

  * Release ${PROJECT_VERSION}; the history is the project's git log.

 -- ${HV_PACKAGE_MAINTAINER}  ${date}
")
  configure_file(${dir}/changelog.new ${dir}/changelog COPYONLY)

  install(FILES ${dir}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
  find_program(HV_GZIP gzip)
  if(HV_GZIP)
    # gzip replaces its input: it works on a copy (as man/ does)
    add_custom_command(OUTPUT ${dir}/gz/changelog.gz
      COMMAND ${CMAKE_COMMAND} -E copy ${dir}/changelog ${dir}/gz/changelog
      COMMAND ${HV_GZIP} -9nf ${dir}/gz/changelog
      DEPENDS ${dir}/changelog VERBATIM)
    add_custom_target(changelog_gzipped ALL DEPENDS ${dir}/gz/changelog.gz)
    install(FILES ${dir}/gz/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
  else()
    install(FILES ${dir}/changelog DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()

  if(HV_STATIC)
    # lintian's error for a static binary is an override here: static tools
    # are what HV_STATIC asks for (a guest whose libc is unknown)
    file(WRITE ${dir}/lintian-overrides.new
"# HV_STATIC=ON: static on purpose, to run in any Linux guest
${PROJECT_NAME}: statically-linked-binary [usr/bin/*]
")
    configure_file(${dir}/lintian-overrides.new ${dir}/lintian-overrides COPYONLY)
    install(FILES ${dir}/lintian-overrides DESTINATION
            ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME ${PROJECT_NAME})
  endif()
endfunction()

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
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_RPM_PACKAGE_LICENSE ${HV_LICENSE_SPDX})
if(HV_PACKAGE_SOURCE_URL)
  set(CPACK_PACKAGE_HOMEPAGE_URL "${HV_PACKAGE_SOURCE_URL}")
endif()
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
  # .txt: Explorer opens it in Notepad
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION . RENAME LICENSE.txt)
else()
  hv_debian_docs()
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
