# Files named by the user: hv_file_create (unit cases) and `hvreg export -o`
# with a non-ASCII name, a missing directory and a denied place
# (tests/file/cases.sh); natively and under wine. Also the generic mapping
# of "address family not supported" (unit).
hv_add_unit(file ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_file.c)

hv_script_cases(hv_file_cases ${CMAKE_CURRENT_SOURCE_DIR}/file/cases.sh)
hv_script_tests(file ${CMAKE_CURRENT_SOURCE_DIR}/file/cases.sh
  CASES ${hv_file_cases}
  ENV HVREG=$<TARGET_FILE:hvreg> HV_EMU=${HV_EMU})
if(WIN32)
  # the lock beside a Windows unix listener's socket file (file_win.c)
  hv_add_unit(file_win ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_file_win.c)
endif()
