/*
 * templates.h - the collector's v9/IPFIX template cache.
 *
 * A template belongs to a scope: the exporter's address and UDP port, the
 * version, and the observation domain (IPFIX) or source id (v9).  Another
 * probe on the same host, or the same probe restarted on a new port, can
 * reuse template ids with other meanings, so all four are in the key (RFC
 * 7011 §8 scopes templates to the transport session and the domain).
 *
 * The cache is bounded in templates and in bytes; the least recently used
 * template goes first.  A hostile exporter can make it churn, never grow.
 */
#ifndef FP_TEMPLATES_H
#define FP_TEMPLATES_H

#include <stddef.h>
#include <stdint.h>
#include "../export/ie.h"
#include "../export/ie_plan.h"

#define TMPL_MAX_FIELDS 1024		/* more is refused as malformed */
#define TMPL_CACHE_MAX 65536		/* templates */
#define TMPL_CACHE_MAX_BYTES (64u << 20)

struct tmpl_scope {
	uint8_t addr[16];
	uint8_t af;
	uint8_t version;
	uint16_t port;
	uint32_t domain;
};

struct tmpl_field {
	const struct ie *ie;	/* NULL: not in our table, skipped */
	uint16_t len;		/* IE_VARLEN: length in the record */
};

struct tmpl {
	struct tmpl_scope scope;
	uint16_t id;
	uint16_t nfields;
	uint16_t scope_fields;	/* options templates; 0 for data templates */
	uint8_t options;	/* an options template */
	uint8_t af;		/* 4 or 6 by its address fields, 0 when none */
	uint8_t uptime_times;	/* its times are uptime-relative (21/22) */
	uint32_t min_len;	/* smallest record: fixed lengths, 1 per varlen */
	/* Fixed-length templates are compiled (ie_plan.h): every record is
	 * fixed_len bytes and decodes by steps[0..nsteps).  fixed_len 0:
	 * a variable-length field, decoded field by field. */
	uint32_t fixed_len;
	uint16_t nsteps;
	uint64_t plan_seen;	/* the ie_extra seen bits the steps stand for */
	struct ie_step *steps;	/* room for nfields, in the same allocation */
	size_t bytes;		/* what it costs the cache */
	struct tmpl *hnext;	/* hash chain */
	struct tmpl *older, *newer; /* LRU list */
	struct tmpl_field f[];
};

struct tmpl_cache {
	struct tmpl **bucket;
	size_t nbuckets;
	size_t count;
	size_t bytes;
	size_t max_count;
	size_t max_bytes;
	struct tmpl *oldest, *newest;
	uint64_t evicted;	/* pushed out by the bounds */
};

void tmpl_cache_init(struct tmpl_cache *c, size_t max_count, size_t max_bytes);
void tmpl_cache_free(struct tmpl_cache *c);

/* A new template with room for n fields (and n steps), to fill and then
 * tmpl_put. */
struct tmpl *tmpl_new(const struct tmpl_scope *s, uint16_t id, uint16_t n);

/* Store t (the cache owns it), replacing any template of the same key. */
void tmpl_put(struct tmpl_cache *c, struct tmpl *t);

/* Look up, marking it recently used; NULL when unknown. */
struct tmpl *tmpl_get(struct tmpl_cache *c, const struct tmpl_scope *s, uint16_t id);

/* Withdraw one template; returns 1 if there was one. */
int tmpl_withdraw(struct tmpl_cache *c, const struct tmpl_scope *s, uint16_t id);

/* Withdraw every data (options: every options) template of a scope. */
size_t tmpl_withdraw_all(struct tmpl_cache *c, const struct tmpl_scope *s, int options);

#endif
