# cli cases: exit codes and messages (tests/cli/cases.sh), natively and
# under wine for the Windows build.
hv_script_cases(hv_cli_cases ${CMAKE_CURRENT_SOURCE_DIR}/cli/cases.sh)
if(WIN32)
  # posix_*: cases that watch the POSIX build's processes
  list(FILTER hv_cli_cases EXCLUDE REGEX "^posix_")
endif()
hv_script_tests(cli ${CMAKE_CURRENT_SOURCE_DIR}/cli/cases.sh
  CASES ${hv_cli_cases}
  ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
      HVREG=$<TARGET_FILE:hvreg> HVVMID=$<TARGET_FILE:hvvmid>
      HV_EMU=${HV_EMU} HV_PLATFORM=${HV_PLATFORM})
