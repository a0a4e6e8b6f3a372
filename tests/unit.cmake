# Unit cases of the portable core (run natively and under wine).
hv_add_unit(core ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_core.c)
# the rule book of a relayed pair (lib/rules.c), a table of transitions
hv_add_unit(rules ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_rules.c)
# the readiness-message reader of hvlisten --ready (lib/ready.c)
hv_add_unit(ready ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_ready.c)
if(NOT WIN32)
  # the POSIX relay's waits (epoll, or poll in the sanitizer build)
  hv_add_unit(poller ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_poller.c)
endif()
# the escape of a raw terminal session (lib/escape.c: hvcat --raw's ~.)
hv_add_unit(escape ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_escape.c)
