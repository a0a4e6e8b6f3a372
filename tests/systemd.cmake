# systemd cases (tests/systemd/cases.sh): socket
# activation with Debian's systemd-socket-activate (hvlisten --systemd,
# hvcat under --inetd), the notification protocol, and the units under
# systemd-analyze verify and in the .deb. Linux only: the Windows build's
# --systemd is a cli case (not available, 69). sdlaunch is the stand-in
# launcher of the notify cases and (a static copy, tests/vm.cmake) the vm
# case vm.systemd.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT CMAKE_CROSSCOMPILING)
  add_executable(sdlaunch ${CMAKE_CURRENT_SOURCE_DIR}/systemd/sdlaunch.c)
  hv_script_cases(hv_systemd_cases ${CMAKE_CURRENT_SOURCE_DIR}/systemd/cases.sh)
  hv_script_tests(systemd ${CMAKE_CURRENT_SOURCE_DIR}/systemd/cases.sh
    CASES ${hv_systemd_cases} TIMEOUT 300
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        SDLAUNCH=$<TARGET_FILE:sdlaunch> HV_BUILD=${CMAKE_BINARY_DIR}
        HV_EMU=${HV_EMU})
endif()
