// SPDX-License-Identifier: GPL-2.0
/*
 * The link layer's module init and exit: the qlink device kind
 * (device.c) and the ETH_P_QNET receive path (wire.c). A file of its own
 * so that the files below it do not call each other in a circle.
 */
#include "link.h"

/**
 * qlink_init() - register the qlink device kind and the qnet packet type
 *
 * Return: 0 or -errno.
 */
int qlink_init(void)
{
	int err;

	err = qlink_wire_init();
	if (err)
		return err;
	err = qlink_dev_register();
	if (err)
		qlink_wire_exit();
	return err;
}

/**
 * qlink_exit() - delete every qlink and unregister what qlink_init() did
 */
void qlink_exit(void)
{
	/* deletes every qlink and frees them before it returns */
	qlink_dev_unregister();
	qlink_wire_exit();
}
