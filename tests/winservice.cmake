# Windows services (hvlisten --install-service, --service, --remove-service)
# under Wine's service control manager: tests/windows/service_cases.sh,
# one ctest entry per "case_NAME() {" function. Each case boots its own
# Wine prefix (about 15 s). The portable rules are unit.service.*.
if(WIN32)
  # the command line read back by CommandLineToArgvW itself
  hv_add_unit(service_win ${CMAKE_CURRENT_SOURCE_DIR}/windows/test_service_win.c)
  target_link_libraries(ut_service_win PRIVATE shell32)
  # and hvlisten's message table (tools/eventmsg.rc), read by FormatMessage
  enable_language(RC)
  target_sources(ut_service_win PRIVATE ${PROJECT_SOURCE_DIR}/tools/eventmsg.rc)
  hv_script_cases(hv_winservice_cases
                  ${CMAKE_CURRENT_SOURCE_DIR}/windows/service_cases.sh)
  hv_script_tests(winservice ${CMAKE_CURRENT_SOURCE_DIR}/windows/service_cases.sh
    CASES ${hv_winservice_cases}
    TIMEOUT 240
    ENV HVLISTEN=$<TARGET_FILE:hvlisten> HVCAT=$<TARGET_FILE:hvcat>
        HV_EMU=${HV_EMU})
endif()
