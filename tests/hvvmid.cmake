# hvvmid: unit cases of the portable parsers (KVP pools, HCS JSON, WMI rows,
# wslhost command lines, JSON quoting) and the tool's cases (tests/hvvmid/
# cli.sh), natively and under Wine for the Windows build.
hv_add_unit(vmid ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_vmid.c)
target_compile_definitions(ut_vmid PRIVATE
  HV_VMID_DATA="${CMAKE_CURRENT_SOURCE_DIR}/hvvmid")

# cases about work that must not grow with the square of the input: the
# old code took seconds (about 5 s and 14 s natively), the new a fraction
set_tests_properties(unit.vmid.hcs_deep_nesting unit.vmid.merge_linear
                     PROPERTIES TIMEOUT 4)

# the case names from the script; those of one platform, or that need
# a helper, are named here and left out elsewhere
hv_script_cases(hv_vmid_cases ${CMAKE_CURRENT_SOURCE_DIR}/hvvmid/cli.sh)
set(hv_vmid_win_only self_registry wsl_windows names_in_tools wsl_process)
set(hv_vmid_posix_only self_wsl_env self_none wsl_posix)
list(REMOVE_ITEM hv_vmid_cases ${hv_vmid_win_only} ${hv_vmid_posix_only}
     keywords_cross)
if(WIN32)
  list(APPEND hv_vmid_cases self_registry wsl_windows names_in_tools)
else()
  list(APPEND hv_vmid_cases ${hv_vmid_posix_only})
endif()
if(WIN32)
  # a stand-in wslhost.exe whose command line --wsl reads
  add_executable(fake_wslhost ${CMAKE_CURRENT_SOURCE_DIR}/hvvmid/fake_wslhost.c)
  set_target_properties(fake_wslhost PROPERTIES OUTPUT_NAME wslhost
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fake_wslhost)
  list(APPEND hv_vmid_cases wsl_process)
  set(hv_fake_wslhost "$<TARGET_FILE:fake_wslhost>")
else()
  set(hv_fake_wslhost "")
endif()
# HV_OTHER_HVVMID: the other platform's hvvmid (a Linux build's for a
# Windows build, a Windows build's hvvmid.exe for a Linux build) for the
# keywords_cross case, which is skipped without it.
set(HV_OTHER_HVVMID "" CACHE FILEPATH
    "the other platform's hvvmid, to compare the keyword output")
# only where the other build is given (scripts/test-windows.sh gives the
# Windows build the Linux hvvmid): no case that could only ever skip
if(HV_OTHER_HVVMID)
  list(APPEND hv_vmid_cases keywords_cross)
endif()
hv_script_tests(hvvmid ${CMAKE_CURRENT_SOURCE_DIR}/hvvmid/cli.sh
  CASES ${hv_vmid_cases}
  ENV HVVMID=$<TARGET_FILE:hvvmid> HVCAT=$<TARGET_FILE:hvcat>
      HVLISTEN=$<TARGET_FILE:hvlisten> HV_EMU=${HV_EMU}
      HV_PLATFORM=${HV_PLATFORM} HV_DATA=${CMAKE_CURRENT_SOURCE_DIR}/hvvmid
      HV_OTHER_HVVMID=${HV_OTHER_HVVMID} HV_FAKE_WSLHOST=${hv_fake_wslhost}
  PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
# the registry case changes the prefix's HKLM: keep it apart
if(WIN32)
  set_tests_properties(hvvmid.self_registry hvvmid.wsl_process
                       hvvmid.wsl_windows hvvmid.names_in_tools
                       PROPERTIES RUN_SERIAL TRUE)
endif()
