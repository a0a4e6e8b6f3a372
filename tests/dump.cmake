# dump cases (tests/dump/cases.sh): -o and -x of hvcat and hvlisten over
# TCP loopback, golden files in tests/dump/. The Linux build, and the
# Windows build under Wine.
if(TARGET hvcat AND TARGET hvlisten)
  hv_script_cases(hv_dump_cases ${CMAKE_CURRENT_SOURCE_DIR}/dump/cases.sh)
  hv_script_tests(dump ${CMAKE_CURRENT_SOURCE_DIR}/dump/cases.sh
    CASES ${hv_dump_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_EMU=${HV_EMU})
endif()
