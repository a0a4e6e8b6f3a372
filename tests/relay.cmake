# relay cases (tests/relay/cases.sh): --to, -e with many connections, unix
# sockets, --max-conns, --allow/--deny. POSIX only: the Windows side of
# relays is in tests/winrelay.cmake.

if(NOT WIN32)
  # a name server that answers late, as an LD_PRELOAD shim (relay/gaishim.c)
  add_library(hv_gaishim MODULE ${CMAKE_CURRENT_SOURCE_DIR}/relay/gaishim.c)
  target_link_libraries(hv_gaishim PRIVATE ${CMAKE_DL_LIBS})
  hv_script_cases(hv_relay_cases ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh)
  hv_script_tests(relay ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh
    CASES ${hv_relay_cases} TIMEOUT 300
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_EMU=${HV_EMU} HV_GAISHIM=$<TARGET_FILE:hv_gaishim>)
endif()
