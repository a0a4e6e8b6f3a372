/* hvsock_vmid.h: VM ids (hvvmid). Included by hvsock.h. */
#ifndef HVSOCK_VMID_H
#define HVSOCK_VMID_H

#endif
