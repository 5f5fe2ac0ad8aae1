/* flowdump.c - a flow record as one line of text (see flowdump.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "flowdump.h"

const char *flowdump_reason(unsigned reason)
{
	static const char *const names[] = {
		[END_IDLE] = "idle", [END_ACTIVE] = "active", [END_OF_FLOW] = "end-of-flow",
		[END_FORCED] = "forced", [END_LACK_OF_RESOURCES] = "lack-of-resources",
	};
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown";
}

static void format_time(int64_t us, char *buf, size_t len)
{
	/* Floor division: a time before 1970 still prints its own second. */
	int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	time_t t = (time_t)sec;
	struct tm tm;
	char day[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "%lld.%06lld", (long long)sec, (long long)(us - sec * 1000000));
		return;
	}
	snprintf(buf, len, "%s.%06lld", day, (long long)(us - sec * 1000000));
}

/* with_end: the end:REASON field, which an active flow does not have. */
static size_t format_line(const struct flow_record *r, int with_end, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], first[48], last[48];
	int family = r->af == 6 ? AF_INET6 : AF_INET;

	if (len == 0)
		return 0;
	if (inet_ntop(family, r->src, src, sizeof(src)) == NULL)
		snprintf(src, sizeof(src), "?");
	if (inet_ntop(family, r->dst, dst, sizeof(dst)) == NULL)
		snprintf(dst, sizeof(dst), "?");
	format_time(r->first_us, first, sizeof(first));
	format_time(r->last_us, last, sizeof(last));
	int n = snprintf(buf, len,
			 "[%s]:%u > [%s]:%u proto:%u tos:0x%02x if:%u octets:%llu packets:%llu "
			 "start:%s finish:%s tcp:%02x flowlabel:%05x vlan:%u%s%s",
			 src, r->sport, dst, r->dport, r->proto, r->tos, r->in_if,
			 (unsigned long long)r->octets, (unsigned long long)r->packets, first, last,
			 r->tcp_flags, r->flowlabel, r->vlan, with_end ? " end:" : "",
			 with_end ? flowdump_reason(r->end_reason) : "");
	if (n < 0)
		return 0;
	static const uint8_t none[6];
	if ((size_t)n < len && (memcmp(r->src_mac, none, 6) || memcmp(r->dst_mac, none, 6))) {
		const uint8_t *a = r->src_mac, *b = r->dst_mac;
		int m = snprintf(buf + n, len - (size_t)n,
				 " mac:%02x:%02x:%02x:%02x:%02x:%02x>%02x:%02x:%02x:%02x:%02x:%02x",
				 a[0], a[1], a[2], a[3], a[4], a[5], b[0], b[1], b[2], b[3], b[4], b[5]);
		if (m > 0)
			n += m;
	}
	/* -x: the label entries, as nfdump prints them (label-EXP-bottom),
	 * up to the last one that is not all zeros. */
	int depth = 0;
	for (int i = 0; i < MPLS_LABELS_MAX; i++)
		if (r->mpls[i][0] | r->mpls[i][1] | r->mpls[i][2])
			depth = i + 1;
	for (int i = 0; i < depth && (size_t)n < len; i++) {
		const uint8_t *e = r->mpls[i];
		uint32_t v = (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
		int m = snprintf(buf + n, len - (size_t)n, "%s%u-%u-%u", i ? "," : " mpls:",
				 v >> 4, (v >> 1) & 7, v & 1);
		if (m > 0)
			n += m;
	}
	return (size_t)n < len ? (size_t)n : len - 1;
}

size_t flowdump_format(const struct flow_record *r, char *buf, size_t len)
{
	return format_line(r, 1, buf, len);
}

void flowdump_active(FILE *out, uint64_t seq, const struct flow_record *r, int64_t due_s,
		     int64_t now_s)
{
	char line[512];

	format_line(r, 0, line, sizeof(line));
	fprintf(out, "ACTIVE seq:%llu %s\n", (unsigned long long)seq, line);
	if (due_s - now_s < 0 || due_s == 0)
		fprintf(out, "EXPIRY EVENT for flow %llu now%s\n", (unsigned long long)seq,
			due_s == 0 ? " (FORCED)" : "");
	else
		fprintf(out, "EXPIRY EVENT for flow %llu in %lld seconds\n", (unsigned long long)seq,
			(long long)(due_s - now_s));
	fprintf(out, "\n");
}
