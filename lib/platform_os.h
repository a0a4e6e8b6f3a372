/* platform_os.h: internal to libhvsock. The header of the platform being
 * built (platform_posix.h or platform_win.h), for a portable file that
 * reads a field every platform's struct has (hv_sock's hybrid_ok; a
 * stream's stdio, wkeep, cmd, gone, eof_closes, wfail_drains and
 * rst_unread, relay.c) or a test of the OS's own codes (HV__OS_*). Platform files include their own header instead. */
#ifndef HV_PLATFORM_OS_H
#define HV_PLATFORM_OS_H

#ifdef _WIN32
#include "platform_win.h"
#else
#include "platform_posix.h"
#endif

#endif
