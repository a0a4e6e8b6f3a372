# Console text: how a Windows console's UTF-16 input becomes the UTF-8 with
# LF line ends that a pipe carries (lib/console.c). Portable, so it runs
# natively and under wine; the console reader itself (pump_win.c) needs a
# real console, which the tests do not have.
hv_add_unit(console ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_console.c)
