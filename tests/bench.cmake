# The benchmark's helper programs (tests/vm/bench): raw vsock
# sender/receiver and the levers (braw), a plain C relay (brelay), an echo
# server and TCP sink (becho), the latency driver (bping), many connections
# (bmany) and a guest-clock timer (btime). They run inside the vm guest, so
# they are linked statically into BUILD/vm/benchbin. Not tests: nothing here
# adds a ctest case. `cmake --build BUILD --target vm-bench` runs the bench.
# (not in a sanitized build: no static tools there, see tests/vm.cmake)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT WIN32 AND NOT CMAKE_CROSSCOMPILING
   AND NOT HV_SANITIZE)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_LINK_OPTIONS -static)
  check_c_source_compiles("int main(void) { return 0; }" HV_BENCH_CAN_LINK_STATIC)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  find_package(Threads)
  if(HV_BENCH_CAN_LINK_STATIC AND Threads_FOUND)
    set(hv_bench_src ${CMAKE_CURRENT_SOURCE_DIR}/vm/benchsrc)
    foreach(prog braw brelay becho bping bmany btime)
      add_executable(bench_${prog} ${hv_bench_src}/${prog}.c ${hv_bench_src}/bench.c)
      target_link_libraries(bench_${prog} PRIVATE Threads::Threads)
      target_link_options(bench_${prog} PRIVATE -static)
      set_target_properties(bench_${prog} PROPERTIES
        OUTPUT_NAME ${prog} RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/vm/benchbin)
    endforeach()
    # hvcat_vm and hvlisten_vm: the static tools that tests/vm.cmake adds
    if(TARGET hvcat AND TARGET hvlisten)
      add_custom_target(vm-bench
        COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/vm/bench
                --tools ${CMAKE_BINARY_DIR}/vm/bin
                --bin ${CMAKE_BINARY_DIR}/vm/benchbin
                --cache ${CMAKE_BINARY_DIR}/vm/cache
        USES_TERMINAL)
      add_dependencies(vm-bench hvcat_vm hvlisten_vm bench_braw bench_brelay
                       bench_becho bench_bping bench_bmany bench_btime)
    endif()
  endif()
endif()
