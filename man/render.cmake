# cmake -DMANDOC=... -DIN=page -DOUT=file -DARGS=-Tx;-Oy -P render.cmake
# Renders one page with mandoc into OUT (no shell redirection needed, so any
# generator and build host will do); a mandoc error fails the build.
execute_process(COMMAND ${MANDOC} ${ARGS} ${IN}
                OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "mandoc ${ARGS} ${IN} failed: ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
