/*
 * template.h - the probe's v9/IPFIX templates, built from ie.c's rows.
 *
 * Four data templates, chosen per record by address family and ICMP or
 * not, as softflowd numbers them (1024 IPv4, 1025 ICMP, 2048 IPv6, 2049
 * ICMPv6), and one options template (256) describing the metering
 * process.  What the templates hold follows the options (time encoding,
 * -T fields, -x labels, -b reverse counters); they are built once and
 * never change during a run, since several collectors mishandle a
 * template that is redefined (collectors.md §8).
 */
#ifndef FP_TEMPLATE_H
#define FP_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>
#include "ie.h"

#define TEMPLATE_MAX_FIELDS 48
#define TEMPLATE_DATA_COUNT 4
#define TEMPLATE_ID_OPTIONS 256

/* How record times are written (-A). */
enum time_mode {
	TIMES_MILLI = 0,	/* flowStart/EndMilliseconds (152/153): the default */
	TIMES_SEC,		/* 150/151 */
	TIMES_MICRO,		/* 154/155, NTP format */
	TIMES_NANO,		/* 156/157, NTP format */
	TIMES_UPTIME,		/* 22/21, ms since systemInitTime: softflowd's default */
};

struct template_field {
	const struct ie *ie;
	uint16_t len;
};

struct template {
	uint16_t id;
	uint16_t nfields;
	uint16_t scope_fields;	/* options templates: leading scope fields */
	uint16_t record_len;	/* bytes of one data record */
	struct template_field f[TEMPLATE_MAX_FIELDS];
};

struct template_options {
	enum time_mode times;
	int vlan;		/* -T vlan or ether: vlanId */
	int ether;		/* -T ether: MAC addresses */
	int mpls;		/* -x N: N label stack entries */
	int biflow;		/* -b (IPFIX): reverse counters */
	int ipfix;		/* options template layout: IPFIX or v9 */
};

struct template_set {
	struct template data[TEMPLATE_DATA_COUNT];
	struct template options;
};

void templates_build(struct template_set *s, const struct template_options *o);

/* The data template for a record: IPv4/IPv6, ICMP or not. */
const struct template *template_for(const struct template_set *s, uint8_t af, uint8_t proto);

#endif
