/*
 * timeouts.c - defaults and -t parsing, as softflowd 1.1.0 has them
 * (reference: softflowd-1.1.0.md §2.1).
 */
#include <stdio.h>
#include <string.h>
#include "timeouts.h"

/* One day short of 68 years: keeps deadline arithmetic in µs far from
 * int64 overflow while allowing anything a person would type. */
#define TIMEOUT_MAX 0x7fffffffu

void timeouts_default(struct timeouts *t)
{
	t->tcp = 3600;
	t->tcp_rst = 120;
	t->tcp_fin = 300;
	t->udp = 300;
	t->icmp = 300;
	t->general = 3600;
	t->maxlife = 604800;
	t->expint = 60;
}

void timeouts_print(FILE *out, const struct timeouts *t)
{
	fprintf(out, "           TCP timeout: %us\n", (unsigned)t->tcp);
	fprintf(out, "  TCP post-RST timeout: %us\n", (unsigned)t->tcp_rst);
	fprintf(out, "  TCP post-FIN timeout: %us\n", (unsigned)t->tcp_fin);
	fprintf(out, "           UDP timeout: %us\n", (unsigned)t->udp);
	fprintf(out, "          ICMP timeout: %us\n", (unsigned)t->icmp);
	fprintf(out, "       General timeout: %us\n", (unsigned)t->general);
	fprintf(out, "      Maximum lifetime: %us\n", (unsigned)t->maxlife);
	fprintf(out, "       Expiry interval: %us\n", (unsigned)t->expint);
}

int convtime(const char *s, uint32_t *out)
{
	uint64_t total = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s) {
		uint64_t n = 0;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (uint64_t)(*s++ - '0');
			if (n > TIMEOUT_MAX)
				return -1;
		}
		switch (*s) {
		case '\0': break;
		case 's': case 'S': s++; break;
		case 'm': case 'M': n *= 60; s++; break;
		case 'h': case 'H': n *= 3600; s++; break;
		case 'd': case 'D': n *= 86400; s++; break;
		case 'w': case 'W': n *= 604800; s++; break;
		default: return -1;
		}
		total += n;
		if (total > TIMEOUT_MAX)
			return -1;
	}
	*out = (uint32_t)total;
	return 0;
}

static const struct {
	const char *name;
	size_t offset;
} names[] = {
	{ "tcp", offsetof(struct timeouts, tcp) },
	{ "tcp.rst", offsetof(struct timeouts, tcp_rst) },
	{ "tcp.fin", offsetof(struct timeouts, tcp_fin) },
	{ "udp", offsetof(struct timeouts, udp) },
	{ "icmp", offsetof(struct timeouts, icmp) },
	{ "general", offsetof(struct timeouts, general) },
	{ "maxlife", offsetof(struct timeouts, maxlife) },
	{ "expint", offsetof(struct timeouts, expint) },
};

int timeouts_set(struct timeouts *t, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	uint32_t v;

	if (eq == NULL) {
		snprintf(err, errlen, "invalid -t \"%s\": expected name=time, e.g. udp=5m", arg);
		return -1;
	}
	size_t nlen = (size_t)(eq - arg);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != nlen || strncmp(names[i].name, arg, nlen) != 0)
			continue;
		if (convtime(eq + 1, &v) != 0) {
			snprintf(err, errlen,
				 "invalid -t \"%s\": bad time \"%s\" (digits with s, m, h, d or w, e.g. 1h30m)",
				 arg, eq + 1);
			return -1;
		}
		if (v == 0 && strcmp(names[i].name, "general") == 0) {
			snprintf(err, errlen, "invalid -t \"%s\": the general timeout must be greater than zero", arg);
			return -1;
		}
		*(uint32_t *)((char *)t + names[i].offset) = v;
		return 0;
	}
	snprintf(err, errlen,
		 "invalid -t \"%s\": unknown timeout \"%.*s\" (tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)",
		 arg, (int)nlen, arg);
	return -1;
}
