# ssh cases (tests/ssh/cases.sh): hvcat --fdpass under OpenSSH's
# ProxyUseFdpass against a private sshd. POSIX only (no descriptor passing
# on Windows); skipped without OpenSSH unless HV_VM_REQUIRED=1.
if(NOT WIN32 AND TARGET hvcat AND TARGET hvlisten)
  hv_script_cases(hv_ssh_cases ${CMAKE_CURRENT_SOURCE_DIR}/ssh/cases.sh)
  hv_script_tests(ssh ${CMAKE_CURRENT_SOURCE_DIR}/ssh/cases.sh
    CASES ${hv_ssh_cases} TIMEOUT 120
    ENV HVCAT=$<TARGET_FILE:hvcat> HVLISTEN=$<TARGET_FILE:hvlisten>)
endif()
