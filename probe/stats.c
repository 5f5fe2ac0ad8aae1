/* stats.c - the end-of-run statistics block. */
#include <netdb.h>
#include "stats.h"
#include "../export/exporter.h"
#include "../export/flowrec.h"

void stats_print(FILE *out, const struct probe_stats *st, const struct exporter *ex,
		 uint64_t active_flows)
{
	const uint64_t *r = st->expired_by_reason;

	fprintf(out, "Number of active flows: %llu\n", (unsigned long long)active_flows);
	fprintf(out, "Packets processed: %llu\n", (unsigned long long)st->processed);
	fprintf(out, "Fragments: %llu\n", (unsigned long long)st->fragments);
	fprintf(out, "Ignored packets: %llu (%llu non-IP, %llu too short, %llu bad header, %llu IPv6 not exportable)\n",
		(unsigned long long)(st->non_ip + st->too_short + st->bad_header + st->ipv6_ignored),
		(unsigned long long)st->non_ip, (unsigned long long)st->too_short,
		(unsigned long long)st->bad_header, (unsigned long long)st->ipv6_ignored);
	fprintf(out, "Flows expired: %llu (%llu forced)\n", (unsigned long long)st->flows_expired,
		(unsigned long long)(r[END_FORCED] + r[END_LACK_OF_RESOURCES]));
	if (ex)
		fprintf(out, "Flows exported: %llu (%llu records) in %llu packets (%llu failures)\n",
			(unsigned long long)ex->records, (unsigned long long)ex->records,
			(unsigned long long)ex->datagrams,
			(unsigned long long)(ex->tp ? ex->tp->failures : 0));
	fprintf(out, "\nExpired flow reasons:\n");
	fprintf(out, "      idle = %9llu    active = %9llu end of flow = %9llu\n",
		(unsigned long long)r[END_IDLE], (unsigned long long)r[END_ACTIVE],
		(unsigned long long)r[END_OF_FLOW]);
	fprintf(out, "    forced = %9llu  resources = %9llu\n",
		(unsigned long long)r[END_FORCED], (unsigned long long)r[END_LACK_OF_RESOURCES]);
	fprintf(out, "\nPer-protocol statistics:     Octets      Packets      Flows\n");
	for (int p = 0; p < 256; p++) {
		if (st->proto_packets[p] == 0)
			continue;
		char label[40];
		struct protoent *pe = getprotobynumber(p);
		snprintf(label, sizeof(label), "%s (%d)", pe ? pe->p_name : "Unknown", p);
		fprintf(out, "  %17s: %14llu %12llu %10llu\n", label,
			(unsigned long long)st->proto_octets[p],
			(unsigned long long)st->proto_packets[p],
			(unsigned long long)st->proto_flows[p]);
	}
}
