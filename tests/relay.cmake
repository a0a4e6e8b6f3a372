# relay cases (tests/relay/cases.sh): --to, -e with many connections, unix
# sockets, --max-conns, --allow/--deny. POSIX only: the Windows side of
# relays is in tests/winrelay.cmake. Case names are the script's case_NAME
# functions.
if(NOT WIN32)
  file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh hv_relay_lines
       REGEX "^case_[a-z0-9_]+\\(\\) *\\{")
  foreach(line ${hv_relay_lines})
    string(REGEX REPLACE "^case_([a-z0-9_]+)\\(\\).*" "\\1" c "${line}")
    add_test(NAME relay.${c}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh ${c})
    set_tests_properties(relay.${c} PROPERTIES
      TIMEOUT 300
      SKIP_RETURN_CODE 77
      ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_EMU=${HV_EMU}")
  endforeach()
endif()
