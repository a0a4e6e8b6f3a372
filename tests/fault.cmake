# Fault cases over TCP loopback (tests/fault/cases.sh): every
# "case_NAME() {" line of the script is the ctest entry fault.NAME. POSIX
# builds only (they kill, stop and rlimit processes; a missing transport or
# feature skips with 77). Several state behaviour the tools do not have yet.
if(NOT WIN32 AND TARGET hvcat AND TARGET hvlisten)
  set(hv_fault_script ${CMAKE_CURRENT_SOURCE_DIR}/fault/cases.sh)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${hv_fault_script})
  file(STRINGS ${hv_fault_script} lines REGEX "^case_([a-z0-9_]+)\\(\\) *\\{")
  foreach(line ${lines})
    string(REGEX REPLACE "^case_([a-z0-9_]+)\\(\\).*" "\\1" c "${line}")
    add_test(NAME fault.${c} COMMAND bash ${hv_fault_script} ${c})
    set_tests_properties(fault.${c} PROPERTIES
      TIMEOUT 180
      RUN_SERIAL TRUE
      SKIP_RETURN_CODE 77
      LABELS fault
      ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>")
  endforeach()
endif()
