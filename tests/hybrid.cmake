# hybrid vsock (lib/hybrid.c): the unit cases of its portable half (also
# under wine), and the cases of tests/hybrid/cases.sh against hvmux, a
# muxer written from the VMMs' documentation (tests/hybrid/hvmux.c) that
# bridges to TCP loopback here (the vm cases bridge to real vsock).
# The Windows build's cases (tests/hybrid/win_cases.sh): what Wine, which
# has no AF_UNIX, can show.
hv_add_unit(hybrid ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_hybrid.c)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND TARGET hvcat AND TARGET hvlisten)
  add_executable(hvmux ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/hvmux.c)
  hv_script_cases(hv_hybrid_cases ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/cases.sh)
  hv_script_tests(hybrid ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/cases.sh
    CASES ${hv_hybrid_cases} TIMEOUT 300
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HVMUX=$<TARGET_FILE:hvmux>)
endif()
if(WIN32 AND TARGET hvcat AND TARGET hvlisten)
  hv_script_cases(hv_hybrid_win_cases ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/win_cases.sh)
  hv_script_tests(winhybrid ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/win_cases.sh
    CASES ${hv_hybrid_win_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten> HV_EMU=${HV_EMU})
endif()
