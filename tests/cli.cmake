# cli cases: exit codes and messages (tests/cli/cases.sh), natively and
# under wine for the Windows build.
set(hv_cli_cases help version bad_option missing_operands extra_operand
    bad_timeout bad_guid bad_port bad_vm closed_stdio)
foreach(c ${hv_cli_cases})
  add_test(NAME cli.${c}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cases.sh ${c})
  set_tests_properties(cli.${c} PROPERTIES
    TIMEOUT 120
    ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_EMU=${HV_EMU};HV_PLATFORM=${HV_PLATFORM}")
endforeach()
