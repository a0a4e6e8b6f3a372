/* hvsock_reg.h: service registration (hvreg). Included by hvsock.h. */
#ifndef HVSOCK_REG_H
#define HVSOCK_REG_H

#endif
