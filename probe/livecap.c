/* livecap.c - capturing from network interfaces (livecap.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "link.h"
#include "livecap.h"

#define LIVE_TIMEOUT_MS 100	/* immediate mode delivers sooner; a bound all the same */
#define PACKET_OUTGOING 4	/* linux/if_packet.h: sent by this host */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

int livecap_open(struct livecap *c, const char *name, uint32_t index,
		 const struct livecap_config *cfg, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->name = name;
	c->any = strcmp(name, "any") == 0;
	c->pcap = pcap_create(name, ebuf);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "cannot capture on \"%s\": %s", name, ebuf);
		return -1;
	}
	pcap_set_snaplen(c->pcap, cfg->snaplen);
	pcap_set_promisc(c->pcap, cfg->promisc);
	pcap_set_timeout(c->pcap, LIVE_TIMEOUT_MS);
	pcap_set_immediate_mode(c->pcap, 1);
	if (cfg->bufsize > 0)
		pcap_set_buffer_size(c->pcap, cfg->bufsize);
	int rc = pcap_activate(c->pcap);
	if (rc < 0) {
		const char *detail = pcap_geterr(c->pcap);
		if (rc == PCAP_ERROR || detail[0] == '\0' || strcmp(detail, pcap_statustostr(rc)) == 0)
			snprintf(err, errlen, "cannot capture on \"%s\": %s", name,
				 detail[0] ? detail : pcap_statustostr(rc));
		else
			snprintf(err, errlen, "cannot capture on \"%s\": %s (%s)", name,
				 pcap_statustostr(rc), detail);
		livecap_close(c);
		return -1;
	}
	if (rc > 0) {
		const char *detail = pcap_geterr(c->pcap);
		snprintf(c->warning, sizeof(c->warning), "%s: %s%s%s", name, pcap_statustostr(rc),
			 detail[0] ? ": " : "", detail);
	}
	/* "any": the cooked v2 header names each packet's interface */
	if (c->any)
		pcap_set_datalink(c->pcap, DLT_LINUX_SLL2);
	c->dlt = pcap_datalink(c->pcap);
	if (!link_supported(c->dlt)) {
		char lname[64];
		snprintf(err, errlen, "cannot capture on \"%s\": unsupported link type %d (%s)", name,
			 c->dlt, link_name(c->dlt, lname, sizeof(lname)));
		livecap_close(c);
		return -1;
	}
	if (pcap_setdirection(c->pcap, PCAP_D_IN) != 0 && !c->any) {
		snprintf(err, errlen, "cannot capture on \"%s\": cannot keep to arriving packets: %s",
			 name, pcap_geterr(c->pcap));
		livecap_close(c);
		return -1;
	}
	if (pcap_setnonblock(c->pcap, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot capture on \"%s\": %s", name, ebuf);
		livecap_close(c);
		return -1;
	}
	c->fd = pcap_get_selectable_fd(c->pcap);
	if (c->fd < 0) {
		snprintf(err, errlen, "cannot capture on \"%s\": no descriptor to wait on", name);
		livecap_close(c);
		return -1;
	}
	c->ifindex = index ? index : c->any ? 0 : if_nametoindex(name);
	return 0;
}

int livecap_set_filter(struct livecap *c, const char *expr, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
	struct bpf_program prog;

	if (c->any || pcap_lookupnet(c->name, &net, &mask, ebuf) != 0)
		mask = PCAP_NETMASK_UNKNOWN;
	if (pcap_compile(c->pcap, &prog, expr, 1, mask) != 0) {
		snprintf(err, errlen, "bad filter expression \"%s\": %s", expr, pcap_geterr(c->pcap));
		return -1;
	}
	int rc = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set the filter on \"%s\": %s", c->name, pcap_geterr(c->pcap));
		return -1;
	}
	return 0;
}

int livecap_outgoing(int dlt, const uint8_t *data, size_t caplen)
{
	/* SLL: packet type, 2 bytes, first; SLL2: 1 byte at offset 10
	 * (protocol, reserved, interface index, ARPHRD, then it). */
	if (dlt == DLT_LINUX_SLL)
		return caplen >= 2 && data[0] == 0 && data[1] == PACKET_OUTGOING;
	if (dlt == DLT_LINUX_SLL2)
		return caplen >= 11 && data[10] == PACKET_OUTGOING;
	return 0;
}

/* An address as a BPF host. */
static void host_text(const struct sockaddr_storage *ss, char *buf, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, buf, (socklen_t)len);
		*port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)len);
		*port = ntohs(a->sin_port);
	}
}

char *livecap_filter(const struct transport *tp, const char *user, char *err, size_t errlen)
{
	size_t cap = (user ? strlen(user) : 0) + 16 + tp->ndest * 320;
	char *s = malloc(cap);
	size_t n = 0;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s[0] = '\0';
	if (user)
		n += (size_t)snprintf(s + n, cap - n, "(%s)", user);
	for (size_t i = 0; i < tp->ndest; i++) {
		char host[INET6_ADDRSTRLEN];
		unsigned port, sport = 0;
		host_text(&tp->dest[i], host, sizeof(host), &port);
		if (n)
			n += (size_t)snprintf(s + n, cap - n, " and ");
		struct sockaddr_storage local;
		socklen_t llen = sizeof(local);
		if (!tp->tcp && tp->fd[i] >= 0 &&
		    getsockname(tp->fd[i], (struct sockaddr *)&local, &llen) == 0) {
			char lhost[INET6_ADDRSTRLEN];
			host_text(&local, lhost, sizeof(lhost), &sport);
			n += (size_t)snprintf(s + n, cap - n,
					      "not (udp and src port %u and dst host %s and dst port %u)",
					      sport, host, port);
		} else {
			n += (size_t)snprintf(s + n, cap - n,
					      "not (%s and ((dst host %s and dst port %u) or "
					      "(src host %s and src port %u)))",
					      tp->tcp ? "tcp" : "udp", host, port, host, port);
		}
	}
	if (n == 0) {
		free(s);
		return NULL;
	}
	return s;
}

int livecap_stats(struct livecap *c, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped)
{
	struct pcap_stat ps;

	if (c->pcap == NULL || pcap_stats(c->pcap, &ps) != 0)
		return -1;
	*received = ps.ps_recv;
	*dropped = ps.ps_drop;
	*ifdropped = ps.ps_ifdrop;
	return 0;
}

void livecap_close(struct livecap *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
	c->fd = -1;
}
