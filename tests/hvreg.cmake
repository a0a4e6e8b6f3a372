# hvreg: unit cases of the portable half (built-in table, GUID case, the
# script writers' escaping) and the tool's cases (tests/hvreg/cases.sh):
# export output byte-compared with tests/hvreg/expected everywhere; the
# registry subcommands answering 69 off Windows; the scripts imported by
# Wine's own reg/cmd (skipped where wine is missing); and, in the Windows
# build, every subcommand against Wine's registry, cross-checked with reg.
hv_add_unit(reg ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_reg.c)

# the case names from the script; by prefix: wine_* touch a Wine
# registry (one at a time), win_* are for the Windows build only (its
# registry is Wine's), noreg_* and posix_* for the others (no registry; a
# pty, a file size limit)
hv_script_cases(hvreg_all ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh)
set(hvreg_cases ${hvreg_all})
list(FILTER hvreg_cases EXCLUDE REGEX "^(wine|win|noreg|posix|wineserver)_")
set(hvreg_wine_cases ${hvreg_all})
list(FILTER hvreg_wine_cases INCLUDE REGEX "^wine_")
set(hvreg_win_cases ${hvreg_all})
list(FILTER hvreg_win_cases INCLUDE REGEX "^win_")
set(hvreg_noreg_cases ${hvreg_all})
list(FILTER hvreg_noreg_cases INCLUDE REGEX "^(noreg|posix)_")
if(WIN32)
  list(APPEND hvreg_wine_cases ${hvreg_win_cases})
  # takes write access to the key away (Wine runs everything elevated)
  add_executable(hvreg_regdeny ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/regdeny.c)
  target_link_libraries(hvreg_regdeny PRIVATE advapi32)
  set(hvreg_regdeny "$<TARGET_FILE:hvreg_regdeny>")
  # stands in for reg.exe: a listing that cannot be run
  add_executable(hvreg_regshim ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/regshim.c)
  target_link_libraries(hvreg_regshim PRIVATE shell32)
  set(hvreg_regshim "$<TARGET_FILE:hvreg_regshim>")
else()
  list(APPEND hvreg_cases ${hvreg_noreg_cases})
endif()
# the PowerShell parser of the docs tests (HV_NODE, HV_PS_PARSER_DIR of
# tests/docs.cmake, included before this file) checks the exported .ps1
# scripts (case ps1_syntax skips without it)
set(hvreg_node "")
if(HV_NODE)
  set(hvreg_node ${HV_NODE})
endif()
set(hvreg_env
    HVREG=$<TARGET_FILE:hvreg> HVCAT=$<TARGET_FILE:hvcat> HV_EMU=${HV_EMU}
    HV_PLATFORM=${HV_PLATFORM}
    HVREG_WORK=${CMAKE_CURRENT_BINARY_DIR}/hvreg-work
    HVREG_REGDENY=${hvreg_regdeny} HVREG_REGSHIM=${hvreg_regshim}
    HV_NODE=${hvreg_node} HV_PS_PARSER_DIR=${HV_PS_PARSER_DIR})
hv_script_tests(hvreg ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh
  CASES ${hvreg_cases} TIMEOUT 180 ENV ${hvreg_env})
if(WIN32)
  # the Windows suite's Wine server is tests/wine-env.sh's
  hv_script_tests(hvreg ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh
    CASES ${hvreg_wine_cases} TIMEOUT 180 ENV ${hvreg_env}
    PROPERTIES RESOURCE_LOCK hvreg_wine_registry)
else()
  # one fresh prefix and one persistent Wine server for the wine_* cases,
  # started before the first and stopped after the last
  hv_script_tests(hvreg ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh
    CASES ${hvreg_wine_cases} TIMEOUT 180 ENV ${hvreg_env}
    PROPERTIES RESOURCE_LOCK hvreg_wine_registry FIXTURES_REQUIRED hvreg_wine)
  hv_script_tests(hvreg ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh
    CASES wineserver_start TIMEOUT 180 ENV ${hvreg_env}
    PROPERTIES RESOURCE_LOCK hvreg_wine_registry FIXTURES_SETUP hvreg_wine)
  hv_script_tests(hvreg ${CMAKE_CURRENT_SOURCE_DIR}/hvreg/cases.sh
    CASES wineserver_stop TIMEOUT 60 ENV ${hvreg_env}
    PROPERTIES RESOURCE_LOCK hvreg_wine_registry FIXTURES_CLEANUP hvreg_wine)
endif()
