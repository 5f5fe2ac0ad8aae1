/*
 * test_sender.c - UDP sends on their own thread (export/sender.h): every
 * datagram arrives, whole and in order, through the ring's wrap-around
 * and past its size; refused sends are counted.  Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "../../export/sender.h"

/* A receiving socket on 127.0.0.1 and a sending one connected to it. */
static void socket_pair(int *rx, int *tx)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*rx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(*rx >= 0);
	assert_int_equal(bind(*rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(*rx, (struct sockaddr *)&a, &alen), 0);
	*tx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(*tx >= 0);
	assert_int_equal(connect(*tx, (struct sockaddr *)&a, sizeof(a)), 0);
}

/* Datagram i: its length, and bytes that say which datagram it is. */
static size_t dgram_len(int i)
{
	switch (i % 5) {
	case 0: return 1464;		/* a full v5 datagram */
	case 1: return 1;
	case 2: return 37;		/* not a multiple of 8 */
	case 3: return 9000;
	default: return 60000;		/* near UDP's largest */
	}
}

static void dgram_fill(uint8_t *b, int i, size_t len)
{
	for (size_t k = 0; k < len; k++)
		b[k] = (uint8_t)(i * 31 + k * 7);
}

#define COUNT 600

struct rx_state {
	int fd;
	int got, bad;
};

static void *receiver(void *arg)
{
	struct rx_state *r = arg;
	static uint8_t buf[65536], want[65536];
	while (r->got < COUNT) {
		ssize_t n = recv(r->fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		size_t len = dgram_len(r->got);
		dgram_fill(want, r->got, len);
		if ((size_t)n != len || memcmp(buf, want, len) != 0)
			r->bad++;
		r->got++;
	}
	return NULL;
}

/* 600 datagrams, 14 MB in all: the 1 MiB ring wraps many times. */
static void test_all_arrive_in_order(void **state)
{
	(void)state;
	int rx, tx;
	socket_pair(&rx, &tx);
	/* Room for all of it, where allowed (as root), so a slow receiver
	 * thread cannot lose any. */
	int big = 32 << 20;
	if (setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct timeval tv = { 5, 0 };
	setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	struct rx_state r = { rx, 0, 0 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, receiver, &r), 0);
	struct sender *s = sender_start(&tx, 1);
	assert_non_null(s);
	static uint8_t b[65536];
	for (int i = 0; i < COUNT; i++) {
		size_t len = dgram_len(i);
		dgram_fill(b, i, len);
		sender_queue(s, -1, 0, b, len);
		if (i % 40 == 39)
			usleep(2000);	/* let the receiver keep up */
	}
	assert_int_equal(sender_stop(s), 0);
	pthread_join(th, NULL);
	assert_int_equal(r.got, COUNT);
	assert_int_equal(r.bad, 0);
	close(rx);
	close(tx);
}

/* Nobody listens: the kernel refuses sends (ICMP port unreachable makes
 * a later send fail), and sender_sync says how many. */
static void test_refused_counted(void **state)
{
	(void)state;
	int rx, tx;
	socket_pair(&rx, &tx);
	close(rx);		/* the port is closed now */
	struct sender *s = sender_start(&tx, 1);
	assert_non_null(s);
	uint8_t b[100] = { 0 };
	for (int i = 0; i < 50; i++) {
		sender_queue(s, -1, 0, b, sizeof(b));
		usleep(200);
	}
	uint64_t f = sender_sync(s);
	assert_true(f > 0);
	assert_true(f <= 50);
	assert_int_equal(sender_stop(s), f);
	close(tx);
}

/* A collector that restarts on the same port: the ICMP port unreachable
 * its absence caused fails the next send with ECONNREFUSED, which counts
 * once; that datagram is sent again and reaches the new collector, on
 * the same socket. */
static void test_collector_restart(void **state)
{
	(void)state;
	int rx, tx;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	socket_pair(&rx, &tx);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	close(rx);		/* the collector stops */
	struct sender *s = sender_start(&tx, 1);
	assert_non_null(s);
	sender_queue(s, -1, 0, (const uint8_t *)"lost", 4);
	assert_int_equal(sender_sync(s), 0);	/* sent; the ICMP comes back */
	usleep(50000);
	rx = socket(AF_INET, SOCK_DGRAM, 0);	/* the collector is back */
	assert_true(rx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	sender_queue(s, -1, 0, (const uint8_t *)"back", 4);
	assert_int_equal(sender_sync(s), 1);	/* the refusal, counted */
	assert_int_equal(sender_failures(s), 1);
	char b[8];
	assert_int_equal(recv(rx, b, sizeof(b), MSG_DONTWAIT), 4);
	assert_memory_equal(b, "back", 4);
	assert_int_equal(sender_stop(s), 1);
	close(rx);
	close(tx);
}

/* Paced: 216 datagrams at 2000 a second cannot all go in less than
 * (216 - 16) / 2000 s = 100 ms (16 may go at once); all still arrive.
 * Only the lower bound is asserted: a slow machine takes longer. */
static void test_paced(void **state)
{
	(void)state;
	int rx, tx;
	socket_pair(&rx, &tx);
	int big = 4 << 20;
	if (setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct sender *s = sender_start(&tx, 1);
	assert_non_null(s);
	sender_set_pace(s, 2000);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint8_t b[100] = { 0 };
	for (int i = 0; i < 216; i++)
		sender_queue(s, -1, 0, b, sizeof(b));
	assert_int_equal(sender_stop(s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(elapsed >= 0.099);
	int got = 0;
	while (recv(rx, b, sizeof(b), MSG_DONTWAIT) > 0)
		got++;
	assert_int_equal(got, 216);
	close(rx);
	close(tx);
}

/* -P tcp: a connection that breaks is made again, and the new one
 * starts with a message that carries the templates; what came between
 * is dropped and counted, never written where it cannot be decoded. */
static void test_tcp_reconnect(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	socklen_t alen = sizeof(*a);
	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)a, &alen), 0);

	struct sender *s = sender_start_tcp(&ss, &alen, 1, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sender_epoch(s), 0);
	sender_queue(s, -1, SENDER_TEMPLATES, (const uint8_t *)"AAAA", 4);
	sender_sync(s);
	assert_int_equal(sender_epoch(s), 1);
	int c1 = accept(l, NULL, NULL);
	assert_true(c1 >= 0);
	char buf[64];
	assert_int_equal(recv(c1, buf, 4, MSG_WAITALL), 4);
	assert_memory_equal(buf, "AAAA", 4);

	/* The collector goes away: writes fail once the reset comes back. */
	close(c1);
	for (int i = 0; i < 20 && sender_epoch(s) == 1; i++) {
		sender_queue(s, -1, 0, (const uint8_t *)"BBBB", 4);
		sender_sync(s);
		usleep(10000);
	}
	/* Reconnected (the listener still accepts into its backlog). */
	assert_true(sender_epoch(s) >= 2);
	sender_queue(s, -1, 0, (const uint8_t *)"CCCC", 4);	/* no templates: dropped */
	sender_queue(s, -1, SENDER_TEMPLATES, (const uint8_t *)"DDDD", 4);
	sender_queue(s, -1, 0, (const uint8_t *)"EEEE", 4);
	uint64_t failed = sender_sync(s);
	assert_true(failed >= 1);
	int c2 = accept(l, NULL, NULL);
	assert_true(c2 >= 0);
	assert_int_equal(recv(c2, buf, 8, MSG_WAITALL), 8);
	assert_memory_equal(buf, "DDDDEEEE", 8);
	sender_stop(s);
	close(c2);
	close(l);
}

/* Nothing queued: sync and stop return at once. */
static void test_idle(void **state)
{
	(void)state;
	int rx, tx;
	socket_pair(&rx, &tx);
	struct sender *s = sender_start(&tx, 1);
	assert_non_null(s);
	assert_int_equal(sender_sync(s), 0);
	assert_int_equal(sender_stop(s), 0);
	close(rx);
	close(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_arrive_in_order),
		cmocka_unit_test(test_refused_counted),
		cmocka_unit_test(test_collector_restart),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_paced),
		cmocka_unit_test(test_tcp_reconnect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
