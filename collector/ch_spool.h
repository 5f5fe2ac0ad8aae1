/*
 * ch_spool.h - the ClickHouse output's spool file: batches the server
 * could not take yet, kept on disk in arrival order and read back,
 * oldest first, once it answers again.
 *
 * The file is a sequence of frames, each written by one write(2):
 *
 *   "FCS1"  rows (u32 LE)  length (u32 LE)  CRC-32 (u32 LE)  length bytes
 *
 * The CRC (IEEE 802.3, as zlib's crc32) covers rows, length and the
 * bytes.  A last frame cut short by a crash (a torn write) or whose CRC
 * does not match is found when the file is opened, said, and cut off; a
 * damaged frame before the last is skipped when read, with a message.
 * Nothing read back is trusted further than its CRC: the caller checks
 * that the bytes hold the rows the frame says.
 */
#ifndef FP_CH_SPOOL_H
#define FP_CH_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CH_SPOOL_HEADER 16
#define CH_SPOOL_FRAME_MAX (512u << 20)	/* a frame longer than this is damage */

struct ch_spool {
	char *path;
	int fd;			/* -1 while there is no file */
	off_t head;		/* the next frame to read */
	off_t size;		/* where the next frame is written */
	off_t next;		/* past the frame peek gave */
	uint64_t frames;	/* frames from head on, and their rows */
	uint64_t rows;
	FILE *msgs;		/* where damage is said (standard error) */
};

/* Take path as the spool: a file already there (left by an earlier run)
 * is locked, checked frame by frame, its torn tail cut off; none is
 * created until the first append.  -1 with a message in err. */
int ch_spool_open(struct ch_spool *sp, const char *path, FILE *msgs, char *err, size_t errlen);

/* One batch at the end: 0, or -1 (errno) with the file as it was. */
int ch_spool_append(struct ch_spool *sp, const uint8_t *buf, size_t len, uint32_t rows);

/* The oldest batch into a malloc'd *buf: 1, 0 when the spool is empty,
 * -1 on a read error.  A damaged frame is said and passed over. */
int ch_spool_peek(struct ch_spool *sp, uint8_t **buf, size_t *len, uint32_t *rows);

/* Done with the batch peek gave: past it; an empty spool's file is removed. */
void ch_spool_pop(struct ch_spool *sp);

/* Close; the file stays when it still holds batches, else is removed. */
void ch_spool_close(struct ch_spool *sp);

uint32_t ch_crc32(uint32_t crc, const uint8_t *p, size_t len);

#endif
