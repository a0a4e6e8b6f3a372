# Windows (under Wine when cross built): the relay engine, named pipes and
# the pipes of -e. Library cases (tests/windows/test_relay_win.c, one
# ctest entry per UT_CASE) and tool cases (tests/windows/relay_cases.sh:
# one ctest entry per "case_NAME() {" function), with tests/windows/
# pipesrv.c as the pipe server and -e command they talk to.
if(WIN32)
  hv_add_unit(relay_win ${CMAKE_CURRENT_SOURCE_DIR}/windows/test_relay_win.c)

  # stuck_stdout_let_go writes stdout into a Unix fifo (under Wine only: a
  # write there ignores CancelSynchronousIo); this fixture makes the fifo
  set_tests_properties(unit.relay_win.stuck_stdout_let_go PROPERTIES
    SKIP_RETURN_CODE 77)
  if(HV_EMU)
    set(hv_fifo ${CMAKE_CURRENT_BINARY_DIR}/relay_win_stuck.fifo)
    add_test(NAME winrelay.fifo_fixture
             COMMAND sh -c "rm -f '${hv_fifo}' && mkfifo '${hv_fifo}'")
    set_tests_properties(winrelay.fifo_fixture PROPERTIES
      FIXTURES_SETUP hv_fifo)
    set_tests_properties(unit.relay_win.stuck_stdout_let_go PROPERTIES
      FIXTURES_REQUIRED hv_fifo
      ENVIRONMENT "HV_TEST_FIFO=${hv_fifo}")
  endif()

  add_executable(hv_pipesrv ${CMAKE_CURRENT_SOURCE_DIR}/windows/pipesrv.c)
  # whoami: the process token's user as SID text
  target_link_libraries(hv_pipesrv PRIVATE advapi32)

  set(hv_relay_cases ${CMAKE_CURRENT_SOURCE_DIR}/windows/relay_cases.sh)
  file(STRINGS ${hv_relay_cases} lines REGEX "^case_([a-z0-9_]+)\\(\\) *\\{")
  if(NOT lines)
    message(FATAL_ERROR "${hv_relay_cases}: no case_NAME() functions")
  endif()
  foreach(line ${lines})
    string(REGEX REPLACE "^case_([a-z0-9_]+)\\(\\).*" "\\1" c "${line}")
    add_test(NAME winrelay.${c} COMMAND bash ${hv_relay_cases} ${c})
    set_tests_properties(winrelay.${c} PROPERTIES
      TIMEOUT 240
      SKIP_RETURN_CODE 77
      ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_PIPESRV=$<TARGET_FILE:hv_pipesrv>;HV_EMU=${HV_EMU}")
  endforeach()
endif()
