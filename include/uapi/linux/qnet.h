/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * qnet: a network stack for quantum links.
 *
 * This header is the whole contract between the qnet module and userspace:
 * the socket family, its addresses, the request and pair records, the
 * generic netlink family and the on-wire header of the classical control
 * plane.
 */
#ifndef _UAPI_LINUX_QNET_H
#define _UAPI_LINUX_QNET_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * AF_QNET is out of tree, so it has to borrow a slot below AF_MAX (46 on
 * 6.1): sock_register() rejects anything >= NPROTO. Slot 18 is AF_ASH,
 * which <linux/socket.h> has reserved since 2.2 but which no mainline
 * kernel has ever registered a socket family for, so no distribution
 * module can be sitting in it. The module parameter "family" moves qnet to
 * another slot; userspace reads the number in use from
 * /sys/module/qnet/parameters/family (libqnet does this for you).
 */
#define AF_QNET_DEFAULT		18
#ifndef AF_QNET
#define AF_QNET			AF_QNET_DEFAULT
#endif
#define PF_QNET			AF_QNET

#define QNET_FAMILY_SYSFS	"/sys/module/qnet/parameters/family"

/* Node addresses are 32 bits; 0 is "any" and is never a node's address. */
#define QNET_ADDR_ANY		0U

struct sockaddr_qnet {
	__kernel_sa_family_t	sq_family;	/* AF_QNET */
	__u16			sq_port;	/* host byte order */
	__u32			sq_node;	/* node address, host order */
	__u8			sq_zero[8];	/* must be zero */
};

#endif /* _UAPI_LINUX_QNET_H */
