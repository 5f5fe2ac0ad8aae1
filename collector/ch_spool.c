/*
 * ch_spool.c - the ClickHouse output's spool file (ch_spool.h).
 *
 * Appends go to the end, reads come from a head offset kept in memory:
 * a collector killed while replaying reads the file from its start
 * again, and the rows it had already sent arrive twice, which the
 * table's identity columns remove (ReplacingMergeTree, FINAL).  The file
 * is not fsync'ed: it survives the collector's crash, not the machine's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "ch_spool.h"

static const uint8_t magic[4] = { 'F', 'C', 'S', '1' };

uint32_t ch_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
	static uint32_t table[256];
	if (table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The whole of [off, off + len) or -1: a short read is the file's end. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n, off += n;
	}
	return 0;
}

/* The frame at off: its rows, length and whether its CRC holds.
 * 1 whole, 0 cut short by the file's end, -1 not a frame (no magic, a
 * length past the bound). */
static int frame_at(const struct ch_spool *sp, off_t off, off_t end, uint32_t *rows,
		    uint32_t *len, int *crc_ok, uint8_t **keep)
{
	uint8_t h[CH_SPOOL_HEADER];

	if (end - off < CH_SPOOL_HEADER)
		return read_at(sp->fd, h, (size_t)(end - off), off) == 0 &&
		       memcmp(h, magic, (size_t)(end - off) < 4 ? (size_t)(end - off) : 4) == 0 ? 0 : -1;
	if (read_at(sp->fd, h, sizeof(h), off) != 0 || memcmp(h, magic, 4) != 0)
		return -1;
	*rows = get32(h + 4);
	*len = get32(h + 8);
	if (*len > CH_SPOOL_FRAME_MAX)
		return -1;
	if (end - off - CH_SPOOL_HEADER < (off_t)*len)
		return 0;
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf == NULL || read_at(sp->fd, buf, *len, off + CH_SPOOL_HEADER) != 0) {
		free(buf);
		return -1;
	}
	*crc_ok = ch_crc32(ch_crc32(0, h + 4, 8), buf, *len) == get32(h + 12);
	if (keep)
		*keep = buf;
	else
		free(buf);
	return 1;
}

/* Check every frame; cut off a torn tail (and anything unreadable). */
static void scan(struct ch_spool *sp)
{
	off_t off = 0, end = sp->size;
	uint32_t rows = 0, len = 0;
	int crc_ok = 0;

	while (off < end) {
		int r = frame_at(sp, off, end, &rows, &len, &crc_ok, NULL);
		off_t next = off + CH_SPOOL_HEADER + (off_t)len;
		if (r == 1 && (crc_ok || next < end)) {
			/* A bad CRC before the last frame is passed over when read. */
			sp->frames++;
			sp->rows += rows;
			off = next;
			continue;
		}
		fprintf(sp->msgs, "flowcollect: clickhouse: spool %s: %s (%lld bytes at offset %lld): "
			"cut off, the batches before it are kept\n", sp->path,
			r == 0 ? "a torn last batch" : r == 1 ? "a last batch whose checksum is wrong"
			: "unreadable bytes, not a batch",
			(long long)(end - off), (long long)off);
		if (ftruncate(sp->fd, off) != 0)
			fprintf(sp->msgs, "flowcollect: clickhouse: spool %s: cannot cut it: %s\n",
				sp->path, strerror(errno));
		break;
	}
	sp->size = off;
}

int ch_spool_open(struct ch_spool *sp, const char *path, FILE *msgs, char *err, size_t errlen)
{
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->msgs = msgs;
	sp->path = strdup(path);
	if (sp->path == NULL) {
		snprintf(err, errlen, "spool %s: out of memory", path);
		return -1;
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* Prove the place writable now, not when the server is down. */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			unlink(path);
			return 0;
		}
	}
	if (fd < 0) {
		snprintf(err, errlen, "spool %s: %s", path, strerror(errno));
		goto fail;
	}
	struct stat stt;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "spool %s: in use by another process", path);
		close(fd);
		goto fail;
	}
	if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
		snprintf(err, errlen, "spool %s: not a regular file", path);
		close(fd);
		goto fail;
	}
	sp->fd = fd;
	sp->size = stt.st_size;
	scan(sp);
	if (sp->frames == 0) {
		ch_spool_close(sp);
		sp->path = strdup(path);
		sp->fd = -1;
		if (sp->path == NULL) {
			snprintf(err, errlen, "spool %s: out of memory", path);
			return -1;
		}
	}
	return 0;
fail:
	free(sp->path);
	sp->path = NULL;
	return -1;
}

int ch_spool_append(struct ch_spool *sp, const uint8_t *buf, size_t len, uint32_t rows)
{
	uint8_t h[CH_SPOOL_HEADER];

	if (len > CH_SPOOL_FRAME_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (sp->fd < 0) {
		sp->fd = open(sp->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (sp->fd < 0)
			return -1;
		if (flock(sp->fd, LOCK_EX | LOCK_NB) != 0 || ftruncate(sp->fd, 0) != 0) {
			int e = errno;
			close(sp->fd);
			sp->fd = -1;
			errno = e;
			return -1;
		}
		sp->head = sp->size = 0;
	}
	memcpy(h, magic, 4);
	put32(h + 4, rows);
	put32(h + 8, (uint32_t)len);
	put32(h + 12, ch_crc32(ch_crc32(0, h + 4, 8), buf, len));
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)buf, len } };
	size_t want = sizeof(h) + len, done = 0;
	while (done < want) {
		/* pwritev at our own end: a short write is continued, and a
		 * failure leaves the file cut back to where it was. */
		struct iovec v[2];
		int nv = 0;
		size_t skip = done;
		for (int i = 0; i < 2; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			v[nv].iov_base = (uint8_t *)iov[i].iov_base + skip;
			v[nv].iov_len = iov[i].iov_len - skip;
			skip = 0;
			nv++;
		}
		ssize_t n = pwritev(sp->fd, v, nv, sp->size + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;
			if (ftruncate(sp->fd, sp->size) != 0)
				(void)0;	/* the scan at the next start cuts it */
			errno = e;
			return -1;
		}
		done += (size_t)n;
	}
	sp->size += (off_t)want;
	sp->frames++;
	sp->rows += rows;
	return 0;
}

int ch_spool_peek(struct ch_spool *sp, uint8_t **buf, size_t *len, uint32_t *rows)
{
	while (sp->fd >= 0 && sp->head < sp->size) {
		uint32_t r = 0, n = 0;
		int crc_ok = 0;
		uint8_t *b = NULL;
		int got = frame_at(sp, sp->head, sp->size, &r, &n, &crc_ok, &b);
		if (got != 1) {
			/* Checked at open and written whole since: a read error. */
			fprintf(sp->msgs, "flowcollect: clickhouse: spool %s: cannot read the batch at offset %lld\n",
				sp->path, (long long)sp->head);
			return -1;
		}
		sp->next = sp->head + CH_SPOOL_HEADER + (off_t)n;
		if (!crc_ok) {
			fprintf(sp->msgs, "flowcollect: clickhouse: spool %s: the batch at offset %lld "
				"(%u rows) has a wrong checksum: skipped\n", sp->path, (long long)sp->head, r);
			free(b);
			ch_spool_pop(sp);
			continue;
		}
		*buf = b;
		*len = n;
		*rows = r;
		/* Popping it takes off these rows. */
		return 1;
	}
	return 0;
}

void ch_spool_pop(struct ch_spool *sp)
{
	uint32_t r = 0;
	uint8_t h[CH_SPOOL_HEADER];

	if (sp->fd < 0 || sp->next <= sp->head)
		return;
	if (read_at(sp->fd, h, sizeof(h), sp->head) == 0)
		r = get32(h + 4);
	sp->head = sp->next;
	sp->frames--;
	sp->rows -= r <= sp->rows ? r : sp->rows;
	if (sp->head >= sp->size) {
		/* Empty: the file goes; the next batch starts a new one. */
		unlink(sp->path);
		close(sp->fd);
		sp->fd = -1;
		sp->head = sp->size = sp->next = 0;
		sp->frames = sp->rows = 0;
	}
}

void ch_spool_close(struct ch_spool *sp)
{
	if (sp->fd >= 0) {
		if (sp->frames == 0)
			unlink(sp->path);
		close(sp->fd);
	}
	sp->fd = -1;
	free(sp->path);
	sp->path = NULL;
}
