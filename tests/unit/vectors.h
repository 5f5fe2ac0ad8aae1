/*
 * vectors.h - python-netflow 0.12.2's export datagrams (softflowd's), as
 * hex lines in ../shared/vectors: the tests read them in place and skip
 * when ../shared is absent.
 */
#ifndef TEST_VECTORS_H
#define TEST_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VECTORS "../shared/vectors/python-netflow-0.12.2.tsv"

static inline int vector_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of vector `name` (at most cap), or 0 if the file or the line
 * is missing. */
static inline size_t load_vector(const char *name, uint8_t *out, size_t cap)
{
	static char line[16384];
	FILE *f = fopen(VECTORS, "r");
	size_t nlen = strlen(name), len = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nlen) != 0 || line[nlen] != '\t')
			continue;
		const char *h = line + nlen + 1;
		while (vector_hexval(h[0]) >= 0 && vector_hexval(h[1]) >= 0 && len < cap) {
			out[len++] = (uint8_t)(vector_hexval(h[0]) << 4 | vector_hexval(h[1]));
			h += 2;
		}
		break;
	}
	fclose(f);
	return len;
}

#endif
