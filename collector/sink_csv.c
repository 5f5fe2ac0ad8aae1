/*
 * sink_csv.c - nfdump 1.7.1's "-o csv" layout (collectors.md §1.2): the
 * same 48-column header and field formats, so scripts written for nfdump
 * read our output unchanged.  Times are UTC (nfdump prints the reading
 * host's local time: run it with TZ=UTC to compare).  "tr", the receive
 * time, is taken from the export header so output is reproducible.
 */
#include <inttypes.h>
#include <string.h>
#include "sink.h"
#include "outbuf.h"

static int csv_begin(struct sink *s)
{
	fputs("ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,"
	      "dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,"
	      "mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr\n", s->out);
	return 0;
}

/* Each field is formatted straight into the row (see ob_room). */
static void put_time(struct outbuf *ob, int64_t us)
{
	ob->len += fmt_time(ob_room(ob, FMT_TIME_LEN), us);
}

static void put_addr(struct outbuf *ob, uint8_t af, const uint8_t *addr)
{
	ob->len += fmt_addr(ob_room(ob, INET6_ADDRSTRLEN_), af, addr);
}

static void put_mac(struct outbuf *ob, const uint8_t mac[6])
{
	fmt_mac(ob_room(ob, FMT_MAC_LEN), mac);
	ob->len += FMT_MAC_LEN;
}

/* One number and the comma after it. */
static void put_num(struct outbuf *ob, uint64_t v)
{
	ob_u64(ob, v);
	ob_char(ob, ',');
}

/* mpls1..mpls10 and their commas, as nfdump 1.7.1 prints a label stack
 * entry: the 24 bits of its first 3 bytes as label (20 bits), EXP (3)
 * and bottom of stack (1), "label-exp-bos"; an entry the record does not
 * have is 0-0-0, as a zero one is. */
static void put_mpls(struct outbuf *ob, const uint8_t mpls[MPLS_LABELS_MAX][3])
{
	static const uint8_t none[MPLS_LABELS_MAX][3];

	if (memcmp(mpls, none, sizeof(none)) == 0) {
		ob_lit(ob, "0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,");
		return;
	}
	for (int i = 0; i < MPLS_LABELS_MAX; i++) {
		uint32_t v = mpls_entry(mpls[i]);
		ob_u64(ob, v >> 4);
		ob_char(ob, '-');
		ob_char(ob, (char)('0' + ((v >> 1) & 7)));
		ob_char(ob, '-');
		ob_char(ob, (char)('0' + (v & 1)));
		ob_char(ob, ',');
	}
}

static void csv_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	FILE *out = s->out;
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;
	struct outbuf ob;

	ob_init(&ob, out);
	put_time(&ob, r->first_us);
	ob_char(&ob, ',');
	put_time(&ob, r->last_us);
	ob_char(&ob, ',');
	ob.len += fmt_secs3(ob_room(&ob, FMT_SECS_LEN), last_ms - first_ms);
	ob_char(&ob, ',');
	put_addr(&ob, r->af, r->src);
	ob_char(&ob, ',');
	put_addr(&ob, r->af, r->dst);
	ob_char(&ob, ',');
	put_num(&ob, r->sport);
	put_num(&ob, r->dport);
	ob.len += fmt_proto(ob_room(&ob, FMT_PROTO_LEN), r->proto);
	ob_char(&ob, ',');
	fmt_tcp_flags(ob_room(&ob, 8), r->tcp_flags);
	ob.len += 8;
	ob_lit(&ob, ",0,");
	put_num(&ob, r->tos);
	put_num(&ob, r->packets);
	put_num(&ob, r->octets);
	/* opkt/obyt: an RFC 5103 biflow's reverse direction, as nfdump maps
	 * it; ismc/idmc: the MACs of the packets as they came in. */
	put_num(&ob, r->rev_packets);
	put_num(&ob, r->rev_octets);
	put_num(&ob, r->in_if);
	put_num(&ob, r->out_if);
	put_num(&ob, r->src_as);
	put_num(&ob, r->dst_as);
	put_num(&ob, r->src_mask);
	put_num(&ob, r->dst_mask);
	ob_lit(&ob, "0,0,");
	/* nh: nfdump prints 0.0.0.0 for a record without a next hop, IPv6
	 * ones included (our v9/IPFIX templates carry none). */
	static const uint8_t no_nexthop[16];
	if (memcmp(r->nexthop, no_nexthop, 16) == 0)
		ob_lit(&ob, "0.0.0.0");
	else
		put_addr(&ob, r->af, r->nexthop);
	ob_lit(&ob, ",0.0.0.0,");
	put_num(&ob, r->vlan);
	ob_lit(&ob, "0,");
	put_mac(&ob, r->src_mac);
	ob_lit(&ob, ",00:00:00:00:00:00,");
	put_mac(&ob, r->dst_mac);
	ob_lit(&ob, ",00:00:00:00:00:00,");
	put_mpls(&ob, r->mpls);
	ob_lit(&ob, "    0.000,    0.000,    0.000,");
	put_addr(&ob, ctx->af, ctx->addr);
	ob_char(&ob, ',');
	ob_u64(&ob, ctx->engine_type);
	ob_char(&ob, '/');
	put_num(&ob, ctx->engine_id);
	put_num(&ob, ctx->exporter ? ctx->exporter->id : 0);
	put_time(&ob, ctx->export_us);
	ob_char(&ob, '.');
	ob.len += fmt_milli(ob_room(&ob, FMT_MILLI_LEN), ctx->export_us / 1000);
	ob_char(&ob, '\n');
	ob_flush(&ob);
}

/* nfdump's closing block (sink_fmt.c, shared with the -s summaries). */
static void csv_end(struct sink *s, const struct flow_totals *t)
{
	fmt_csv_summary(s->out, t);
}

const struct sink_ops sink_csv = {
	.name = "csv",
	.begin = csv_begin,
	.flow = csv_flow,
	.end = csv_end,
};
