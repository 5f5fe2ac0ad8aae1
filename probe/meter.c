/* meter.c - clock, expiry scans and the hand-off from flows to records. */
#include <string.h>
#include "meter.h"
#include "../export/flowrec.h"

void meter_init(struct meter *m, struct ft *ft, struct exporter *ex, struct probe_stats *st)
{
	memset(m, 0, sizeof(*m));
	m->ft = ft;
	m->ex = ex;
	m->st = st;
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
}

static void on_expired(void *vctx, const struct flow *f)
{
	struct expiry_ctx *c = vctx;
	struct flow_record rec;

	c->m->st->flows_expired++;
	if (f->end_reason < 6)
		c->m->st->expired_by_reason[f->end_reason]++;
	flow_to_record(f, &rec);
	exporter_add(c->m->ex, &rec, c->now_us);
}

/* Each scan is one batch: its flows share datagrams stamped with its time,
 * which never goes back even when the deadline that fired is older. */
static void run_scans(struct meter *m, int64_t until_us)
{
	for (;;) {
		int64_t t = ft_next_scan(m->ft, until_us);
		if (t > until_us)
			break;
		if (t < m->scan_us)
			t = m->scan_us;
		m->scan_us = t;
		struct expiry_ctx c = { m, t };
		if (ft_expire(m->ft, t, on_expired, &c) == 0)
			break;
		exporter_flush(m->ex, t);
	}
}

void meter_advance(struct meter *m, int64_t now_us)
{
	if (now_us > m->clock_us)
		m->clock_us = now_us;
	run_scans(m, m->clock_us);
}

void meter_packet(struct meter *m, enum packet_kind kind, const struct packet *pkt)
{
	struct probe_stats *st = m->st;

	st->frames++;
	switch (kind) {
	case PKT_IP: break;
	case PKT_NON_IP: st->non_ip++; return;
	case PKT_TOO_SHORT: st->too_short++; return;
	case PKT_BAD_HEADER: st->bad_header++; return;
	}
	if (pkt->key.af == 6 && !m->ex->fmt->ipv6 && !m->track_ipv6) {
		st->ipv6_ignored++;
		return;
	}
	if (!m->started) {
		m->started = 1;
		m->clock_us = pkt->ts_us;
		m->scan_us = pkt->ts_us;
		exporter_set_boot(m->ex, pkt->ts_us);
	}
	meter_advance(m, pkt->ts_us);

	st->processed++;
	st->fragments += pkt->fragment;
	st->proto_packets[pkt->key.proto]++;
	st->proto_octets[pkt->key.proto] += pkt->octets;

	struct expiry_ctx c = { m, m->clock_us };
	if (ft_packet(m->ft, pkt, on_expired, &c)) {
		st->flows_created++;
		st->proto_flows[pkt->key.proto]++;
	}
	run_scans(m, m->clock_us);	/* flows this packet ended at once */
}

void meter_finish(struct meter *m, uint8_t reason)
{
	struct expiry_ctx c = { m, m->clock_us };

	run_scans(m, m->clock_us);
	ft_expire_all(m->ft, reason, on_expired, &c);
	exporter_flush(m->ex, m->clock_us);
}
