/*
 * held.c - a FIFO of early data sets.  A list is enough: it is short
 * (bounded) and touched only when a template arrives or a set is held.
 */
#include <stdlib.h>
#include <string.h>
#include "held.h"

void held_init(struct held *h)
{
	memset(h, 0, sizeof(*h));
}

static void unlink_after(struct held *h, struct held_set *prev, struct held_set *s)
{
	if (prev)
		prev->next = s->next;
	else
		h->first = s->next;
	if (h->last == s)
		h->last = prev;
	s->next = NULL;
	h->count--;
	h->bytes -= s->len;
}

int held_add(struct held *h, const struct tmpl_scope *s, uint16_t id,
	     const struct msg_header *mh, int64_t now_us, const uint8_t *data, size_t len)
{
	if (len > HELD_MAX_BYTES)
		return -1;
	struct held_set *e = malloc(sizeof(*e) + len);
	if (e == NULL)
		return -1;
	memcpy(&e->scope, s, sizeof(*s));
	e->id = id;
	e->h = *mh;
	e->arrived_us = now_us;
	e->len = len;
	e->next = NULL;
	memcpy(e->data, data, len);
	if (h->last)
		h->last->next = e;
	else
		h->first = e;
	h->last = e;
	h->count++;
	h->bytes += len;
	return 0;
}

struct held_set *held_expired(struct held *h, int64_t now_us)
{
	struct held_set *s = h->first;
	if (s == NULL)
		return NULL;
	if (h->count > HELD_MAX_SETS || h->bytes > HELD_MAX_BYTES ||
	    now_us - s->arrived_us > HELD_MAX_AGE_US) {
		unlink_after(h, NULL, s);
		return s;
	}
	return NULL;
}

struct held_set *held_take(struct held *h, const struct tmpl_scope *sc, uint16_t id)
{
	struct held_set *prev = NULL;
	for (struct held_set *s = h->first; s; prev = s, s = s->next) {
		if (s->id == id && memcmp(&s->scope, sc, sizeof(*sc)) == 0) {
			unlink_after(h, prev, s);
			return s;
		}
	}
	return NULL;
}

struct held_set *held_pop(struct held *h)
{
	struct held_set *s = h->first;
	if (s)
		unlink_after(h, NULL, s);
	return s;
}
