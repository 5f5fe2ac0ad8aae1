/*
 * steer.c - which process of a --reuseport group gets a datagram, by the
 * exporter's address alone.
 *
 * The kernel's own choice hashes the source and destination addresses
 * and ports: an exporter that sends from two ports, or comes back on a
 * new one after a restart, may land in another process.  A classic BPF
 * program attached to the group (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5)
 * picks the socket instead.  It runs with the packet past its UDP (TCP)
 * header, but SKF_NET_OFF reaches back to the IP header, so the source
 * address is readable: the program hashes it (IPv6: the xor of its four
 * words) by a multiply with 2^32 / golden ratio, keeps the high half and
 * returns it modulo the group's size, the index of a socket in the
 * group.  Sockets are indexed in the order they joined (one that leaves
 * is replaced in its slot by the last one); an index with no socket
 * (fewer processes than n) falls back to the kernel's hash.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "listen.h"

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define NET(off) ((uint32_t)(SKF_NET_OFF + (off)))

int steer_by_address(int fd, unsigned n, char *err, size_t errlen)
{
	/* index = ((source * STEER_MUL) mod 2^32 >> 16) mod n, the source
	 * as a big-endian number (IPv6: its four words xored). */
	struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NET(0)),	/* IP version */
		/* 1 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0),	/* IPv6: to 5 */
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(12)),	/* IPv4 source */
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JA, 10, 0, 0),		/* to 15 */
		/* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(8)),	/* IPv6 source */
		/* 6 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(12)),
		/* 8 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 9 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(16)),
		/* 11 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 12 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(20)),
		/* 14 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 15 */ BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, STEER_MUL),
		/* 16 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		/* 17 */ BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		/* 18 */ BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(code) / sizeof(code[0])), code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) != 0) {
		snprintf(err, errlen, "cannot steer the --reuseport group by address "
			 "(SO_ATTACH_REUSEPORT_CBPF): %s", strerror(errno));
		return -1;
	}
	return 0;
}
