/*
 * v9ipfix.c - decoding NetFlow v9 (RFC 3954) and IPFIX (RFC 7011)
 * messages: sets, templates, options records, data records.
 *
 * Every length comes from the datagram and is checked before use: a set
 * never reaches past its message, a record past its set, a field past its
 * record.  A bad set ends the message (its length cannot be trusted to
 * find the next one); what was decoded before it stands.
 */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "../export/ipfix.h"
#include "../export/rd.h"

#define IPFIX_WITHDRAW_ALL_DATA 2	/* template id 2 in a set 2 withdrawal */
#define IPFIX_WITHDRAW_ALL_OPTIONS 3

/* What one message is being decoded with. */
struct msg {
	struct collector *c;
	struct tmpl_scope scope;
	struct msg_header h;
	struct exporter_info *e;	/* NULL past the exporter ceiling */
	uint32_t data_records;		/* IPFIX sequence: data records in it */
	uint32_t options_records;	/* of which options records */
	int unknown;			/* a set could not be counted */
	enum fp_status status;		/* the first failure */
};

static void fail(struct msg *m, enum fp_status st)
{
	if (m->status == FP_OK)
		m->status = st;
}

static void count_unknown_set(struct collector *c, struct exporter_info *e)
{
	c->errors[FP_UNKNOWN_TEMPLATE]++;
	if (e)
		e->errors[FP_UNKNOWN_TEMPLATE]++;
}

static struct exporter_info *exporter_of(struct collector *c, const struct tmpl_scope *s,
				       int stream)
{
	struct exporter_key key;
	exporter_key_make(&key, s->addr, s->af, s->version, s->domain, stream ? (uint16_t)s->port : 0);
	return exporters_get(&c->exporters, &key);
}

/* ---- templates ---------------------------------------------------- */

/* Fill t's fields from count (id, length[, enterprise]) specs. */
static int read_fields(struct rd *r, struct tmpl *t, uint16_t count, int ipfix)
{
	uint32_t min = 0;
	for (uint16_t i = 0; i < count; i++) {
		uint16_t id = rd_u16(r);
		uint16_t len = rd_u16(r);
		uint32_t pen = 0;
		if (ipfix && (id & 0x8000)) {
			id &= 0x7fff;
			pen = rd_u32(r);
		}
		if (!rd_ok(r))
			return -1;
		if (len == IE_VARLEN && !ipfix)
			return -1;	/* v9 has no variable-length fields */
		const struct ie *ie = ie_find(id, pen);
		t->f[i].ie = ie;
		t->f[i].len = len;
		min += len == IE_VARLEN ? 1 : len;
		if (ie && (ie->type == IET_ADDR4 || ie->type == IET_ADDR6) &&
		    (ie->what == IEW_SRC || ie->what == IEW_DST))
			t->af = ie->type == IET_ADDR6 ? 6 : 4;
		if (ie && ie->type == IET_UPTIME_MS)
			t->uptime_times = 1;
	}
	t->nfields = count;
	t->min_len = min;
	return 0;
}

/* A template of fixed-length fields gets its decode plan (ie_plan.h). */
static void compile(struct collector *c, struct tmpl *t)
{
	uint32_t at = 0;
	t->fixed_len = 0;
	t->nsteps = 0;
	t->plan_seen = 0;
	if (c->generic_decode)
		return;
	for (uint16_t i = 0; i < t->nfields; i++)
		if (t->f[i].len == IE_VARLEN)
			return;
	for (uint16_t i = 0; i < t->nfields; i++) {
		/* Offsets fit the steps: a record is at most a message. */
		if (at + t->f[i].len > UINT16_MAX)
			return;
		if (t->f[i].ie &&
		    ie_plan_compile(t->f[i].ie, t->f[i].len, (uint16_t)at, &t->steps[t->nsteps], &t->plan_seen))
			t->nsteps++;
		at += t->f[i].len;
	}
	t->fixed_len = at;
}

static void store(struct msg *m, struct tmpl *t);

/*
 * One template record.  v9 options templates give their scope and option
 * parts in bytes; everything else counts fields.  Returns -1 when the set
 * cannot be read further.
 */
static int template_record(struct msg *m, struct rd *r, int options)
{
	int ipfix = m->h.version == 10;
	uint16_t id = rd_u16(r);
	uint16_t count = rd_u16(r), scope = 0;

	if (options) {
		if (ipfix) {
			scope = count ? rd_u16(r) : 0;
		} else {
			uint16_t scope_len = count, opt_len = rd_u16(r);
			if (scope_len % 4 || opt_len % 4) {
				fail(m, FP_MALFORMED);
				return -1;
			}
			scope = scope_len / 4;
			count = (uint16_t)(scope + opt_len / 4);
		}
	}
	if (!rd_ok(r)) {
		fail(m, FP_TRUNCATED);
		return -1;
	}
	if (ipfix && count == 0) {
		/* Withdrawal (RFC 7011 §8.1); ids 2 and 3 withdraw them all. */
		if (m->e)
			m->e->withdrawals++;
		if (!options && id == IPFIX_WITHDRAW_ALL_DATA)
			tmpl_withdraw_all(&m->c->templates, &m->scope, 0);
		else if (options && id == IPFIX_WITHDRAW_ALL_OPTIONS)
			tmpl_withdraw_all(&m->c->templates, &m->scope, 1);
		else
			tmpl_withdraw(&m->c->templates, &m->scope, id);
		return 0;
	}
	if (id < 256 || count == 0 || count > TMPL_MAX_FIELDS || (options && ipfix && scope == 0) ||
	    scope > count) {
		fail(m, FP_MALFORMED);
		return -1;
	}
	/* Each field spec takes at least 4 bytes: a count the set cannot
	 * hold is refused before anything is allocated for it. */
	if ((size_t)count * 4 > rd_left(r)) {
		fail(m, FP_MALFORMED);
		return -1;
	}
	struct tmpl *t = tmpl_new(&m->scope, id, count);
	if (t == NULL) {
		fail(m, FP_NO_MEMORY);
		return -1;
	}
	t->options = (uint8_t)options;
	t->scope_fields = scope;
	if (read_fields(r, t, count, ipfix) != 0) {
		free(t);
		fail(m, FP_MALFORMED);
		return -1;
	}
	if (t->min_len == 0) {	/* records of no bytes: nothing to decode, no end */
		free(t);
		fail(m, FP_MALFORMED);
		return -1;
	}
	if (options && !ipfix)	/* v9 scope fields are scope types, not IEs */
		for (uint16_t i = 0; i < scope; i++)
			t->f[i].ie = NULL;
	compile(m->c, t);
	if (m->e) {
		if (options)
			m->e->options_templates++;
		else
			m->e->templates++;
	}
	store(m, t);
	return 0;
}

static void template_set(struct msg *m, struct rd *body, int options)
{
	/* A set may end in padding shorter than a template header. */
	while (rd_left(body) >= 4)
		if (template_record(m, body, options) != 0)
			return;
}

/* ---- data --------------------------------------------------------- */

/* The length of the next field: fixed, or IPFIX variable (RFC 7011 §7). */
static uint16_t field_len(struct rd *r, uint16_t len)
{
	if (len != IE_VARLEN)
		return len;
	uint8_t l = rd_u8(r);
	return l < 255 ? l : rd_u16(r);
}

/* Absolute time of an uptime-relative field: v9 from its header, IPFIX
 * from the exporter's announced init time (systemInitTimeMilliseconds). */
static int64_t uptime_abs_us(const struct msg_header *h, const struct exporter_info *e, uint32_t t)
{
	if (h->version == 9) {
		int32_t behind = (int32_t)(h->sys_uptime_ms - t);
		return ((int64_t)h->export_secs * 1000 - behind) * 1000;
	}
	if (e && e->have_init) {
		/* init_ms is within 64 bits of µs (ie.c); a wild one plus an
		 * uptime may not be: hold it at the limit. */
		int64_t ms = e->init_ms + t;
		if (ms > INT64_MAX / 1000)
			ms = INT64_MAX / 1000;
		return ms * 1000;
	}
	return (int64_t)h->export_secs * 1000000;	/* no base announced */
}

static void options_record(struct exporter_info *e, const struct ie_extra *x)
{
	if (e == NULL)
		return;
	e->options_records++;
	if (IE_SEEN(x, IEW_METERING_PID))
		e->metering_pid = x->metering_pid;
	if (IE_SEEN(x, IEW_INIT_MS)) {
		e->init_ms = x->init_ms;
		e->have_init = 1;
	}
	if (IE_SEEN(x, IEW_SAMPLING_SPACE) && IE_SEEN(x, IEW_SAMPLING_INTERVAL) &&
	    x->sampling_interval) {
		/* PSAMP: interval packets taken, then space skipped. */
		uint64_t n = ((uint64_t)x->sampling_interval + x->sampling_space) / x->sampling_interval;
		e->sampling = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	} else if (IE_SEEN(x, IEW_SAMPLING_INTERVAL)) {
		e->sampling = x->sampling_interval;
	}
}

/* Decode the records of one data set for template t. */
static void data_set(struct collector *c, const struct tmpl *t, const struct msg_header *h,
		     struct exporter_info *e, struct rd *body, struct msg *m)
{
	struct flow_record recs[64];
	uint32_t offsets[64];
	struct flow_context ctx;
	size_t n = 0;
	uint32_t records = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.exporter = e;
	ctx.addr = t->scope.addr;
	ctx.af = t->scope.af;
	ctx.version = t->scope.version;
	ctx.domain = t->scope.domain;
	ctx.export_us = (int64_t)h->export_secs * 1000000;
	ctx.sampling = e ? e->sampling : 0;	/* as the exporter's options record said */
	ctx.sequence = h->sequence;
	ctx.offsets = offsets;
	const uint8_t *body_start = body->p;
	/* Records while a whole one can still be there; what is left after
	 * is padding (RFC 7011 §3.3.1: shorter than the smallest record). */
	while (rd_left(body) >= t->min_len && rd_left(body) > 0) {
		struct flow_record *f = &recs[n];
		struct ie_extra x;
		memset(f, 0, sizeof(*f));
		offsets[n] = h->set_offset + (uint32_t)(body->p - body_start);
		/* Only what ie_get sets is read, each behind its seen bit (the
		 * uptimes too: a template may mix them with absolute times). */
		x.seen = 0;
		x.first_uptime = x.last_uptime = 0;
		if (t->fixed_len) {
			/* The loop's test saw the whole record (min_len is
			 * fixed_len), and the plan stays inside it. */
			struct rd rec = rd_sub(body, t->fixed_len);
			if (rd_ok(&rec)) {
				ie_plan_run(t->steps, t->nsteps, rec.p, f, &x);
				x.seen |= t->plan_seen;
			}
		} else {
			for (uint16_t i = 0; i < t->nfields; i++) {
				uint16_t len = field_len(body, t->f[i].len);
				struct rd fr = rd_sub(body, len);
				if (t->f[i].ie)
					ie_get(&fr, t->f[i].ie, len, f, &x);
			}
		}
		if (!rd_ok(body)) {
			if (m)
				fail(m, FP_TRUNCATED);
			else if (e)
				e->errors[FP_TRUNCATED]++;
			break;
		}
		records++;
		if (t->options) {
			options_record(e, &x);
			if (m)
				m->options_records++;
			continue;
		}
		/* The addresses' own type says the family; ipVersion only when
		 * the template has no address (or says something else). */
		if (t->af)
			f->af = t->af;
		else if (!IE_SEEN(&x, IEW_IPVERSION) || (f->af != 4 && f->af != 6))
			f->af = 4;
		/* An IPv4 flow holds IPv4 addresses: of a template that also
		 * has IPv6 ones, what they left past the first 4 bytes goes
		 * (every output reads 4 bytes; the flow file keeps 4). */
		if (f->af == 4) {
			memset(f->src + 4, 0, 12);
			memset(f->dst + 4, 0, 12);
			memset(f->nexthop + 4, 0, 12);
		}
		if (t->uptime_times) {
			if (IE_SEEN(&x, IEW_FIRST))
				f->first_us = uptime_abs_us(h, e, x.first_uptime);
			if (IE_SEEN(&x, IEW_LAST))
				f->last_us = uptime_abs_us(h, e, x.last_uptime);
		}
		if (!IE_SEEN(&x, IEW_FIRST) && !IE_SEEN(&x, IEW_LAST))
			f->first_us = f->last_us = ctx.export_us;
		else if (!IE_SEEN(&x, IEW_LAST))
			f->last_us = f->first_us;
		else if (!IE_SEEN(&x, IEW_FIRST))
			f->first_us = f->last_us;
		if (e)
			e->records++;
		if (++n == sizeof(recs) / sizeof(recs[0])) {
			collector_emit(c, &ctx, recs, n);
			n = 0;
		}
	}
	if (n)
		collector_emit(c, &ctx, recs, n);
	if (m)
		m->data_records += records;
}

/* A template arrived: decode what waited for it, in arrival order. */
static void store(struct msg *m, struct tmpl *t)
{
	struct tmpl_scope scope = t->scope;
	uint16_t id = t->id;
	struct held_set *s;

	tmpl_put(&m->c->templates, t);
	while ((s = held_take(&m->c->held, &scope, id)) != NULL) {
		const struct tmpl *now = tmpl_get(&m->c->templates, &scope, id);
		struct rd body = rd_make(s->data, s->len);
		if (now)
			data_set(m->c, now, &s->h, exporter_of(m->c, &s->scope, s->h.stream), &body, NULL);
		free(s);
	}
}

/* Let go of held sets past their bounds, counting each as unknown. */
static void expire_held(struct collector *c, int64_t now_us)
{
	struct held_set *s;
	while ((s = held_expired(&c->held, now_us)) != NULL) {
		count_unknown_set(c, exporter_of(c, &s->scope, s->h.stream));
		free(s);
	}
}

/* ---- messages ----------------------------------------------------- */

static void read_header(struct rd *r, uint16_t version, struct msg_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = rd_u16(r);
	if (version == 9) {
		rd_u16(r);		/* count: records are found by their sets */
		h->sys_uptime_ms = rd_u32(r);
		h->export_secs = rd_u32(r);
	} else {
		rd_u16(r);		/* length: checked by the caller */
		h->export_secs = rd_u32(r);
	}
	h->sequence = rd_u32(r);
	h->domain = rd_u32(r);
}

enum fp_status v9ipfix_decode(struct collector *c, const struct datagram_src *src,
			      uint16_t version, const uint8_t *buf, size_t len)
{
	struct rd r = rd_make(buf, len);
	struct msg m;

	memset(&m, 0, sizeof(m));
	m.c = c;
	if (version == 10) {
		/* IPFIX carries its own length: use exactly that much. */
		struct rd peek = rd_make(buf, len);
		rd_skip(&peek, 2);
		uint16_t mlen = rd_u16(&peek);
		if (!rd_ok(&peek) || len < IPFIX_HEADER_LEN)
			return FP_TRUNCATED;
		if (mlen < IPFIX_HEADER_LEN)
			return FP_MALFORMED;
		if (mlen > len)
			return FP_TRUNCATED;
		r = rd_make(buf, mlen);
	}
	read_header(&r, version, &m.h);
	if (!rd_ok(&r))
		return FP_TRUNCATED;
	memcpy(m.scope.addr, src->addr, 16);
	m.scope.af = src->af;
	m.scope.version = (uint8_t)version;
	m.scope.port = src->port;
	m.scope.domain = m.h.domain;
	m.h.stream = src->stream;
	m.e = exporter_of(c, &m.scope, src->stream);
	if (m.e == NULL)
		c->exporters.unlisted++;
	expire_held(c, src->arrived_us);

	int template_set_id = version == 10 ? IPFIX_TEMPLATE_SET : V9_TEMPLATE_SET;
	int options_set_id = version == 10 ? IPFIX_OPTIONS_SET : V9_OPTIONS_SET;
	while (rd_left(&r) > 0) {
		if (rd_left(&r) < SET_HEADER_LEN) {
			/* v9 may pad the packet's end; IPFIX may not. */
			if (version == 10)
				fail(&m, FP_MALFORMED);
			break;
		}
		uint16_t set_id = rd_u16(&r);
		uint16_t set_len = rd_u16(&r);
		if (set_len < SET_HEADER_LEN) {
			/* Zero-filled space after the last set is padding,
			 * not a set; anything else is a broken length. */
			fail(&m, FP_MALFORMED);
			break;
		}
		if ((size_t)(set_len - SET_HEADER_LEN) > rd_left(&r)) {
			fail(&m, FP_TRUNCATED);
			break;
		}
		m.h.set_offset = (uint32_t)(r.p - buf);
		struct rd body = rd_sub(&r, set_len - SET_HEADER_LEN);
		if (set_id == template_set_id) {
			template_set(&m, &body, 0);
		} else if (set_id == options_set_id) {
			template_set(&m, &body, 1);
		} else if (set_id >= 256) {
			const struct tmpl *t = tmpl_get(&c->templates, &m.scope, set_id);
			if (t) {
				data_set(c, t, &m.h, m.e, &body, &m);
			} else {
				m.unknown = 1;
				if (held_add(&c->held, &m.scope, set_id, &m.h, src->arrived_us,
					     body.p, rd_left(&body)) == 0) {
					if (m.e)
						m.e->held++;
				} else {
					count_unknown_set(c, m.e);
				}
				expire_held(c, src->arrived_us);
			}
		}
		/* Set ids 4-255 (IPFIX) and 2-255 (v9) are reserved: skipped. */
	}
	if (m.e) {
		m.e->datagrams++;
		if (m.status != FP_OK)
			m.e->errors[m.status]++;
		if (version == 9)
			exporters_sequence(m.e, m.h.sequence, m.h.sequence + 1);
		else
			exporters_sequence_ipfix(m.e, m.h.sequence, m.data_records,
						 m.data_records - m.options_records);
		/* Records of a set not decoded cannot be counted: start the
		 * IPFIX sequence over rather than report a false gap. */
		if (version == 10 && (m.unknown || m.status != FP_OK))
			m.e->have_seq = 0;
	}
	return m.status;
}

void v9ipfix_end(struct collector *c)
{
	struct held_set *s;
	while ((s = held_pop(&c->held)) != NULL) {
		count_unknown_set(c, exporter_of(c, &s->scope, s->h.stream));
		free(s);
	}
}
