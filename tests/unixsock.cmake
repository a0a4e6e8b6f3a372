# unixsock cases (tests/unixsock/cases.sh): the socket
# file of hvlisten -U, its mode, its lock and its messages. Linux only (the
# POSIX listener: Wine, where the Windows one would run, has no AF_UNIX).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND TARGET hvcat AND TARGET hvlisten)
  hv_script_cases(hv_unixsock_cases ${CMAKE_CURRENT_SOURCE_DIR}/unixsock/cases.sh)
  hv_script_tests(unixsock ${CMAKE_CURRENT_SOURCE_DIR}/unixsock/cases.sh
    CASES ${hv_unixsock_cases} TIMEOUT 300
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>)
endif()
