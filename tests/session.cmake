# session cases (tests/session/cases.sh): --wait, -z, -i, -q, --send-only,
# --recv-only, --progress over TCP loopback, natively and under Wine.
hv_script_cases(hv_session_cases ${CMAKE_CURRENT_SOURCE_DIR}/session/cases.sh)
hv_script_tests(session ${CMAKE_CURRENT_SOURCE_DIR}/session/cases.sh
  CASES ${hv_session_cases} TIMEOUT 300
  ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
      HV_EMU=${HV_EMU})
