# Windows system libraries of libhvsock, one line per need (included from
# lib/CMakeLists.txt for WIN32; ws2_32 is linked there already).
# console_win.c: CommandLineToArgvW
target_link_libraries(hvsock PUBLIC shell32)
# vmid_win.c: WMI through COM (ole32, oleaut32, wbemuuid), registry (advapi32)
target_link_libraries(hvsock PUBLIC ole32 oleaut32 wbemuuid advapi32)
# npipe_win.c: the pipe's DACL (advapi32: SDDL, the process token)
# reg_win.c: registry (advapi32); rand_win.c: rand_s from the CRT, nothing extra
target_link_libraries(hvsock PUBLIC advapi32)
