/*
 * sink_table.c - the readable table: one line per flow, as people read
 * nfdump's "long" format, with milliseconds and the input interface.
 */
#include <inttypes.h>
#include "sink.h"

static void table_begin(FILE *out)
{
	fprintf(out, "%-23s %9s %-5s %21s    %-21s %-8s %3s %4s %9s %11s\n",
		"Date first seen (UTC)", "Duration", "Proto", "Src IP Addr:Port",
		"Dst IP Addr:Port", "Flags", "Tos", "In", "Packets", "Bytes");
}

static void table_flow(FILE *out, const struct flow_context *ctx, const struct flow_record *r)
{
	char when[32], src[INET6_ADDRSTRLEN_ + 8], dst[INET6_ADDRSTRLEN_ + 8];
	char sa[INET6_ADDRSTRLEN_], da[INET6_ADDRSTRLEN_], flags[9], pbuf[8];
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;

	(void)ctx;
	fmt_time(when, sizeof(when), r->first_us);
	fmt_addr(sa, sizeof(sa), r->af, r->src);
	fmt_addr(da, sizeof(da), r->af, r->dst);
	if (r->af == 6) {
		snprintf(src, sizeof(src), "[%s]:%u", sa, r->sport);
		snprintf(dst, sizeof(dst), "[%s]:%u", da, r->dport);
	} else {
		snprintf(src, sizeof(src), "%s:%u", sa, r->sport);
		snprintf(dst, sizeof(dst), "%s:%u", da, r->dport);
	}
	fmt_tcp_flags(flags, r->tcp_flags);
	fprintf(out, "%s.%03d %9.3f %-5s %21s -> %-21s %-8s %3u %4u %9" PRIu64 " %11" PRIu64 "\n",
		when, (int)(first_ms % 1000), (double)(last_ms - first_ms) / 1000.0,
		fmt_proto(r->proto, pbuf, sizeof(pbuf)), src, dst, flags, r->tos,
		r->in_if, r->packets, r->octets);
}

static void table_end(FILE *out, const struct flow_totals *t)
{
	fprintf(out, "Summary: %" PRIu64 " flows, %" PRIu64 " packets, %" PRIu64 " octets\n",
		t->flows, t->packets, t->octets);
}

const struct sink_ops sink_table = {
	.name = "table",
	.begin = table_begin,
	.flow = table_flow,
	.end = table_end,
};
