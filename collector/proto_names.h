/*
 * proto_names.h - protocol names as nfdump 1.7.1 prints them in its "pr"
 * column; protocols without a name print as their number.
 */
#ifndef FP_PROTO_NAMES_H
#define FP_PROTO_NAMES_H

static const char *const proto_names[256] = {
	[1] = "ICMP", [2] = "IGMP", [6] = "TCP", [17] = "UDP", [47] = "GRE",
	[50] = "ESP", [51] = "AH", [58] = "ICMP6", [132] = "SCTP",
};

#endif
