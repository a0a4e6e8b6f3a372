# relay cases (tests/relay/cases.sh): --to, -e with many connections, unix
# sockets, --max-conns, --allow/--deny. POSIX only: the Windows side of
# relays is in tests/winrelay.cmake.
#
# HV_RELAY_PENDING: cases written ahead of the engine change they test
# (issue 23 items 1-3: backend connects that never block the loop, -i/-q
# with -e, descriptor shortage as back-pressure). Today's tools fail them,
# so ctest does not run them yet (-DHV_RELAY_RUN_PENDING=ON registers them
# too, to work on the change). Take a name out of the list when its change
# lands.
set(HV_RELAY_PENDING
  to_unix_backlog_full to_unix_backlog_full_nowait to_tcp_backlog_full
  exec_idle_frees_slots exec_quit to_emfile_backpressure)
option(HV_RELAY_RUN_PENDING "Also run the relay cases of HV_RELAY_PENDING" OFF)
if(NOT WIN32)
  hv_script_cases(hv_relay_cases ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh)
  if(NOT HV_RELAY_RUN_PENDING)
    list(REMOVE_ITEM hv_relay_cases ${HV_RELAY_PENDING})
  endif()
  hv_script_tests(relay ${CMAKE_CURRENT_SOURCE_DIR}/relay/cases.sh
    CASES ${hv_relay_cases} TIMEOUT 300
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_EMU=${HV_EMU})
endif()
