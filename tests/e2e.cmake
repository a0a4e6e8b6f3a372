# e2e cases over TCP loopback (tests/e2e/cases.sh), natively and, for the
# Windows build, with the tools under wine.
hv_script_cases(hv_e2e_cases ${CMAKE_CURRENT_SOURCE_DIR}/e2e/cases.sh)
if(WIN32)
  # Under Wine a killed process's socket can outlive it (a Wine 8 defect,
  # about 1 run in 15), so the Windows side is never the killed one: the
  # cross-OS case e2e_xos.peer_killed_eof.win_server (tests/windows.cmake)
  # kills a Linux sender and checks the Windows listener.
  list(REMOVE_ITEM hv_e2e_cases peer_killed_eof)
endif()
hv_script_tests(e2e ${CMAKE_CURRENT_SOURCE_DIR}/e2e/cases.sh
  CASES ${hv_e2e_cases} TIMEOUT 300
  ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
      HV_EMU=${HV_EMU} HV_PLATFORM=${HV_PLATFORM}
  PROPERTIES RUN_SERIAL TRUE)
