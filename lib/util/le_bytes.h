/* SPDX-License-Identifier: Apache-2.0 */
/*
 * le_bytes - little-endian integers in byte arrays, for postmask's binary
 * formats (the intake journal, the capture intake's requests): whatever
 * the host's byte order, the bytes on disk and on the wire are the same.
 */
#ifndef POSTMASK_LE_BYTES_H
#define POSTMASK_LE_BYTES_H

#include <stdint.h>

static inline void le_put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) v;
    p[1] = (unsigned char) (v >> 8);
    p[2] = (unsigned char) (v >> 16);
    p[3] = (unsigned char) (v >> 24);
}

static inline void le_put_u64(unsigned char *p, uint64_t v)
{
    le_put_u32(p, (uint32_t) v);
    le_put_u32(p + 4, (uint32_t) (v >> 32));
}

static inline uint32_t le_get_u32(const unsigned char *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
        | (uint32_t) p[3] << 24;
}

static inline uint64_t le_get_u64(const unsigned char *p)
{
    return (uint64_t) le_get_u32(p) | (uint64_t) le_get_u32(p + 4) << 32;
}

#endif
