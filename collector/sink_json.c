/*
 * sink_json.c - JSON Lines: one object a flow, one a line, keyed by IANA
 * IPFIX information element names (sink_json.h lists them), for tools
 * that read JSON (jq, log shippers, databases) without our CSV's layout.
 *
 * Values: numbers are JSON integers written exactly (64-bit counters
 * too); times are milliseconds since the Unix epoch, UTC, as the
 * elements' dateTimeMilliseconds type counts them (floor of a record's
 * µs) - numbers rather than RFC 3339 strings because that is the
 * element's own value, exact, ordered and subtractable as it stands, and
 * no calendar is worked out per flow; addresses are strings as inet_ntop writes them, MACs
 * "aa:bb:cc:dd:ee:ff"; an MPLS label stack entry is the integer of its 3
 * bytes (label << 4 | EXP << 1 | bottom of stack).  Keys come in
 * SINK_JSON_KEYS' order.
 *
 * What every format carries (addresses, ports or ICMP type and code,
 * protocol, flags, ToS, counters, times, interfaces, the exporter) is in
 * every row.  The rest is written only when it is not zero: a record
 * decodes a field its exporter did not send as zero, so an absent key
 * means 0 and no value a record holds is lost.
 */
#include <string.h>
#include "sink.h"
#include "sink_json.h"
#include "outbuf.h"

#define KEY_ENTRY(tag, id, pen, name) { id, pen, #name },
const struct sink_json_key sink_json_keys[] = { SINK_JSON_KEYS(KEY_ENTRY) };
const size_t sink_json_nkeys = sizeof(sink_json_keys) / sizeof(sink_json_keys[0]);

#define KEY_TAG(tag, id, pen, name) K_##tag,
enum { SINK_JSON_KEYS(KEY_TAG) K_COUNT };

/* Each key as written after a value: ,"name": */
#define KEY_TEXT(tag, id, pen, name) { ",\"" #name "\":", sizeof(",\"" #name "\":") - 1 },
static const struct {
	const char *s;
	size_t len;
} key_text[K_COUNT] = { SINK_JSON_KEYS(KEY_TEXT) };

static void key(struct outbuf *ob, int k)
{
	ob_mem(ob, key_text[k].s, key_text[k].len);
}

static void put_num(struct outbuf *ob, int k, uint64_t v)
{
	key(ob, k);
	ob_u64(ob, v);
}

static void put_opt(struct outbuf *ob, int k, uint64_t v)
{
	if (v)
		put_num(ob, k, v);
}

/* Milliseconds of a time in µs, rounded down (before 1970 too). */
static void put_ms_value(struct outbuf *ob, int64_t us)
{
	int64_t ms = us / 1000 - (us % 1000 < 0);
	if (ms < 0) {
		ob_char(ob, '-');
		ob_u64(ob, 0 - (uint64_t)ms);
	} else {
		ob_u64(ob, (uint64_t)ms);
	}
}

static void put_ms(struct outbuf *ob, int k, int64_t us)
{
	key(ob, k);
	put_ms_value(ob, us);
}

static void put_addr(struct outbuf *ob, int k, uint8_t af, const uint8_t *addr)
{
	key(ob, k);
	ob_char(ob, '"');
	ob->len += fmt_addr(ob_room(ob, INET6_ADDRSTRLEN_), af, addr);
	ob_char(ob, '"');
}

static int is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void put_mac(struct outbuf *ob, int k, const uint8_t mac[6])
{
	if (is_zero(mac, 6))
		return;
	key(ob, k);
	ob_char(ob, '"');
	fmt_mac(ob_room(ob, FMT_MAC_LEN), mac);
	ob->len += FMT_MAC_LEN;
	ob_char(ob, '"');
}

/* Ports, or for ICMP the type and code its destination port holds, by
 * the element the exporter would have used (as our templates choose). */
static void put_ports(struct outbuf *ob, const struct flow_record *r)
{
	int icmp = r->af == 6 ? r->proto == 58 : r->proto == 1;
	if (!icmp) {
		put_num(ob, K_SPORT, r->sport);
		put_num(ob, K_DPORT, r->dport);
		return;
	}
	put_opt(ob, K_SPORT, r->sport);	/* an exporter's own, for ICMP */
	put_num(ob, r->af == 6 ? K_ICMP6 : K_ICMP4, r->dport);
}

static void put_optional(struct outbuf *ob, const struct flow_record *r)
{
	int v6 = r->af == 6;

	put_opt(ob, K_REV_PACKETS, r->rev_packets);
	put_opt(ob, K_REV_OCTETS, r->rev_octets);
	put_opt(ob, K_REV_TCP_FLAGS, r->rev_tcp_flags);
	put_opt(ob, K_REV_TOS, r->rev_tos);
	if (!is_zero(r->nexthop, v6 ? 16 : 4))
		put_addr(ob, v6 ? K_NEXTHOP6 : K_NEXTHOP4, r->af, r->nexthop);
	put_opt(ob, K_SRC_AS, r->src_as);
	put_opt(ob, K_DST_AS, r->dst_as);
	put_opt(ob, v6 ? K_SRC_MASK6 : K_SRC_MASK4, r->src_mask);
	put_opt(ob, v6 ? K_DST_MASK6 : K_DST_MASK4, r->dst_mask);
	put_opt(ob, K_FLOWLABEL, r->flowlabel);
	put_opt(ob, K_VLAN, r->vlan);
	put_mac(ob, K_SRC_MAC, r->src_mac);
	put_mac(ob, K_DST_MAC, r->dst_mac);
	/* Each entry under its own element: a zero one (label 0, EXP 0,
	 * not the bottom) between others is left out and still reads back
	 * in its place. */
	for (int i = 0; i < MPLS_LABELS_MAX; i++)
		put_opt(ob, K_MPLS1 + i, mpls_entry(r->mpls[i]));
	put_opt(ob, K_DIRECTION, r->direction);
	put_opt(ob, K_END_REASON, r->end_reason);
}

/* Who exported the flow and when: the address the datagram came from,
 * the version, and the header's observation domain (v9's source id) or,
 * for v5, its engine type and id, which IANA has as elements 38 and 39
 * (v1's header has neither). */
static void put_exporter(struct outbuf *ob, const struct flow_context *ctx)
{
	put_addr(ob, ctx->af == 6 ? K_EXPORTER6 : K_EXPORTER4, ctx->af, ctx->addr);
	put_opt(ob, K_VERSION, ctx->version);
	if (ctx->version == 9 || ctx->version == 10) {
		put_num(ob, K_DOMAIN, ctx->domain);
	} else if (ctx->version == 5) {
		put_num(ob, K_ENGINE_TYPE, ctx->engine_type);
		put_num(ob, K_ENGINE_ID, ctx->engine_id);
	}
	put_ms(ob, K_EXPORT_TIME, ctx->export_us);
}

static void json_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	int v6 = r->af == 6;
	struct outbuf ob;

	ob_init(&ob, s->out);
	/* The first key has no comma before it. */
	ob_char(&ob, '{');
	ob_mem(&ob, key_text[K_FLOW_START].s + 1, key_text[K_FLOW_START].len - 1);
	put_ms_value(&ob, r->first_us);
	put_ms(&ob, K_FLOW_END, r->last_us);
	put_addr(&ob, v6 ? K_SRC6 : K_SRC4, r->af, r->src);
	put_addr(&ob, v6 ? K_DST6 : K_DST4, r->af, r->dst);
	put_ports(&ob, r);
	put_num(&ob, K_PROTO, r->proto);
	put_num(&ob, K_TCP_FLAGS, r->tcp_flags);
	put_num(&ob, K_TOS, r->tos);
	put_num(&ob, K_PACKETS, r->packets);
	put_num(&ob, K_OCTETS, r->octets);
	put_num(&ob, K_IN_IF, r->in_if);
	put_num(&ob, K_OUT_IF, r->out_if);
	put_optional(&ob, r);
	put_exporter(&ob, ctx);
	ob_lit(&ob, "}\n");
	ob_flush(&ob);
}

const struct sink_ops sink_json = {
	.name = "json",
	.flow = json_flow,
};
