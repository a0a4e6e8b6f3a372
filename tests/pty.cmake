# -e --pty and hvcat --raw (tests/pty/cases.sh): a command on a
# pseudo-terminal over TCP loopback and unix sockets, socat's pty beside
# it, and a real terminal through tmux for --raw.
hv_script_cases(hv_pty_cases ${CMAKE_CURRENT_SOURCE_DIR}/pty/cases.sh)
hv_script_tests(pty ${CMAKE_CURRENT_SOURCE_DIR}/pty/cases.sh
  CASES ${hv_pty_cases} TIMEOUT 120
  ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
      HV_EMU=${HV_EMU})
