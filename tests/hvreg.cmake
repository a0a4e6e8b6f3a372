# hvreg: unit cases of the portable half (built-in table, GUID case, the
# script writers' escaping) and the tool's cases (tests/hvreg/cases.sh):
# export output byte-compared with tests/hvreg/expected everywhere; the
# registry subcommands answering 69 off Windows; the scripts imported by
# Wine's own reg/cmd (skipped where wine is missing); and, in the Windows
# build, every subcommand against Wine's registry, cross-checked with reg.
hv_add_unit(reg ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_reg.c)

if(TARGET hvreg)
  set(hvreg_cases
      golden_reg_ascii golden_reg_uni golden_reg_remove
      golden_ps1_ascii golden_ps1_uni golden_ps1_remove
      golden_cmd_ascii golden_cmd_uni golden_cmd_remove
      golden_output_file golden_random_guid
      ps1_ascii ps1_uni ps1_quotes_only
      cli_help cli_usage cli_operands)
  # cases that touch a Wine registry: one at a time
  set(hvreg_wine_cases wine_reg_ascii wine_reg_uni wine_cmd_ascii wine_cmd_uni)
  if(WIN32)
    list(APPEND hvreg_wine_cases
         win_add_show_remove win_random_guid win_idempotent win_conflict
         win_ambiguous win_builtin win_json win_case_extra
         win_unicode_roundtrip win_service_name win_access_denied)
    # takes write access to the key away (Wine runs everything elevated)
    add_executable(hvreg_regdeny ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/regdeny.c)
    target_link_libraries(hvreg_regdeny PRIVATE advapi32)
    set(hvreg_regdeny "$<TARGET_FILE:hvreg_regdeny>")
  else()
    list(APPEND hvreg_cases noreg_list noreg_show noreg_add noreg_remove)
  endif()
  set(hvreg_env
      "HVREG=$<TARGET_FILE:hvreg>;HVCAT=$<TARGET_FILE:hvcat>;HV_EMU=${HV_EMU};HV_PLATFORM=${HV_PLATFORM};HVREG_WORK=${CMAKE_CURRENT_BINARY_DIR}/hvreg-work;HVREG_REGDENY=${hvreg_regdeny}")
  foreach(c ${hvreg_cases} ${hvreg_wine_cases})
    add_test(NAME hvreg.${c}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh ${c})
    set_tests_properties(hvreg.${c} PROPERTIES
      TIMEOUT 180 SKIP_RETURN_CODE 77 ENVIRONMENT "${hvreg_env}")
  endforeach()
  foreach(c ${hvreg_wine_cases})
    set_tests_properties(hvreg.${c} PROPERTIES RESOURCE_LOCK hvreg_wine_registry)
  endforeach()
endif()
