# Unit cases of the portable core (run natively and under wine).
hv_add_unit(core ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_core.c)
# the rule book of a relayed pair (lib/rules.c), a table of transitions
hv_add_unit(rules ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_rules.c)
# what the rule book learns of a pair's ends from its streams' properties
# (lib/relay.c: hv__relay_ends, both engines)
hv_add_unit(ends ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_ends.c)
# the readiness-message reader of hvlisten --ready (lib/ready.c)
hv_add_unit(ready ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_ready.c)
# the rules of hvlisten's Windows service (lib/service.c)
hv_add_unit(service ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_service.c)
if(NOT WIN32)
  # the POSIX relay's waits (epoll, or poll in the sanitizer build)
  hv_add_unit(poller ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_poller.c)
  # a command that never got its connection is ended (spawn_posix.c)
  hv_add_unit(spawn ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_spawn_posix.c)
  # the POSIX streams' properties, which the relay engine asks
  hv_add_unit(stream ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_stream.c)
endif()
# the traffic dump's text and sink (lib/dump.c)
hv_add_unit(dump ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dump.c)
# the escape of a raw terminal session (lib/escape.c: hvcat --raw's ~.)
hv_add_unit(escape ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_escape.c)
# the terminal control protocol's frames (lib/termctl.c: --term-control)
hv_add_unit(termctl ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_termctl.c)
# the tools' escaper of shown text and way out (tools/cli.c: cli_shown,
# cli_write)
hv_add_unit(cli ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_cli.c
            ${PROJECT_SOURCE_DIR}/tools/cli.c)
target_include_directories(ut_cli PRIVATE ${PROJECT_SOURCE_DIR}/tools)
if(MSVC)
  # cli.c's getopt_long (the target is seen here only once included here:
  # a found one is imported per directory)
  include(${PROJECT_SOURCE_DIR}/cmake/wingetopt.cmake)
  target_link_libraries(ut_cli PRIVATE wingetopt::wingetopt)
endif()
