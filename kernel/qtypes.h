/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qtypes.h - the only types the qnet physics core (qmath.c, qstate.c,
 * qlinkmodel.c) uses, so that the same files build inside qnet.ko and in the
 * userspace unit tests and model tool.
 *
 * In the kernel they come from <linux/types.h>; in userspace from the C
 * library's fixed-width integer and bool headers. Nothing else from either
 * side is included by the core.
 */
#ifndef _QNET_QTYPES_H
#define _QNET_QTYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

#endif /* _QNET_QTYPES_H */
