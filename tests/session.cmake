# session cases (tests/session/cases.sh): --wait, -z, -i, -q, send-only,
# recv-only, --progress over TCP loopback, natively and under Wine.
# Case names are the script's case_NAME functions.
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/session/cases.sh hv_session_lines
     REGEX "^case_[a-z0-9_]+\\(\\) *\\{")
foreach(line ${hv_session_lines})
  string(REGEX REPLACE "^case_([a-z0-9_]+)\\(\\).*" "\\1" c "${line}")
  add_test(NAME session.${c}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/session/cases.sh ${c})
  set_tests_properties(session.${c} PROPERTIES
    TIMEOUT 300
    SKIP_RETURN_CODE 77
    ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_EMU=${HV_EMU}")
endforeach()
