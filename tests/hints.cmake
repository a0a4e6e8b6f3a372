# Hints under an error: the diagnosis's rules from facts set by
# hand (everywhere), the facts and hints of prepared Linux trees (POSIX),
# the Windows facts as the system gives them (Windows build, Wine),
# and the tools' hint lines (tests/hints/cases.sh): posix_* for the Linux
# build, win_* for the Windows build under Wine (AF_HYPERV missing, the
# registration warning, which touch Wine's registry one at a time). The
# guest's cases over real vsock are vm.hint_* (tests/vm.cmake).
hv_add_unit(hints ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_hints.c)
if(WIN32)
  # the Windows facts, read from the system (Wine's in the suite)
  hv_add_unit(hints_win ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_hints_win.c)
else()
  hv_add_unit(hints_tree ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_hints_tree.c)
endif()

hv_script_cases(hv_hints_all ${CMAKE_CURRENT_SOURCE_DIR}/hints/cases.sh)
set(hv_hints_cases ${hv_hints_all})
if(WIN32)
  list(FILTER hv_hints_cases INCLUDE REGEX "^win_")
else()
  list(FILTER hv_hints_cases INCLUDE REGEX "^posix_")
endif()
if(hv_hints_cases)
  hv_script_tests(hints ${CMAKE_CURRENT_SOURCE_DIR}/hints/cases.sh
    CASES ${hv_hints_cases}
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HVREG=$<TARGET_FILE:hvreg> HV_EMU=${HV_EMU}
    PROPERTIES RESOURCE_LOCK hvreg_wine_registry)
endif()
