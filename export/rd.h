/*
 * rd.h - the one bounds-checked reader for untrusted bytes.
 *
 * Every byte that comes from outside (captured frames, export datagrams)
 * is read through a struct rd.  The reader never forms a pointer past the
 * end of its buffer: each read compares the bytes remaining against the
 * bytes wanted.  Errors are sticky: after the first short read every later
 * read returns zero and rd_ok() stays false, so a decoder can read a whole
 * header and check once at the end.  Values come out in host byte order;
 * nothing is ever laid over the buffer as a struct.
 */
#ifndef FP_RD_H
#define FP_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;	/* next unread byte */
	size_t left;		/* bytes remaining from p */
	int err;		/* set once a read ran past the end */
};

static inline struct rd rd_make(const void *buf, size_t len)
{
	struct rd r = { (const uint8_t *)buf, buf ? len : 0, 0 };
	return r;
}

static inline int rd_ok(const struct rd *r) { return !r->err; }
static inline size_t rd_left(const struct rd *r) { return r->err ? 0 : r->left; }

/* Mark the reader failed when fewer than n bytes remain. */
static inline int rd_need(struct rd *r, size_t n)
{
	if (r->err || r->left < n) {
		r->err = 1;
		return 0;
	}
	return 1;
}

static inline uint8_t rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	uint8_t v = r->p[0];
	r->p += 1;
	r->left -= 1;
	return v;
}

static inline uint16_t rd_u16(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return v;
}

/* Little-endian 16 bits: flowcollect's flow files (collector/flowfile.h). */
static inline uint16_t rd_u16le(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[0] | r->p[1] << 8);
	r->p += 2;
	r->left -= 2;
	return v;
}

/* Little-endian 32 bits: BSD NULL loopback writes its address-family word
 * in the capturing host's order, which for most captures is little-endian. */
static inline uint32_t rd_u32le(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 |
		     (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4;
	r->left -= 4;
	return v;
}

static inline uint32_t rd_u32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
		     (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

static inline uint64_t rd_u64(struct rd *r)
{
	if (!rd_need(r, 8))
		return 0;
	uint64_t hi = rd_u32(r);
	return hi << 32 | rd_u32(r);
}

/* Copy n bytes out; on a short read the destination is zeroed. */
static inline void rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (!rd_need(r, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
}

static inline void rd_skip(struct rd *r, size_t n)
{
	if (!rd_need(r, n))
		return;
	r->p += n;
	r->left -= n;
}

/* Look at the next byte without consuming it. */
static inline uint8_t rd_peek_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return r->p[0];
}

/*
 * A child reader over the next n bytes, which the parent skips.  Used to
 * narrow parsing to an inner length (a set, a record, an IP datagram).
 * If fewer than n bytes remain, both parent and child are failed.
 */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
	struct rd c = { NULL, 0, 1 };
	if (!rd_need(r, n))
		return c;
	c.p = r->p;
	c.left = n;
	c.err = 0;
	r->p += n;
	r->left -= n;
	return c;
}

/* The rest of the buffer as a child; the parent ends empty. */
static inline struct rd rd_rest(struct rd *r)
{
	return rd_sub(r, rd_left(r));
}

#endif
