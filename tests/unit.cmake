# Unit cases of the portable core (run natively and under wine).
hv_add_unit(core ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_core.c)
