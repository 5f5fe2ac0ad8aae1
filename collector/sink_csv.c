/*
 * sink_csv.c - nfdump 1.7.1's "-o csv" layout (collectors.md §1.2): the
 * same 48-column header and field formats, so scripts written for nfdump
 * read our output unchanged.  Times are UTC (nfdump prints the reading
 * host's local time: run it with TZ=UTC to compare).  "tr", the receive
 * time, is taken from the export header so output is reproducible.
 */
#include <inttypes.h>
#include "sink.h"

static void csv_begin(FILE *out)
{
	fputs("ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,"
	      "dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,"
	      "mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr\n", out);
}

static void csv_flow(FILE *out, const struct flow_context *ctx, const struct flow_record *r)
{
	char ts[32], te[32], tr[32], sa[INET6_ADDRSTRLEN_], da[INET6_ADDRSTRLEN_];
	char nh[INET6_ADDRSTRLEN_], ra[INET6_ADDRSTRLEN_], flags[9], pbuf[8];
	char smac[18], dmac[18];
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;

	fmt_time(ts, sizeof(ts), r->first_us);
	fmt_time(te, sizeof(te), r->last_us);
	fmt_time(tr, sizeof(tr), ctx->export_us);
	fmt_addr(sa, sizeof(sa), r->af, r->src);
	fmt_addr(da, sizeof(da), r->af, r->dst);
	fmt_addr(nh, sizeof(nh), r->af, r->nexthop);
	fmt_addr(ra, sizeof(ra), ctx->af, ctx->addr);
	fmt_tcp_flags(flags, r->tcp_flags);

	fmt_mac(smac, r->src_mac);
	fmt_mac(dmac, r->dst_mac);

	/* opkt/obyt: an RFC 5103 biflow's reverse direction, as nfdump maps
	 * it; ismc/idmc: the MACs of the packets as they came in. */
	fprintf(out, "%s,%s,%.3f,%s,%s,%u,%u,%s,%s,0,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%u,%u,%u,%u,%u,%u,0,0,%s,0.0.0.0,%u,0,",
		ts, te, (double)(last_ms - first_ms) / 1000.0, sa, da, r->sport, r->dport,
		fmt_proto(r->proto, pbuf, sizeof(pbuf)), flags, r->tos, r->packets, r->octets,
		r->rev_packets, r->rev_octets,
		r->in_if, r->out_if, r->src_as, r->dst_as, r->src_mask, r->dst_mask, nh, r->vlan);
	fprintf(out, "%s,00:00:00:00:00:00,%s,00:00:00:00:00:00,", smac, dmac);
	fputs("0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,", out);
	fprintf(out, "    0.000,    0.000,    0.000,%s,%u/%u,%u,%s.%03d\n", ra, ctx->engine_type,
		ctx->engine_id, ctx->exporter ? ctx->exporter->id : 0, tr,
		(int)((ctx->export_us / 1000) % 1000));
}

/* A rate as an integer; past 2^64 (counters from a hostile exporter) it
 * is held at the largest, where a cast would be undefined. */
static uint64_t rate_of(double r)
{
	return r >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)r;
}

/* nfdump's closing block: rates over the span from the earliest start to
 * the latest end, in whole milliseconds, truncated to integers. */
static void csv_end(FILE *out, const struct flow_totals *t)
{
	uint64_t bps = 0, pps = 0, bpp = 0;
	int64_t span_ms = t->flows ? t->last_us / 1000 - t->first_us / 1000 : 0;

	if (span_ms > 0) {
		bps = rate_of((double)t->octets * 8 * 1000 / (double)span_ms);
		pps = rate_of((double)t->packets * 1000 / (double)span_ms);
	}
	if (t->packets)
		bpp = t->octets / t->packets;
	fprintf(out, "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n");
	fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
		t->flows, t->octets, t->packets, bps, pps, bpp);
}

const struct sink_ops sink_csv = {
	.name = "csv",
	.begin = csv_begin,
	.flow = csv_flow,
	.end = csv_end,
};
