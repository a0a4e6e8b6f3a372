# pipe cases (tests/pipe/cases.sh): each tool's stdout a pipe read
# by a separate process, the data within 1 s; stdout let go of with the
# connection; the gone peer; one connection per listener without -k; exit
# 69 where nothing listens. Over TCP and unix sockets; ncat, socat and
# nc.openbsd, where installed, in the same scenarios (their times and ours
# in the log). Under Wine the TCP cases (unix sockets and the peers skip).
hv_script_cases(hv_pipe_cases ${CMAKE_CURRENT_SOURCE_DIR}/pipe/cases.sh)
hv_script_tests(pipe ${CMAKE_CURRENT_SOURCE_DIR}/pipe/cases.sh
  CASES ${hv_pipe_cases} TIMEOUT 180
  ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>
      HV_EMU=${HV_EMU})
