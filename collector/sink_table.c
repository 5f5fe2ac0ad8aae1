/*
 * sink_table.c - the readable table: one line per flow, as people read
 * nfdump's "long" format, with milliseconds and the input interface.
 */
#include <inttypes.h>
#include <string.h>
#include "sink.h"
#include "outbuf.h"

static int table_begin(struct sink *s)
{
	FILE *out = s->out;
	fprintf(out, "%-23s %9s %-5s %21s    %-21s %-8s %3s %4s %9s %11s\n",
		"Date first seen (UTC)", "Duration", "Proto", "Src IP Addr:Port",
		"Dst IP Addr:Port", "Flags", "Tos", "In", "Packets", "Bytes");
	return 0;
}

/* "addr:port", IPv6 as "[addr]:port"; returns its length. */
static size_t endpoint(char buf[INET6_ADDRSTRLEN_ + 8], uint8_t af, const uint8_t *addr,
		       uint16_t port)
{
	char *p = buf;
	if (af == 6)
		*p++ = '[';
	p += fmt_addr(p, af, addr);
	if (af == 6)
		*p++ = ']';
	*p++ = ':';
	char digits[5];
	size_t n = ob_dec(digits + sizeof(digits), port);
	memcpy(p, digits + sizeof(digits) - n, n);
	return (size_t)(p + n - buf);
}

static void table_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	FILE *out = s->out;
	char buf[INET6_ADDRSTRLEN_ + 8];
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;
	struct outbuf ob;

	(void)ctx;
	ob_init(&ob, out);
	ob_mem(&ob, buf, fmt_time(buf, r->first_us));
	ob_char(&ob, '.');
	ob_mem(&ob, buf, fmt_milli(buf, first_ms));
	ob_char(&ob, ' ');
	ob_right(&ob, buf, fmt_secs3(buf, last_ms - first_ms), 9);
	ob_char(&ob, ' ');
	ob_left(&ob, buf, fmt_proto(buf, r->proto), 5);
	ob_char(&ob, ' ');
	ob_right(&ob, buf, endpoint(buf, r->af, r->src, r->sport), 21);
	ob_lit(&ob, " -> ");
	ob_left(&ob, buf, endpoint(buf, r->af, r->dst, r->dport), 21);
	ob_char(&ob, ' ');
	fmt_tcp_flags(buf, r->tcp_flags);
	ob_mem(&ob, buf, 8);
	ob_char(&ob, ' ');
	ob_u64_right(&ob, r->tos, 3);
	ob_char(&ob, ' ');
	ob_u64_right(&ob, r->in_if, 4);
	ob_char(&ob, ' ');
	ob_u64_right(&ob, r->packets, 9);
	ob_char(&ob, ' ');
	ob_u64_right(&ob, r->octets, 11);
	ob_char(&ob, '\n');
	ob_flush(&ob);
}

static void table_end(struct sink *s, const struct flow_totals *t)
{
	FILE *out = s->out;
	fprintf(out, "Summary: %" PRIu64 " flows, %" PRIu64 " packets, %" PRIu64 " octets\n",
		t->flows, t->packets, t->octets);
}

const struct sink_ops sink_table = {
	.name = "table",
	.begin = table_begin,
	.flow = table_flow,
	.end = table_end,
};
