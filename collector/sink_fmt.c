/* sink_fmt.c - field formatting shared by the output sinks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sink.h"
#include "proto_names.h"

void fmt_time(char *buf, size_t len, int64_t us)
{
	time_t secs = (time_t)(us / 1000000 - (us % 1000000 < 0));
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)secs);
}

/* nfdump's order, most significant bit first, '.' for a clear bit. */
void fmt_tcp_flags(char *buf, uint8_t flags)
{
	static const char names[] = "CEUAPRSF";
	for (int i = 0; i < 8; i++)
		buf[i] = (flags & (0x80 >> i)) ? names[i] : '.';
	buf[8] = '\0';
}

const char *fmt_proto(uint8_t proto, char *buf, size_t len)
{
	const char *name = proto_names[proto];
	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

void fmt_addr(char *buf, size_t len, uint8_t af, const uint8_t *addr)
{
	if (inet_ntop(af == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static const struct sink_ops *const sinks[] = { &sink_table, &sink_csv };

const struct sink_ops *sink_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		if (strcmp(sinks[i]->name, name) == 0)
			return sinks[i];
	return NULL;
}

void fmt_mac(char buf[18], const uint8_t mac[6])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
