/*
 * sink_fmt.c - field formatting shared by the output sinks.
 *
 * Each field is byte for byte what the printf family wrote before (the
 * CSV is compared with nfdump's), but made by hand on the common path:
 * per flow, vfprintf and strftime cost ten times the decoding.  Values
 * outside the common path (times before 1970 or after 9999, durations
 * too long to print exactly from an integer) still go through libc.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sink.h"
#include "outbuf.h"
#include "proto_names.h"

/* What snprintf left in a buffer of len bytes. */
static size_t printed(int n, size_t len)
{
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* The civil date of a day counted from 1970-01-01 (Howard Hinnant's
 * civil_from_days, proleptic Gregorian), for days >= 0. */
static void civil_from_days(uint32_t days, unsigned *y, unsigned *m, unsigned *d)
{
	uint32_t z = days + 719468;	/* days from 0000-03-01 */
	uint32_t era = z / 146097;
	uint32_t doe = z - era * 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* Whether gmtime is plain POSIX time, as the arithmetic above is.  glibc's
 * gmtime counts leap seconds when TZ names a "right/" zone (27 seconds off
 * by 2017); then every time goes through gmtime, as it always did.  Asked
 * once: the answer is fixed by the environment at start. */
static int gmtime_is_posix(void)
{
	static int known = -1;

	if (known < 0) {
		time_t t = 1700000000;	/* 2023-11-14 22:13:20, after the last leap */
		struct tm tm;
		known = gmtime_r(&t, &tm) != NULL && tm.tm_year == 123 && tm.tm_mon == 10 &&
			tm.tm_mday == 14 && tm.tm_hour == 22 && tm.tm_min == 13 && tm.tm_sec == 20;
	}
	return known;
}

#define LAST_SEC_9999 253402300799LL	/* 9999-12-31 23:59:59: four-digit years */

size_t fmt_time(char buf[FMT_TIME_LEN], int64_t us)
{
	time_t secs = (time_t)(us / 1000000 - (us % 1000000 < 0));
	struct tm tm;
	size_t n;

	if (secs >= 0 && secs <= LAST_SEC_9999 && gmtime_is_posix()) {
		/* Flows come in runs of the same day: its text is kept. */
		static _Thread_local int64_t day_cached = -1;
		static _Thread_local char day_text[11];
		uint32_t day = (uint32_t)(secs / 86400);
		uint32_t sod = (uint32_t)(secs % 86400);
		char *p = buf;

		if (day != day_cached) {
			unsigned y, mo, d;
			civil_from_days(day, &y, &mo, &d);
			p = put2(day_text, y / 100);
			p = put2(p, y % 100);
			*p++ = '-';
			p = put2(p, mo);
			*p++ = '-';
			p = put2(p, d);
			*p = ' ';
			day_cached = day;
		}
		memcpy(buf, day_text, sizeof(day_text));
		p = buf + sizeof(day_text);
		p = put2(p, sod / 3600);
		*p++ = ':';
		p = put2(p, sod / 60 % 60);
		*p++ = ':';
		p = put2(p, sod % 60);
		return (size_t)(p - buf);
	}
	if (gmtime_r(&secs, &tm) == NULL ||
	    (n = strftime(buf, FMT_TIME_LEN, "%Y-%m-%d %H:%M:%S", &tm)) == 0)
		n = printed(snprintf(buf, FMT_TIME_LEN, "%lld", (long long)secs), FMT_TIME_LEN);
	return n;
}

/*
 * "%.3f" of (double)ms / 1000.0, the duration column.  printf prints the
 * double exactly, rounded; the double is the exact quotient rounded to 53
 * bits.  Below 2^42 s its error is under 2^-12 s, far from the half
 * millisecond that would change the third decimal, so the text is exactly
 * ms with a point three digits from the right.  Beyond, printf decides.
 */
#define EXACT_MS (1000LL << 42)

size_t fmt_secs3(char buf[FMT_SECS_LEN], int64_t ms)
{
	if (ms > -EXACT_MS && ms < EXACT_MS) {
		uint64_t a = (uint64_t)(ms < 0 ? -ms : ms);
		char tmp[OB_U64_LEN + 5], *end = tmp + sizeof(tmp);
		char *p = end - 3;
		unsigned frac = (unsigned)(a % 1000);

		p[0] = (char)('0' + frac / 100);
		put2(p + 1, frac % 100);
		*--p = '.';
		p -= ob_dec(p, a / 1000);
		if (ms < 0)
			*--p = '-';
		memcpy(buf, p, (size_t)(end - p));
		return (size_t)(end - p);
	}
	return printed(snprintf(buf, FMT_SECS_LEN, "%.3f", (double)ms / 1000.0), FMT_SECS_LEN);
}

/* "%03d" of (int)(ms % 1000): a negative time's remainder is negative,
 * and printf shows it so ("-05"); keep that. */
size_t fmt_milli(char buf[FMT_MILLI_LEN], int64_t ms)
{
	int v = (int)(ms % 1000);

	if (v >= 0) {
		buf[0] = (char)('0' + v / 100);
		put2(buf + 1, (unsigned)v % 100);
		return 3;
	}
	return printed(snprintf(buf, FMT_MILLI_LEN, "%03d", v), FMT_MILLI_LEN);
}

/* nfdump's order, most significant bit first, '.' for a clear bit. */
void fmt_tcp_flags(char buf[8], uint8_t flags)
{
	static const char names[] = "CEUAPRSF";
	for (int i = 0; i < 8; i++)
		buf[i] = (flags & (0x80 >> i)) ? names[i] : '.';
}

size_t fmt_proto(char buf[FMT_PROTO_LEN], uint8_t proto)
{
	const char *name = proto_names[proto];

	if (name) {
		size_t n = strlen(name);	/* at most 5 */
		memcpy(buf, name, n);
		return n;
	}
	/* Unnamed ones, as "%u" printed them. */
	char tmp[3];
	size_t n = ob_dec(tmp + sizeof(tmp), proto);
	memcpy(buf, tmp + sizeof(tmp) - n, n);
	return n;
}

/* inet_ntop's dotted quad: decimal bytes, no leading zeros. */
/* "0." to "255.", each in 4 bytes, and its length in the last. */
static const char (*octet_texts(void))[5]
{
	static char t[256][5];
	static int made;
	if (!made) {
		for (unsigned b = 0; b < 256; b++) {
			int n = snprintf(t[b], sizeof(t[b]), "%u.", b);
			t[b][4] = (char)n;
		}
		made = 1;
	}
	return (const char (*)[5])t;
}

static size_t fmt_ipv4(char *buf, const uint8_t a[4])
{
	const char (*t)[5] = octet_texts();
	char *p = buf;
	for (int i = 0; i < 4; i++) {
		memcpy(p, t[a[i]], 4);	/* buf has room: 16 bytes at most */
		p += t[a[i]][4];
	}
	return (size_t)(p - 1 - buf);
}

/*
 * inet_ntop's IPv6 text, step for step as glibc (after BIND) makes it: the
 * longest run of two or more zero groups, the first of equal ones, becomes
 * "::"; groups are lowercase hex without leading zeros; an address that
 * is ::a.b.c.d or ::ffff:a.b.c.d ends in the dotted quad.
 */
static size_t fmt_ipv6(char *buf, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	char *p = buf;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
		} else if (cur >= 0) {
			if (best < 0 || cur_len > best_len)
				best = cur, best_len = cur_len;
			cur = -1;
		}
	}
	if (cur >= 0 && (best < 0 || cur_len > best_len))
		best = cur, best_len = cur_len;
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return (size_t)(p - buf) + fmt_ipv4(p, a + 12);
		for (int sh = w[i] >= 0x1000 ? 12 : w[i] >= 0x100 ? 8 : w[i] >= 0x10 ? 4 : 0;
		     sh >= 0; sh -= 4)
			*p++ = hex[w[i] >> sh & 15];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return (size_t)(p - buf);
}

/* Any af but 6 is IPv4, as it was for inet_ntop. */
size_t fmt_addr(char buf[INET6_ADDRSTRLEN_], uint8_t af, const uint8_t *addr)
{
	return af == 6 ? fmt_ipv6(buf, addr) : fmt_ipv4(buf, addr);
}

void fmt_mac(char buf[FMT_MAC_LEN], const uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++) {
		buf[i * 3] = hex[mac[i] >> 4];
		buf[i * 3 + 1] = hex[mac[i] & 15];
		if (i < 5)
			buf[i * 3 + 2] = ':';
	}
}

static const struct sink_ops *const sinks[] = { &sink_table, &sink_csv, &sink_json, &sink_flows,
						&sink_clickhouse, &sink_sqlite };

uint64_t fmt_rate(double r)
{
	if (!(r > 0))
		return 0;
	return r >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)r;
}

struct summary_rates summary_rates(const struct flow_totals *t)
{
	struct summary_rates z = { 0, 0, t->packets ? t->octets / t->packets : 0 };
	int64_t span_ms = t->flows ? t->last_us / 1000 - t->first_us / 1000 : 0;

	if (span_ms > 0) {
		z.bps = fmt_rate((double)t->octets * 8 * 1000 / (double)span_ms);
		z.pps = fmt_rate((double)t->packets * 1000 / (double)span_ms);
	}
	return z;
}

void fmt_csv_summary(FILE *out, const struct flow_totals *t)
{
	struct summary_rates z = summary_rates(t);

	fprintf(out, "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n");
	fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
		t->flows, t->octets, t->packets, z.bps, z.pps, z.bpp);
}

void sink_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]) && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", sinks[i]->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

const struct sink_ops *sink_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		if (strcmp(sinks[i]->name, name) == 0)
			return sinks[i];
	return NULL;
}
