/*
 * template.c - which elements our records carry, in which order.
 *
 * Order as softflowd (reference §4.3): addresses, times, counters and
 * interfaces, then ports or ICMP type/code, protocol, flags, version and
 * ToS, then the -T, -b and -x extras.  Counters are 8 bytes (IANA's
 * unsigned64): a flow never has to end early to fit 32 bits.
 */
#include <string.h>
#include "template.h"

static void add(struct template *t, uint16_t id, uint32_t pen)
{
	const struct ie *ie = ie_find(id, pen);
	/* Every id below is in ie.c's table; test_ipfix checks each template. */
	if (ie == NULL || t->nfields == TEMPLATE_MAX_FIELDS)
		return;
	t->f[t->nfields].ie = ie;
	t->f[t->nfields].len = ie->len;
	t->nfields++;
	t->record_len = (uint16_t)(t->record_len + ie->len);
}

static void add_times(struct template *t, enum time_mode m)
{
	static const uint16_t ids[][2] = {
		[TIMES_MILLI] = { 152, 153 }, [TIMES_SEC] = { 150, 151 },
		[TIMES_MICRO] = { 154, 155 }, [TIMES_NANO] = { 156, 157 },
		[TIMES_UPTIME] = { 22, 21 },
	};
	add(t, ids[m][0], 0);
	add(t, ids[m][1], 0);
}

static void build_data(struct template *t, uint16_t id, int v6, int icmp,
		       const struct template_options *o)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	add(t, v6 ? 27 : 8, 0);
	add(t, v6 ? 28 : 12, 0);
	add_times(t, o->times);
	add(t, 1, 0);		/* octets */
	add(t, 2, 0);		/* packets */
	add(t, 10, 0);		/* ingress */
	add(t, 14, 0);		/* egress */
	add(t, 61, 0);		/* flowDirection */
	add(t, 136, 0);		/* flowEndReason */
	if (icmp) {
		add(t, v6 ? 139 : 32, 0);
	} else {
		add(t, 7, 0);
		add(t, 11, 0);
	}
	add(t, 4, 0);		/* protocol */
	add(t, 6, 0);		/* TCP flags */
	add(t, 60, 0);		/* IP version */
	add(t, 5, 0);		/* ToS */
	if (v6)
		add(t, 31, 0);	/* flow label */
	if (o->vlan)
		add(t, 58, 0);
	if (o->ether) {
		add(t, 56, 0);
		add(t, 80, 0);
	}
	if (o->biflow) {
		add(t, 1, PEN_REVERSE);
		add(t, 2, PEN_REVERSE);
		add(t, 5, PEN_REVERSE);
		add(t, 6, PEN_REVERSE);
	}
	for (int i = 0; i < o->mpls && i < 10; i++)
		add(t, (uint16_t)(70 + i), 0);
}

/*
 * IPFIX: scope meteringProcessId, then the init time (the base of uptime
 * times), sampling as PSAMP's interval/space/algorithm, interface name.
 * v9 (RFC 3954 scope types): scope "interface", then sampling interval
 * and algorithm, interface name.
 */
static void build_options(struct template *t, int ipfix)
{
	memset(t, 0, sizeof(*t));
	t->id = TEMPLATE_ID_OPTIONS;
	if (ipfix) {
		add(t, 143, 0);
		t->scope_fields = 1;
		add(t, 160, 0);
		add(t, 305, 0);
		add(t, 306, 0);
		add(t, 304, 0);
		add(t, 82, 0);
	} else {
		/* v9 scope field type 2 (Interface), 4 bytes: not an IE, so
		 * spelled out here; its value is the interface index. */
		static const struct ie scope_if = { 2, 0, "scopeInterface", IET_UNSIGNED,
						    IEW_SCOPE_IF, 4, 0 };
		t->f[0].ie = &scope_if;
		t->f[0].len = 4;
		t->nfields = 1;
		t->record_len = 4;
		t->scope_fields = 1;
		add(t, 34, 0);
		add(t, 35, 0);
		add(t, 82, 0);
	}
}

void templates_build(struct template_set *s, const struct template_options *o)
{
	build_data(&s->data[0], 1024, 0, 0, o);
	build_data(&s->data[1], 1025, 0, 1, o);
	build_data(&s->data[2], 2048, 1, 0, o);
	build_data(&s->data[3], 2049, 1, 1, o);
	build_options(&s->options, o->ipfix);
}

const struct template *template_for(const struct template_set *s, uint8_t af, uint8_t proto)
{
	int v6 = af == 6;
	int icmp = v6 ? proto == 58 : proto == 1;
	return &s->data[v6 * 2 + icmp];
}
