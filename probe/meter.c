/* meter.c - clock, expiry scans and the hand-off from flows to records. */
#include <string.h>
#include "flowdump.h"
#include "meter.h"
#include "../export/flowrec.h"

int meter_init(struct meter *m, struct ft *ft, struct exporter *ex, struct probe_stats *st)
{
	memset(m, 0, sizeof(*m));
	m->ft = ft;
	m->scan_floor = ft_scan_floor_at(ft);
	m->ex = ex;
	m->st = st;
	m->frags = frags_create();
	return m->frags ? 0 : -1;
}

/* The layer-2 extras a packet is keyed on, laid out as one key: the
 * source and destination MAC at -T ether (12 bytes), then the first -x
 * label stack entries (3 bytes each, zeros below the stack). */
static size_t l2_key_len(const struct meter *m)
{
	return (m->level == TRACK_ETHER ? 12 : 0) + 3 * (size_t)m->mpls;
}

/* The interner for the options set so far (none when nothing is keyed);
 * before the first packet, so no number is held yet. */
static int make_l2(struct meter *m)
{
	l2x_destroy(m->l2);
	m->l2 = NULL;
	if (l2_key_len(m) == 0)
		return 0;
	m->l2 = l2x_create(l2_key_len(m));
	return m->l2 ? 0 : -1;
}

int meter_set_level(struct meter *m, enum track_level level)
{
	m->level = level;
	return make_l2(m);
}

int meter_set_mpls(struct meter *m, int n)
{
	m->mpls = n < 0 ? 0 : n > MPLS_LABELS_MAX ? MPLS_LABELS_MAX : n;
	return make_l2(m);
}

void meter_free(struct meter *m)
{
	frags_destroy(m->frags);
	m->frags = NULL;
	l2x_destroy(m->l2);
	m->l2 = NULL;
	biflow_destroy(m->biflow);
	m->biflow = NULL;
}

struct expiry_ctx {
	struct meter *m;
	int64_t now_us;
};

static void flow_to_record(const struct flow *f, struct flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->af = f->key.af;
	r->proto = f->key.proto;
	r->tos = f->key.tos;
	r->tcp_flags = f->tcp_flags;
	memcpy(r->src, f->key.src, 16);
	memcpy(r->dst, f->key.dst, 16);
	r->sport = f->key.sport;
	r->dport = f->key.dport;
	r->in_if = f->key.ifindex;
	r->packets = f->packets;
	r->octets = f->octets;
	r->first_us = f->first_us;
	r->last_us = f->last_us;
	r->end_reason = f->end_reason;
	r->vlan = f->key.vlan;
	r->flowlabel = f->flowlabel;
}

/* The number of a packet's extras, held for it (l2extras.h). */
static uint32_t l2_get(struct meter *m, const struct packet *p, const struct mpls_stack *ms)
{
	uint8_t key[L2X_KEY_MAX];
	size_t n = 0;

	/* -x alone and no labels: nothing to key, without building a key */
	if (m->level != TRACK_ETHER && (ms == NULL || ms->depth == 0))
		return 0;
	if (m->level == TRACK_ETHER) {
		memcpy(key, p->src_mac, 6);
		memcpy(key + 6, p->dst_mac, 6);
		n = 12;
	}
	if (m->mpls) {
		size_t have = ms == NULL ? 0 : ms->depth < m->mpls ? ms->depth : (size_t)m->mpls;
		if (have)
			memcpy(key + n, ms->entry, 3 * have);
		memset(key + n + 3 * have, 0, 3 * ((size_t)m->mpls - have));
	}
	return l2x_get(m->l2, key);
}

/* A flow's extras into its record (zeroed: number 0 leaves it so). */
static void l2_to_record(const struct meter *m, uint32_t id, struct flow_record *r)
{
	const uint8_t *key = l2x_key(m->l2, id);
	size_t n = 0;

	if (key == NULL)
		return;
	if (m->level == TRACK_ETHER) {
		memcpy(r->src_mac, key, 6);
		memcpy(r->dst_mac, key + 6, 6);
		n = 12;
	}
	memcpy(r->mpls, key + n, 3 * (size_t)m->mpls);
}

/*
 * -b: rec (f's one-way record, in the exporter's slot) meets its reverse.
 * Returns 1 to export rec now, as a biflow record or alone; 0 when it
 * was parked to wait for its reverse, still in the table.
 */
static int pair_up(struct meter *m, const struct ft *ft, const struct flow *f,
		   struct flow_record *rec)
{
	struct biflow_id self = { f, f->seq };
	struct flow_record other;

	if (biflow_take(m->biflow, self, &other)) {
		biflow_merge(&other, rec, rec);
		return 1;
	}
	const struct flow *r = ft_reverse(ft, f);
	if (r == NULL)
		return 1;
	struct biflow_id rid = { r, r->seq };
	return biflow_park(m->biflow, rid, rec) != 0;
}

/* A flow as its record: wall-clock times, its layer-2 extras. */
static void record_of(const struct meter *m, const struct flow *f, struct flow_record *rec)
{
	flow_to_record(f, rec);
	rec->first_us += m->wall_skew;
	rec->last_us += m->wall_skew;
	if (m->l2)
		l2_to_record(m, flowkey_l2id(&f->key), rec);
}

static void on_expired(void *vctx, const struct ft *ft, const struct flow *f)
{
	struct expiry_ctx *c = vctx;
	/* Built in place, in the exporter's next slot. */
	struct flow_record *rec = exporter_slot(c->m->ex);

	stats_flow_expired(c->m->st, f);
	record_of(c->m, f, rec);
	if (c->m->l2)
		l2x_release(c->m->l2, flowkey_l2id(&f->key));
	if (c->m->dump) {
		char line[512];
		flowdump_format(rec, line, sizeof(line));
		fprintf(c->m->dump, "EXPIRED: %s\n", line);
	}
	if (c->m->biflow && !pair_up(c->m, ft, f, rec))
		return;		/* parked until its reverse leaves */
	exporter_commit(c->m->ex, c->now_us + c->m->wall_skew);
}

/* Each scan is one batch: its flows share datagrams stamped with its time,
 * which never goes back even when the deadline that fired is older. */
static void scan_due(struct meter *m, int64_t until_us)
{
	while (*m->scan_floor <= until_us) {
		int64_t t = ft_next_scan(m->ft, until_us);
		if (t > until_us)
			break;
		if (t < m->scan_us)
			t = m->scan_us;
		m->scan_us = t;
		struct expiry_ctx c = { m, t };
		if (ft_expire(m->ft, t, on_expired, &c) == 0)
			break;
		exporter_flush(m->ex, t + m->wall_skew);
	}
}

/* Twice a packet: the common answer, nothing due, without a call. */
static inline void run_scans(struct meter *m, int64_t until_us)
{
	if (*m->scan_floor <= until_us)
		scan_due(m, until_us);
}

void meter_start_clock(struct meter *m, int64_t now_us)
{
	m->started = 1;
	m->clock_us = now_us;
	m->scan_us = now_us;
	exporter_set_boot(m->ex, now_us + m->wall_skew);
}

void meter_advance(struct meter *m, int64_t now_us)
{
	if (now_us > m->clock_us)
		m->clock_us = now_us;
	run_scans(m, m->clock_us);
}

/* Cut the key down to what the tracking level keeps (reference §3.2;
 * ToS and the input interface stay at every level: they are our key).
 * The number of the MACs (-T ether) and labels (-x) is in the key
 * already (meter_packet). */
static void apply_level(struct meter *m, struct packet *p)
{
	switch (m->level) {
	case TRACK_FULL:
		break;
	case TRACK_IP:
		p->key.proto = 0;
		/* fall through */
	case TRACK_PROTO:
		p->key.sport = 0;
		p->key.dport = 0;
		p->tcp_flags = 0;
		break;
	case TRACK_VLAN:
	case TRACK_ETHER:
		p->key.vlan = p->vlan;
		break;
	}
}

/* Into the flow table. */
static void account(struct meter *m, const struct queued *q)
{
	struct probe_stats *st = m->st;
	const struct packet *pkt = &q->pkt;

	meter_advance(m, pkt->ts_us);
	st->proto_packets[pkt->key.proto]++;
	st->proto_octets[pkt->key.proto] += pkt->octets;

	struct expiry_ctx c = { m, m->clock_us };
	int created = ft_packet_ahead(m->ft, pkt, &q->ahead, on_expired, &c);
	if (created)
		st->flows_created++;
	if (m->l2) {
		uint32_t id = flowkey_l2id(&pkt->key);
		if (created)
			l2x_hold(m->l2, id);	/* the new flow's */
		l2x_release(m->l2, id);		/* the packet's */
	}
	run_scans(m, m->clock_us);	/* flows this packet ended at once */
}

static struct queued *queued_at(struct meter *m, uint32_t age)
{
	return &m->queue[(m->q_head + m->q_len - 1 - age) % METER_QUEUE];
}

/* The last step for every IP packet: cut its key, start fetching its
 * flow, take the packets before it a step further, and account the
 * oldest packet in the queue. */
static void meter_ip(void *vm, const struct packet *in)
{
	struct meter *m = vm;

	if (m->q_len == 4 * METER_STEP) {
		account(m, &m->queue[m->q_head]);
		m->q_head = (m->q_head + 1) % METER_QUEUE;
		m->q_len--;
	}
	struct queued *q = &m->queue[(m->q_head + m->q_len) % METER_QUEUE];
	q->pkt = *in;
	apply_level(m, &q->pkt);
	ft_ahead_hash(m->ft, &q->pkt, &q->ahead);
	m->q_len++;
	if (m->q_len > METER_STEP) {
		struct queued *o = queued_at(m, METER_STEP);
		ft_ahead_flow(m->ft, &o->pkt, &o->ahead);
	}
	if (m->q_len > 2 * METER_STEP) {
		struct queued *o = queued_at(m, 2 * METER_STEP);
		ft_ahead_session(m->ft, &o->pkt, &o->ahead);
	}
	if (m->q_len > 3 * METER_STEP) {
		struct queued *o = queued_at(m, 3 * METER_STEP);
		ft_ahead_member(m->ft, &o->ahead);
	}
}

void meter_drain(struct meter *m)
{
	while (m->q_len > 0) {
		account(m, &m->queue[m->q_head]);
		m->q_head = (m->q_head + 1) % METER_QUEUE;
		m->q_len--;
	}
}

/* softflowd's deterministic sampling: frame k is kept iff k % N == 0,
 * where a kept frame that is not IP does not count (reference §1 -s). */
static int sampled_out(struct meter *m, enum packet_kind kind)
{
	if (m->sample < 2)
		return 0;
	if (m->sample_count % m->sample != 0) {
		m->sample_count++;
		m->st->non_sampled++;
		return 1;
	}
	if (kind != PKT_NON_IP)
		m->sample_count++;
	return 0;
}

static void sync_frag_stats(struct meter *m)
{
	const struct frag_stats *fs = frags_stats(m->frags);
	m->st->frag_joined = fs->joined;
	m->st->frag_held = fs->held;
	m->st->frag_unmatched = fs->unmatched;
}

void meter_packet(struct meter *m, enum packet_kind kind, const struct packet *pkt,
		  const struct mpls_stack *mpls)
{
	struct probe_stats *st = m->st;
	struct packet keyed;

	st->frames++;
	if (sampled_out(m, kind))
		return;
	switch (kind) {
	case PKT_IP: break;
	case PKT_NON_IP: st->non_ip++; return;
	case PKT_TOO_SHORT: st->too_short++; st->processed++; return;
	case PKT_BAD_HEADER: st->bad_header++; st->processed++; return;
	}
	if (!m->started) {
		m->started = 1;
		m->clock_us = pkt->ts_us;
		m->scan_us = pkt->ts_us;
		exporter_set_boot(m->ex, pkt->ts_us);
	}
	st->processed++;
	frags_release_stale(m->frags, pkt->ts_us > m->clock_us ? pkt->ts_us : m->clock_us,
			    meter_ip, m);
	/* The packet holds its extras' number from here to account(), a
	 * fragment held back for its first one included. */
	if (m->l2) {
		uint32_t id = l2_get(m, pkt, mpls);
		if (id != 0) {		/* the decoder left 0 */
			keyed = *pkt;
			flowkey_set_l2id(&keyed.key, id);
			pkt = &keyed;
		}
	}
	if (pkt->fragment != FRAG_NONE) {
		st->fragments++;
		/* Without ports in the key there is nothing to join. */
		if (m->level == TRACK_PROTO || m->level == TRACK_IP)
			meter_ip(m, pkt);
		else
			frags_packet(m->frags, pkt, meter_ip, m);
		sync_frag_stats(m);
		return;
	}
	meter_ip(m, pkt);
}

int meter_set_biflow(struct meter *m)
{
	m->biflow = biflow_create();
	return m->biflow ? 0 : -1;
}

void meter_finish(struct meter *m, uint8_t reason)
{
	frags_release_stale(m->frags, INT64_MAX, meter_ip, m);
	sync_frag_stats(m);
	meter_drain(m);
	run_scans(m, m->clock_us);
	m->st->table_bytes = ft_memory(m->ft);
	/* Stamped with the clock as the last packet left it: taken after
	 * the drain, or the time would depend on the queue's length. */
	struct expiry_ctx c = { m, m->clock_us };
	ft_expire_all(m->ft, reason, on_expired, &c);
	exporter_flush(m->ex, m->clock_us + m->wall_skew);
}

static void on_deleted(void *vctx, const struct ft *ft, const struct flow *f)
{
	struct meter *m = vctx;
	(void)ft;
	if (m->l2)
		l2x_release(m->l2, flowkey_l2id(&f->key));
}

size_t meter_delete_all(struct meter *m)
{
	meter_drain(m);
	return ft_expire_all(m->ft, END_FORCED, on_deleted, m);
}

struct dump_ctx {
	struct meter *m;
	FILE *out;
};

static void on_dump(void *vctx, const struct ft *ft, const struct flow *f)
{
	struct dump_ctx *c = vctx;
	struct flow_record rec;
	int64_t skew = c->m->wall_skew, due = ft_due(f);

	(void)ft;
	record_of(c->m, f, &rec);
	flowdump_active(c->out, f->seq, &rec, due == FT_NOW ? 0 : (due + skew) / 1000000,
			(c->m->clock_us + skew) / 1000000);
}

size_t meter_dump_flows(struct meter *m, FILE *out)
{
	struct dump_ctx c = { m, out };
	meter_drain(m);
	return ft_walk(m->ft, on_dump, &c);
}
