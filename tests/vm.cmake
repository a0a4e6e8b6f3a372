# vm cases: hvcat and hvlisten over real AF_VSOCK (vsock_loopback, CID 1)
# inside a qemu guest booted per case (tests/vm/run.sh; README "vm tests").
# The guest needs the tools linked statically: hvcat and hvlisten are built a
# second time with -static into BUILD/vm/bin from the same sources. Without
# qemu, busybox or a downloadable kernel the cases are skipped, unless
# HV_VM_REQUIRED=1 in the environment (CI), which makes that a failure.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT WIN32 AND NOT CMAKE_CROSSCOMPILING
   AND TARGET hvcat AND TARGET hvlisten)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_LINK_OPTIONS -static)
  check_c_source_compiles("int main(void) { return 0; }" HV_CAN_LINK_STATIC)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)

  set(hv_vm_bin ${CMAKE_BINARY_DIR}/vm/bin)
  set(hv_vm_tools "")
  if(HV_CAN_LINK_STATIC)
    foreach(tool hvcat hvlisten)
      # the tool's own sources and libraries, so this copy follows tools/
      get_target_property(srcs ${tool} SOURCES)
      get_target_property(sdir ${tool} SOURCE_DIR)
      get_target_property(libs ${tool} LINK_LIBRARIES)
      set(abs "")
      foreach(s ${srcs})
        if(IS_ABSOLUTE "${s}")
          list(APPEND abs "${s}")
        else()
          list(APPEND abs "${sdir}/${s}")
        endif()
      endforeach()
      add_executable(${tool}_vm ${abs})
      target_link_libraries(${tool}_vm PRIVATE ${libs})
      target_link_options(${tool}_vm PRIVATE -static)
      set_target_properties(${tool}_vm PROPERTIES
        OUTPUT_NAME ${tool} RUNTIME_OUTPUT_DIRECTORY ${hv_vm_bin})
    endforeach()
    # the soak's data: a deterministic stream, made and checked in the guest
    add_executable(hvgen_vm ${CMAKE_CURRENT_SOURCE_DIR}/vm/hvgen.c)
    target_link_options(hvgen_vm PRIVATE -static)
    set_target_properties(hvgen_vm PROPERTIES
      OUTPUT_NAME hvgen RUNTIME_OUTPUT_DIRECTORY ${hv_vm_bin})
    # vm.systemd's stand-in for systemd's socket activation
    add_executable(sdlaunch_vm ${CMAKE_CURRENT_SOURCE_DIR}/systemd/sdlaunch.c)
    target_link_options(sdlaunch_vm PRIVATE -static)
    set_target_properties(sdlaunch_vm PROPERTIES
      OUTPUT_NAME sdlaunch RUNTIME_OUTPUT_DIRECTORY ${hv_vm_bin})
    # the hybrid vsock cases' stand-in for a VMM (tests/hybrid/hvmux.c)
    add_executable(hvmux_vm ${CMAKE_CURRENT_SOURCE_DIR}/hybrid/hvmux.c)
    target_link_options(hvmux_vm PRIVATE -static)
    set_target_properties(hvmux_vm PROPERTIES
      OUTPUT_NAME hvmux RUNTIME_OUTPUT_DIRECTORY ${hv_vm_bin})
  endif()

  # case name, then qemu's time limit in seconds (TCG is slow; the ctest
  # TIMEOUT adds a minute for the kernel download and the initramfs)
  set(hv_vm_cases
    transfer64m 840
    halfclose.client_first 420
    halfclose.server_first 420
    no_shutdown 420
    refused 180
    hint_refused 180
    hint_loopback 180
    socat.client 420
    socat.server 420
    relay 600
    filter_cid 300
    session 300
    fault 300
    pipe_reader 300
    gone_peer 300
    second_client 300
    any_port 300
    systemd 420
    ready 300
    hybrid.transfer64m 1200
    hybrid.halfclose 420
    hybrid.handshake 300
    hybrid.relay 600
    pty 300
    soak 1800)
  while(hv_vm_cases)
    list(POP_FRONT hv_vm_cases c limit)
    math(EXPR t "${limit} + 60")
    if(HV_CAN_LINK_STATIC)
      add_test(NAME vm.${c}
               COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/vm/run.sh
                       --tools ${hv_vm_bin} --cache ${CMAKE_BINARY_DIR}/vm/cache
                       --timeout ${limit} ${c})
    else()
      # no static libc here: the guest cannot run the tools
      add_test(NAME vm.${c}
               COMMAND sh -c "echo 'no static libc (Debian: libc6-dev)' >&2; [ \"$HV_VM_REQUIRED\" = 1 ] && exit 1; exit 77")
    endif()
    # the soak runs once in CI, on its own (ctest -L soak)
    if(c STREQUAL "soak")
      set(labels "vm;soak")
    else()
      set(labels vm)
    endif()
    set_tests_properties(vm.${c} PROPERTIES
      TIMEOUT ${t}
      SKIP_RETURN_CODE 77
      LABELS "${labels}")
  endwhile()
endif()
