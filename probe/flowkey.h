/*
 * flowkey.h - the 7-tuple that names a one-way flow.
 *
 * Source and destination address, source and destination port, IP
 * protocol, ToS byte and input interface; -T vlan, -T ether and -x add
 * the VLAN id and, through one number, the MACs and MPLS labels.  IPv4 addresses sit in the first
 * 4 bytes of the 16-byte fields and the rest stays zero, so one key type
 * serves both families and compares with memcmp.  Every byte of the struct
 * is a field or zeroed padding: build keys with flowkey_clear() first.
 */
#ifndef FP_FLOWKEY_H
#define FP_FLOWKEY_H

#include <stdint.h>
#include <string.h>

struct flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t ifindex;
	uint16_t sport;
	uint16_t dport;		/* ICMP: type * 256 + code */
	uint16_t vlan;		/* only at -T vlan and ether, else 0 */
	uint8_t af;		/* 4 or 6 */
	uint8_t proto;
	uint8_t tos;
	uint8_t l2id[3];	/* -T ether, -x: the number of the MAC pair and
				 * label entries keyed (l2extras.h), else 0 */
};

_Static_assert(sizeof(struct flow_key) == 48, "flow_key must have no hidden padding");

static inline void flowkey_clear(struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
}

static inline uint32_t flowkey_l2id(const struct flow_key *k)
{
	return (uint32_t)k->l2id[0] << 16 | (uint32_t)k->l2id[1] << 8 | k->l2id[2];
}

static inline void flowkey_set_l2id(struct flow_key *k, uint32_t id)
{
	k->l2id[0] = (uint8_t)(id >> 16);
	k->l2id[1] = (uint8_t)(id >> 8);
	k->l2id[2] = (uint8_t)id;
}

#endif
