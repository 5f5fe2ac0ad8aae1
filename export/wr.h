/*
 * wr.h - a bounded writer for building wire bytes in network order.
 *
 * The mirror of rd.h: encoders put host-order values through it and never
 * cast a struct over the output buffer.  An overflow is sticky and leaves
 * the buffer untouched past its capacity.
 */
#ifndef FP_WR_H
#define FP_WR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

static inline struct wr wr_make(void *buf, size_t cap)
{
	struct wr w = { (uint8_t *)buf, cap, 0, 0 };
	return w;
}

static inline int wr_room(struct wr *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = 1;
		return 0;
	}
	return 1;
}

static inline void wr_u8(struct wr *w, uint8_t v)
{
	if (wr_room(w, 1))
		w->buf[w->len++] = v;
}

static inline void wr_u16(struct wr *w, uint16_t v)
{
	if (!wr_room(w, 2))
		return;
	w->buf[w->len++] = (uint8_t)(v >> 8);
	w->buf[w->len++] = (uint8_t)v;
}

static inline void wr_u32(struct wr *w, uint32_t v)
{
	if (!wr_room(w, 4))
		return;
	w->buf[w->len++] = (uint8_t)(v >> 24);
	w->buf[w->len++] = (uint8_t)(v >> 16);
	w->buf[w->len++] = (uint8_t)(v >> 8);
	w->buf[w->len++] = (uint8_t)v;
}

static inline void wr_u64(struct wr *w, uint64_t v)
{
	wr_u32(w, (uint32_t)(v >> 32));
	wr_u32(w, (uint32_t)v);
}

static inline void wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (!wr_room(w, n))
		return;
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static inline void wr_zero(struct wr *w, size_t n)
{
	if (!wr_room(w, n))
		return;
	memset(w->buf + w->len, 0, n);
	w->len += n;
}

/*
 * A whole record at once: wr_reserve checks for n bytes and hands them
 * over, and the put_* helpers fill them, each returning the byte after.
 * One check a record instead of one a field, and stores the compiler
 * can keep in registers (a store through w->buf could alias w itself).
 */
static inline uint8_t *wr_reserve(struct wr *w, size_t n)
{
	if (!wr_room(w, n))
		return NULL;
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

static inline uint8_t *put_u8(uint8_t *p, uint8_t v)
{
	p[0] = v;
	return p + 1;
}

static inline uint8_t *put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static inline uint8_t *put_zero(uint8_t *p, size_t n)
{
	memset(p, 0, n);
	return p + n;
}

/* Overwrite a 16-bit field already written at offset off (lengths, counts
 * that are known only once the body is complete). */
static inline void wr_patch_u16(struct wr *w, size_t off, uint16_t v)
{
	if (w->err || off + 2 > w->len)
		return;
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

#endif
