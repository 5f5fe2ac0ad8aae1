/*
 * timeouts.h - softflowd's named timeouts and their -t syntax.
 *
 * Values are seconds.  A value of 0 disables a rule (the flow falls through
 * to the next one), except general, which must be positive.
 */
#ifndef FP_TIMEOUTS_H
#define FP_TIMEOUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct timeouts {
	uint32_t tcp;		/* TCP, no RST and not FIN both ways */
	uint32_t tcp_rst;	/* TCP after a RST in either direction */
	uint32_t tcp_fin;	/* TCP after FIN in both directions */
	uint32_t udp;
	uint32_t icmp;
	uint32_t general;	/* every other protocol */
	uint32_t maxlife;	/* active timeout: a flow's age cap */
	uint32_t expint;	/* expiry checks run on multiples of this */
};

void timeouts_default(struct timeouts *t);

/* Parse "1h30m" style: groups of digits with an optional unit s, m, h, d,
 * w (either case), summed.  Returns 0, or -1 on bad syntax or overflow. */
int convtime(const char *s, uint32_t *out);

/* Apply one -t name=value.  On error returns -1 with a message in err. */
int timeouts_set(struct timeouts *t, const char *arg, char *err, size_t errlen);

/* The values as softflowd's control socket prints them ("timeouts"), one
 * right-aligned line each, TCP timeout to Expiry interval. */
void timeouts_print(FILE *out, const struct timeouts *t);

#endif
