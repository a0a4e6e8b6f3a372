/* diag_mods.c: the names of the vsock modules the Linux hints name, by
 * enum hv_vsock_mod (hvsock_int.h). diag.c words its hints with them and
 * diag_posix.c looks them up below /sys/module; kept below both so that
 * the facts' reader does not call the rules back. */
#include "platform.h"

const char *const hv_vsock_mod_names[HV_MOD_COUNT] = {
    "vsock", "hv_sock", "vmw_vsock_virtio_transport",
    "vmw_vsock_vmci_transport", "vsock_loopback"};
