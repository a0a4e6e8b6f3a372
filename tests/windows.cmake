# Windows: the SOCKADDR_HV bytes (checked on every platform), and cases that
# only mean something on Windows or under Wine (tests/windows/cases.sh).
hv_add_unit(wire ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_wire.c)

if(WIN32)
  # the same bytes against the SDK's own struct and GUIDs
  hv_add_unit(wire_win ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_wire_win.c)

  set(hv_win_cases hyperv_unavailable timeout_limit unicode_args binary_stdio
                   stdout_closed fdpass_refused max_conns_bound uid_refused)
  foreach(c ${hv_win_cases})
    add_test(NAME win.${c}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/windows/cases.sh ${c})
    set_tests_properties(win.${c} PROPERTIES
      TIMEOUT 120
      SKIP_RETURN_CODE 77
      ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_EMU=${HV_EMU}")
  endforeach()

  # how a session ends: stdout let go of with the connection,
  # the gone peer, one client per listener without -k, 69 where nothing
  # listens; over TCP and named pipes, each tool's stdout a pipe that
  # pipesrv (winrelay.cmake) reads
  hv_script_cases(hv_winend_cases ${CMAKE_CURRENT_SOURCE_DIR}/windows/end_cases.sh)
  hv_script_tests(winend ${CMAKE_CURRENT_SOURCE_DIR}/windows/end_cases.sh
    CASES ${hv_winend_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_PIPESRV=$<TARGET_FILE:hv_pipesrv> HV_EMU=${HV_EMU})

  # idle means asleep: wakeups of a waiting listener
  # counted from its threads' context switches, a command's end reported
  # at once, a pipe stdout's reader leaving
  hv_script_cases(hv_winidle_cases ${CMAKE_CURRENT_SOURCE_DIR}/windows/idle_cases.sh)
  hv_script_tests(winidle ${CMAKE_CURRENT_SOURCE_DIR}/windows/idle_cases.sh
    CASES ${hv_winidle_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_PIPESRV=$<TARGET_FILE:hv_pipesrv> HV_EMU=${HV_EMU})

  # Ctrl+C (a SIGINT under Wine) ends a tool at once with 130: during a
  # connect that waits, and when its parent had Ctrl+C ignored
  hv_script_cases(hv_winstop_cases ${CMAKE_CURRENT_SOURCE_DIR}/windows/stop_cases.sh)
  hv_script_tests(winstop ${CMAKE_CURRENT_SOURCE_DIR}/windows/stop_cases.sh
    CASES ${hv_winstop_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
        HV_PIPESRV=$<TARGET_FILE:hv_pipesrv> HV_EMU=${HV_EMU})
endif()

# Cross-OS e2e: the e2e cases with one side the Windows build under Wine and
# the other a natively built Linux tool, both ways round, over TCP loopback.
# scripts/test-windows.sh builds the Linux tools and passes their directory.
set(HV_LINUX_TOOLS "" CACHE PATH
    "directory with natively built hvcat and hvlisten (cross-OS e2e peers)")
if(WIN32 AND HV_EMU AND HV_LINUX_TOOLS)
  set(hv_xos_cases transfer64m halfclose_client_first halfclose_server_first
      keep_open peer_killed_reset peer_killed_eof stdout_closed exec_echo
      exec_keep_concurrent exec_relay)
  foreach(c ${hv_xos_cases})
    foreach(side client server)
      if(side STREQUAL client)
        # Windows connects, Linux listens
        set(peer "HV_SERVER=${HV_LINUX_TOOLS}/hvlisten")
      else()
        set(peer "HV_CLIENT=${HV_LINUX_TOOLS}/hvcat")
      endif()
      # Wine 8's server can leak a killed process's pending socket poll and
      # with it the connection (about 1 run in 15): the Linux listener then
      # never sees the end. A Wine defect, not ours: skip that variant.
      if(c STREQUAL "peer_killed_eof" AND side STREQUAL "client")
        continue()
      endif()
      add_test(NAME e2e_xos.${c}.win_${side}
               COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/cases.sh ${c})
      set_tests_properties(e2e_xos.${c}.win_${side} PROPERTIES
        TIMEOUT 300
        RUN_SERIAL TRUE
        ENVIRONMENT "HVCAT=$<TARGET_FILE:hvcat>;HVLISTEN=$<TARGET_FILE:hvlisten>;HV_EMU=${HV_EMU};HV_PLATFORM=${HV_PLATFORM};${peer}")
    endforeach()
  endforeach()
endif()
