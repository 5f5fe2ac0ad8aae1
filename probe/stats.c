/* stats.c - the counters' end-of-run block, in softflowd's layout. */
#include <netdb.h>
#include "stats.h"
#include "../export/exporter.h"
#include "../export/flowrec.h"

static void range_add(struct stat_range *r, double v, uint64_t n)
{
	if (n == 1 || v < r->min)
		r->min = v;
	if (n == 1 || v > r->max)
		r->max = v;
	r->sum += v;
}

void stats_flow_expired(struct probe_stats *st, const struct flow *f)
{
	double secs = (double)(f->last_us - f->first_us) / 1e6;
	uint8_t p = f->key.proto;

	st->flows_expired++;
	if (f->end_reason < 6)
		st->expired_by_reason[f->end_reason]++;
	if (f->rule < RULE_COUNT)
		st->expired_by_rule[f->rule]++;
	range_add(&st->flow_octets, (double)f->octets, st->flows_expired);
	range_add(&st->flow_packets, (double)f->packets, st->flows_expired);
	range_add(&st->flow_seconds, secs, st->flows_expired);
	st->proto_flows[p]++;
	st->proto_seconds[p] += secs;
	if (secs > st->proto_max_seconds[p])
		st->proto_max_seconds[p] = secs;
}

#define U(x) ((unsigned long long)(x))

/* softflowd prints these only once a flow has expired. */
static void stats_print_reasons(FILE *out, const struct probe_stats *st)
{
	const uint64_t *r = st->expired_by_rule;

	fprintf(out, "Expired flow reasons:\n");
	fprintf(out, "       tcp = %9llu   tcp.rst = %9llu   tcp.fin = %9llu\n",
		U(r[RULE_TCP]), U(r[RULE_TCP_RST]), U(r[RULE_TCP_FIN]));
	fprintf(out, "       udp = %9llu      icmp = %9llu   general = %9llu\n",
		U(r[RULE_UDP]), U(r[RULE_ICMP]), U(r[RULE_GENERAL]));
	fprintf(out, "   maxlife = %9llu\n", U(r[RULE_MAXLIFE]));
	fprintf(out, "over 2 GiB = %9llu\n", U(r[RULE_OVERBYTES]));
	fprintf(out, "  maxflows = %9llu\n", U(r[RULE_MAXFLOWS]));
	fprintf(out, "   flushed = %9llu\n", U(r[RULE_FLUSHED]));
	fprintf(out, "\n");

	fprintf(out, "Per-protocol statistics:     Octets      Packets   Avg Life    Max Life\n");
	for (int p = 0; p < 256; p++) {
		if (st->proto_packets[p] == 0)
			continue;
		char label[40];
		struct protoent *pe = getprotobynumber(p);
		snprintf(label, sizeof(label), "%s (%d)", pe ? pe->p_name : "Unknown", p);
		double avg = st->proto_flows[p] ? st->proto_seconds[p] / (double)st->proto_flows[p] : 0;
		fprintf(out, "  %17s: %14llu %12llu   %8.2fs %10.2fs\n", label,
			U(st->proto_octets[p]), U(st->proto_packets[p]), avg,
			st->proto_max_seconds[p]);
	}
}

void stats_print(FILE *out, const struct probe_stats *st, const struct exporter *ex,
		 uint64_t active_flows)
{
	stats_print_capture(out, st, ex, active_flows, NULL);
}

void stats_print_capture(FILE *out, const struct probe_stats *st, const struct exporter *ex,
			 uint64_t active_flows, const struct stats_capture *cap)
{
	const uint64_t *r = st->expired_by_rule;
	uint64_t bad = st->too_short + st->bad_header;

	fprintf(out, "Number of active flows: %llu\n", U(active_flows));
	fprintf(out, "Packets processed: %llu\n", U(st->processed));
	if (st->non_sampled)
		fprintf(out, "Packets non-sampled: %llu\n", U(st->non_sampled));
	fprintf(out, "Fragments: %llu\n", U(st->fragments));
	fprintf(out, "Ignored packets: %llu (%llu non-IP, %llu too short)\n",
		U(st->non_ip + bad), U(st->non_ip), U(bad));
	fprintf(out, "Flows expired: %llu (%llu forced)\n", U(st->flows_expired),
		U(r[RULE_MAXFLOWS] + r[RULE_FLUSHED]));
	if (ex)
		fprintf(out, "Flows exported: %llu (%llu records) in %llu packets (%llu failures)\n",
			U(ex->records), U(ex->records), U(ex->datagrams),
			U(ex->tp ? ex->tp->failures : 0));
	if (cap) {
		fprintf(out, "Packets received by libpcap: %llu\n", U(cap->received));
		fprintf(out, "Packets dropped by libpcap: %llu\n", U(cap->dropped));
		fprintf(out, "Packets dropped by interface: %llu\n", U(cap->if_dropped));
	}
	fprintf(out, "\n");

	if (st->flows_expired > 0) {
		double n = (double)st->flows_expired;
		fprintf(out, "Expired flow statistics:  minimum       average       maximum\n");
		fprintf(out, "  Flow bytes:        %12.0f  %12.0f  %12.0f\n",
			st->flow_octets.min, st->flow_octets.sum / n, st->flow_octets.max);
		fprintf(out, "  Flow packets:      %12.0f  %12.0f  %12.0f\n",
			st->flow_packets.min, st->flow_packets.sum / n, st->flow_packets.max);
		fprintf(out, "  Duration:          %12.2fs %12.2fs %12.2fs\n",
			st->flow_seconds.min, st->flow_seconds.sum / n, st->flow_seconds.max);
		fprintf(out, "\n");
		stats_print_reasons(out, st);
	}

	/* Ours, past softflowd's block. */
	fprintf(out, "\nFlows created: %llu\n", U(st->flows_created));
	fprintf(out, "Flows by end reason: idle %llu, active %llu, end of flow %llu, forced %llu, lack of resources %llu\n",
		U(st->expired_by_reason[END_IDLE]), U(st->expired_by_reason[END_ACTIVE]),
		U(st->expired_by_reason[END_OF_FLOW]), U(st->expired_by_reason[END_FORCED]),
		U(st->expired_by_reason[END_LACK_OF_RESOURCES]));
	fprintf(out, "Bad packets: %llu too short, %llu bad IP header\n",
		U(st->too_short), U(st->bad_header));
	fprintf(out, "Later fragments: %llu joined their first, %llu waited for it, %llu unmatched (ports 0)\n",
		U(st->frag_joined), U(st->frag_held), U(st->frag_unmatched));
	if (ex && !ex->fmt->ipv6)
		fprintf(out, "IPv6 flows not exportable in %s: %llu\n", ex->fmt->name,
			U(ex->unexportable));
	fprintf(out, "Flow table memory: %llu bytes\n", U(st->table_bytes));
}
