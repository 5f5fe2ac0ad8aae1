/*
 * held.h - data sets that arrived before their template.
 *
 * UDP reorders, and an exporter's first packets can be lost or reach a
 * collector started late: data for a template not yet seen is kept (a
 * copy of the set, with what its message header said) and decoded when
 * the template comes, as python-netflow does.  Bounded in sets, bytes and
 * age; a set that leaves unused is counted as unknown-template by the
 * caller, never dropped silently.
 */
#ifndef FP_HELD_H
#define FP_HELD_H

#include <stddef.h>
#include <stdint.h>
#include "templates.h"

#define HELD_MAX_SETS 1024
#define HELD_MAX_BYTES (4u << 20)
#define HELD_MAX_AGE_US (600 * 1000000LL)

/* What decoding a set needs from its message header. */
struct msg_header {
	uint16_t version;
	uint32_t export_secs;
	uint32_t sys_uptime_ms;	/* v9 */
	uint32_t sequence;
	uint32_t domain;
	uint8_t stream;		/* over TCP: the exporter is the connection */
	uint32_t set_offset;	/* the data set's body: its byte offset in the message */
};

struct held_set {
	struct tmpl_scope scope;
	uint16_t id;
	struct msg_header h;
	int64_t arrived_us;
	size_t len;
	struct held_set *next;
	uint8_t data[];
};

struct held {
	struct held_set *first, *last;
	size_t count;
	size_t bytes;
};

void held_init(struct held *h);

/* Keep a copy of a set body.  Returns 0, or -1 when it cannot be kept. */
int held_add(struct held *h, const struct tmpl_scope *s, uint16_t id,
	     const struct msg_header *mh, int64_t now_us, const uint8_t *data, size_t len);

/* Take out the oldest set if the bounds say it must go (too many, too
 * many bytes, older than the age limit at now_us), else NULL.  The caller
 * frees it. */
struct held_set *held_expired(struct held *h, int64_t now_us);

/* Take out the oldest set waiting for (s, id), or NULL. */
struct held_set *held_take(struct held *h, const struct tmpl_scope *s, uint16_t id);

/* Take out the oldest set, whatever it waits for (at the end of input). */
struct held_set *held_pop(struct held *h);

#endif
