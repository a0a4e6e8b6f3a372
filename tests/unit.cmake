# Unit cases of the portable core (run natively and under wine).
hv_add_unit(core ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_core.c)
if(NOT WIN32)
  # the POSIX relay's waits (epoll, or poll in the sanitizer build)
  hv_add_unit(poller ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_poller.c)
endif()
