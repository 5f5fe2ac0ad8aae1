/*
 * outbuf.h - an append-only text buffer in front of a FILE, for the sinks'
 * rows: strings, characters, unsigned decimals and space-padded fields,
 * converted by hand, where fprintf parsed its format on every flow.
 *
 * The buffer never overflows: an append that does not fit first writes
 * what is held to the FILE.  A sink builds a row in one on its stack and
 * flushes it at the row's end, one fwrite a row; keeping every byte on its
 * way through the same FILE keeps rows of several sinks on one stream in
 * the order they were made.  Only the collector's one thread writes them:
 * stdio's locking is skipped (fwrite_unlocked).
 */
#ifndef FP_OUTBUF_H
#define FP_OUTBUF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OUTBUF_CAP 1024		/* a CSV row is at most ~800 bytes */

struct outbuf {
	FILE *out;
	size_t len;
	char buf[OUTBUF_CAP];
};

static inline void ob_init(struct outbuf *ob, FILE *out)
{
	ob->out = out;
	ob->len = 0;
}

static inline void ob_flush(struct outbuf *ob)
{
	if (ob->len)
		fwrite_unlocked(ob->buf, 1, ob->len, ob->out);
	ob->len = 0;
}

/* Room for n more bytes (n <= OUTBUF_CAP): where they go.  A formatter
 * can write there directly, then add what it wrote to len, sparing a
 * copy: ob->len += fmt_x(ob_room(ob, FMT_X_LEN), ...). */
static inline char *ob_room(struct outbuf *ob, size_t n)
{
	if (OUTBUF_CAP - ob->len < n)
		ob_flush(ob);
	return ob->buf + ob->len;
}

static inline void ob_mem(struct outbuf *ob, const char *s, size_t n)
{
	if (n > OUTBUF_CAP) {
		ob_flush(ob);
		fwrite_unlocked(s, 1, n, ob->out);
		return;
	}
	memcpy(ob_room(ob, n), s, n);
	ob->len += n;
}

/* A string literal, its length known at compile time. */
#define ob_lit(ob, s) ob_mem((ob), "" s, sizeof(s) - 1)

static inline void ob_char(struct outbuf *ob, char c)
{
	*ob_room(ob, 1) = c;
	ob->len++;
}

static inline void ob_spaces(struct outbuf *ob, size_t n)
{
	while (n > 0) {
		size_t k = n < OUTBUF_CAP ? n : OUTBUF_CAP;
		memset(ob_room(ob, k), ' ', k);
		ob->len += k;
		n -= k;
	}
}

/* printf's "%*s": s right-aligned in at least width columns. */
static inline void ob_right(struct outbuf *ob, const char *s, size_t n, size_t width)
{
	if (n < width)
		ob_spaces(ob, width - n);
	ob_mem(ob, s, n);
}

/* printf's "%-*s": s left-aligned in at least width columns. */
static inline void ob_left(struct outbuf *ob, const char *s, size_t n, size_t width)
{
	ob_mem(ob, s, n);
	if (n < width)
		ob_spaces(ob, width - n);
}

#define OB_U64_LEN 20		/* digits of UINT64_MAX */

/* v in decimal, written backwards so it ends just before end; returns its
 * length.  Two digits a division: half the divisions of one at a time. */
static inline size_t ob_dec(char *end, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char *p = end;
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (v >= 10) {
		*--p = pairs[v * 2 + 1];
		*--p = pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return (size_t)(end - p);
}

/* How many decimal digits v has. */
static inline size_t ob_ndigits(uint64_t v)
{
	static const uint64_t pow10[OB_U64_LEN] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	size_t n = 1;
	while (n < OB_U64_LEN && v >= pow10[n])
		n++;
	return n;
}

/* printf's "%" PRIu64 (and "%u" for narrower unsigned values), written in
 * place: counting the digits first costs less than copying them. */
static inline void ob_u64(struct outbuf *ob, uint64_t v)
{
	size_t n = ob_ndigits(v);
	ob_dec(ob_room(ob, OB_U64_LEN) + n, v);
	ob->len += n;
}

/* printf's "%*" PRIu64: right-aligned in at least width columns. */
static inline void ob_u64_right(struct outbuf *ob, uint64_t v, size_t width)
{
	char tmp[OB_U64_LEN];
	size_t n = ob_dec(tmp + sizeof(tmp), v);
	ob_right(ob, tmp + sizeof(tmp) - n, n, width);
}

#endif
