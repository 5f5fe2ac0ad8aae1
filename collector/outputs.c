/*
 * outputs.c - opening, rotating and closing the -o outputs (outputs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "optval.h"
#include "outputs.h"

int outputs_parse(struct outputs *os, const char *arg, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	char name[16];

	if (os->n == COLLECT_MAX_SINKS) {
		snprintf(err, errlen, "too many -o options (at most %d)", COLLECT_MAX_SINKS);
		return -1;
	}
	struct output *o = &os->o[os->n];
	memset(o, 0, sizeof(*o));
	if (n < sizeof(name)) {
		memcpy(name, arg, n);
		name[n] = '\0';
		o->ops = sink_find(name);
	}
	if (o->ops == NULL) {
		char names[128];
		sink_names(names, sizeof(names));
		snprintf(err, errlen, "invalid -o \"%s\": expected one of %s, "
			 "then :PATH to write to a file", arg, names);
		return -1;
	}
	if (colon && colon[1] == '\0') {
		snprintf(err, errlen, "invalid -o \"%s\": the path after \":\" is empty", arg);
		return -1;
	}
	o->path = colon && strcmp(colon + 1, "-") != 0 ? colon + 1 : NULL;
	os->n++;
	return 0;
}

int outputs_rotate_every(struct outputs *os, const char *arg, char *err, size_t errlen)
{
	static const uint64_t secs[] = { 1, 60, 3600, 86400 };
	uint64_t v;
	/* A year at most keeps every slot's end inside int64 microseconds. */
	if (optval_scaled(arg, "smhd", secs, &v) != 0 || v == 0 || v > 366 * 86400ull) {
		snprintf(err, errlen, "invalid --rotate-every \"%s\": expected seconds, or a "
			 "number with s, m, h or d (300, 5m, 1h), up to a year", arg);
		return -1;
	}
	os->every_us = (int64_t)v * 1000000;
	return 0;
}

int outputs_rotate_size(struct outputs *os, const char *arg, char *err, size_t errlen)
{
	static const uint64_t bytes[] = { 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 30 };
	if (optval_scaled(arg, "kKMG", bytes, &os->max_bytes) != 0 || os->max_bytes == 0) {
		snprintf(err, errlen, "invalid --rotate-size \"%s\": expected bytes, or a "
			 "number with k, M or G (100M)", arg);
		return -1;
	}
	return 0;
}

int outputs_part_name(char *buf, size_t len, const char *path, int64_t start_us, unsigned n)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	/* The extension is what follows the last dot of the file's name, a
	 * leading dot (a hidden file) not counting. */
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
	time_t t = (time_t)(start_us / 1000000);
	struct tm tm;
	char stamp[24], serial[16] = "";

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (n)
		snprintf(serial, sizeof(serial), ".%04u", n - 1);
	int w = snprintf(buf, len, "%.*s.%s%s%s", (int)stem, path, stamp, serial, path + stem);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* Open an output's file into *f.  A sink that opens its own (a
 * database) gets nothing: the file is created and removed, which proves
 * the place writable without touching what is there.  0, or -1 and errno. */
static int open_file(const struct output *o, const char *path, FILE **f)
{
	*f = NULL;
	if (o->ops->flags & SINK_OWN_FILE) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return errno == EEXIST ? 0 : -1;	/* the sink decides */
		close(fd);
		unlink(path);
		return 0;
	}
	*f = fopen(path, "wb");
	if (*f == NULL)
		return -1;
	setvbuf(*f, NULL, _IOFBF, 1 << 16);
	return 0;
}

/* A sink whose next part could not start: its flows are dropped (and
 * the exit status says so) until the next rotation tries again. */
static void failed_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	(void)s, (void)ctx, (void)r;
}

static const struct sink_ops failed_sink = { .name = "failed", .flow = failed_flow };

int outputs_give_stdout(struct outputs *os, const struct sink_ops **layout,
			char *err, size_t errlen)
{
	size_t kept = 0, named = 0;

	*layout = &sink_table;
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		if (o->path != NULL) {
			os->o[kept++] = *o;
			continue;
		}
		if (named++) {
			snprintf(err, errlen, "with -s or --stats, standard output carries the "
				 "summaries: give at most one -o without a PATH (table or csv)");
			return -1;
		}
		if (o->ops != &sink_table && o->ops != &sink_csv) {
			snprintf(err, errlen, "with -s or --stats, standard output carries the "
				 "summaries: -o %s needs a PATH (-o %s:PATH)", o->ops->name,
				 o->ops->name);
			return -1;
		}
		*layout = o->ops;
	}
	os->n = kept;
	os->no_default = 1;
	return 0;
}

static int rotating(const struct outputs *os)
{
	return os->every_us || os->max_bytes;
}

static void tick(struct collector *c, int64_t now_us);

int outputs_start(struct outputs *os, struct collector *c, char *err, size_t errlen)
{
	int rotated = 0;

	if (os->n == 0 && !os->no_default && outputs_parse(os, "table", err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		const char *name = o->ops->name;
		if (o->path == NULL && (o->ops->flags & SINK_OWN_FILE)) {
			snprintf(err, errlen, "-o %s writes a file: give its path (-o %s:PATH)", name, name);
			return -1;
		}
		if (o->path == NULL && (o->ops->flags & SINK_ADDRESS)) {
			snprintf(err, errlen, "-o %s sends rows to a server: give its address "
				 "(-o %s:URL)", name, name);
			return -1;
		}
		if (o->path == NULL && (o->ops->flags & SINK_BINARY) && isatty(STDOUT_FILENO)) {
			snprintf(err, errlen, "-o %s writes binary records: give a file "
				 "(-o %s:PATH) or redirect standard output", name, name);
			return -1;
		}
		for (size_t j = 0; j < i && o->path && !(o->ops->flags & SINK_ADDRESS); j++)
			if (os->o[j].path && strcmp(os->o[j].path, o->path) == 0) {
				snprintf(err, errlen, "-o: \"%s\" is given twice", o->path);
				return -1;
			}
	}
	for (size_t i = 0; i < os->n && rotating(os); i++)
		rotated |= os->o[i].path != NULL && !(os->o[i].ops->flags & SINK_ADDRESS);
	if (rotating(os) && !rotated) {
		snprintf(err, errlen, "--rotate-every and --rotate-size rotate files: "
			 "give one with -o FORMAT:PATH");
		return -1;
	}
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		const char *open_path = o->path;
		if (o->ops->flags & SINK_ADDRESS)
			open_path = NULL;	/* the sink connects in its begin */
		else if (o->path && rotating(os)) {
			/* Parts start with their first datagram, which names
			 * them; PATH.part now only proves the place writable. */
			if (asprintf(&o->part, "%s.part", o->path) < 0)
				return -1;
			open_path = o->part;
		}
		if (o->ops->flags & SINK_ADDRESS) {
			o->file = NULL;
		} else if (o->path == NULL) {
			o->file = stdout;
		} else if (open_file(o, open_path, &o->file) != 0) {
			snprintf(err, errlen, "cannot write \"%s\": %s", open_path, strerror(errno));
			return -1;
		}
		if (o->part) {
			if (o->file) {
				fclose(o->file);
				unlink(o->part);
			}
			o->file = NULL;
			continue;
		}
		if (collector_add_sink(c, o->ops, o->file, o->path) != 0) {
			/* A database says why (another program's, say). */
			if (c->sink_error[0])
				snprintf(err, errlen, "%s", c->sink_error);
			else
				snprintf(err, errlen, "cannot start -o %s", o->ops->name);
			return -1;
		}
		o->sink = &c->sink[c->nsinks - 1];
	}
	if (rotated) {
		os->start_us = INT64_MIN;
		c->tick = tick;
		c->tick_arg = os;
	}
	return 0;
}

/* Rotating by size, parts can share a start (one second, or one
 * interval): each is numbered, from 1, among those with its start, and
 * the number is in every such part's name, so names sort in order.
 * 0 when only time rotates: the start alone names it. */
static unsigned serial_for(struct outputs *os, int64_t start_us)
{
	char stamp[24];
	snprintf(stamp, sizeof(stamp), "%lld", (long long)(start_us / 1000000));
	if (os->max_bytes == 0)
		return 0;
	if (strcmp(stamp, os->last_stamp) == 0)
		return ++os->same_stamp;
	snprintf(os->last_stamp, sizeof(os->last_stamp), "%s", stamp);
	return os->same_stamp = 1;
}

static void warn_once(struct outputs *os, const char *path, int err)
{
	if (os->warned)
		return;
	os->warned = 1;
	fprintf(stderr, "flowcollect: cannot start \"%s\": %s; writing on into the part "
		"before\n", path, strerror(err));
}

/* Close a part and give it its finished name: written out and on disk
 * first, so the name never points at less than the whole file.  The
 * sink has ended (a database closed itself there).  0, or -1 and errno. */
static int close_part(struct output *o)
{
	FILE *f = o->file;
	int rc = 0;

	o->file = NULL;
	if (f && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	char *done = strndup(o->part, strlen(o->part) - strlen(".part"));
	if (rc == 0 && (done == NULL || rename(o->part, done) != 0))
		rc = -1;
	free(done);
	return rc;
}

static char *part_path(const struct output *o, int64_t start_us, unsigned serial)
{
	char name[4096], *p;
	if (outputs_part_name(name, sizeof(name), o->path, start_us, serial) != 0 ||
	    asprintf(&p, "%s.part", name) < 0)
		return NULL;
	return p;
}

/* Start the parts beginning at start_us.  first: no part before. */
static void start_parts(struct outputs *os, struct collector *c, int64_t start_us, int first)
{
	unsigned serial = serial_for(os, start_us);
	char *paths[COLLECT_MAX_SINKS] = { 0 };
	FILE *files[COLLECT_MAX_SINKS] = { 0 };

	/* Every new file opens before any old one is closed: when one
	 * cannot (a full disk, a removed directory), the old parts go on. */
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		if (o->part == NULL)
			continue;
		errno = ENOMEM;
		if ((paths[i] = part_path(o, start_us, serial)) == NULL ||
		    open_file(o, paths[i], &files[i]) != 0) {
			warn_once(os, paths[i] ? paths[i] : o->path, errno);
			for (size_t j = 0; j <= i; j++) {
				if (files[j]) {
					fclose(files[j]);
					unlink(paths[j]);
				}
				free(paths[j]);
			}
			if (first)	/* nothing to go on with: the next datagram tries */
				os->start_us = INT64_MIN;
			os->failed = 1;
			return;
		}
	}
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		struct sink *s = o->sink;
		if (o->part == NULL)
			continue;
		if (!first) {
			if (s->ops->end)
				s->ops->end(s, &c->part);
			if (close_part(o) != 0) {
				fprintf(stderr, "flowcollect: cannot finish \"%s\": %s\n", o->part,
					strerror(errno));
				os->failed = 1;
			}
		}
		free(o->part);
		o->part = paths[i];
		o->file = files[i];
		if (first) {
			if (collector_add_sink(c, o->ops, o->file, o->part) != 0)
				s = NULL;
			else
				s = o->sink = &c->sink[c->nsinks - 1];
		} else {
			s->ops = o->ops;
			s->out = o->file;
			s->path = o->part;
			s->state = NULL;
			c->sink_error[0] = '\0';
			if (o->ops->begin && o->ops->begin(s) != 0)
				s->ops = &failed_sink;
		}
		if (s == NULL || s->ops == &failed_sink) {
			if (c->sink_error[0])
				fprintf(stderr, "flowcollect: %s\n", c->sink_error);
			else
				fprintf(stderr, "flowcollect: cannot start \"%s\"\n", o->part);
			os->failed = 1;
		}
		if (s)
			s->rotates = 1;
	}
	collector_part_reset(c);
	os->warned = 0;
	os->start_us = start_us;
	os->slot_end_us = os->every_us ? start_us + os->every_us : INT64_MAX;
}

/* The largest part being written.  A stream knows its position without
 * a system call; a database's file is looked at only when stat_too. */
static uint64_t part_bytes(const struct outputs *os, int stat_too)
{
	uint64_t most = 0;
	for (size_t i = 0; i < os->n; i++) {
		const struct output *o = &os->o[i];
		struct stat st;
		off_t at = -1;
		if (o->part == NULL || o->sink == NULL)
			continue;
		if (o->file)
			at = ftello(o->file);
		else if (stat_too && stat(o->part, &st) == 0)
			at = st.st_size;
		if (at > 0 && (uint64_t)at > most)
			most = (uint64_t)at;
	}
	return most;
}

static int64_t slot_of(const struct outputs *os, int64_t now_us)
{
	if (os->every_us == 0)
		return now_us - now_us % 1000000;	/* whole seconds name it */
	int64_t r = now_us % os->every_us;
	return now_us - (r < 0 ? r + os->every_us : r);
}

static void tick(struct collector *c, int64_t now_us)
{
	struct outputs *os = c->tick_arg;

	if (os->start_us == INT64_MIN) {
		start_parts(os, c, slot_of(os, now_us), 1);
		return;
	}
	if (now_us >= os->slot_end_us) {
		start_parts(os, c, slot_of(os, now_us), 0);
		return;
	}
	/* The size is looked at before each datagram (a database's every 8
	 * datagrams): a part overshoots by at most their flows. */
	if (os->max_bytes && part_bytes(os, ++os->ticks % 8 == 0) >= os->max_bytes) {
		int64_t start = os->every_us ? os->start_us : slot_of(os, now_us);
		start_parts(os, c, start, 0);
	}
}

int outputs_finish(struct outputs *os, char *err, size_t errlen)
{
	int rc = 0;
	for (size_t i = 0; i < os->n; i++) {
		struct output *o = &os->o[i];
		FILE *f = o->file;
		if (o->part && o->sink) {
			/* collector_end ended the sink: close and name it. */
			if (close_part(o) != 0 && rc == 0) {
				snprintf(err, errlen, "cannot finish \"%s\": %s", o->part, strerror(errno));
				rc = -1;
			}
		} else if (f && f != stdout) {
			if ((ferror(f) | fclose(f)) != 0 && rc == 0) {
				snprintf(err, errlen, "cannot write \"%s\": %s", o->path, strerror(errno));
				rc = -1;
			}
		}
		if (o->sink && o->sink->failed && rc == 0) {
			snprintf(err, errlen, "-o %s:%s lost rows (see above)", o->ops->name, o->path);
			rc = -1;
		}
		/* A database closes itself, in its sink's end. */
		o->file = NULL;
		free(o->part);
		o->part = NULL;
	}
	if (os->failed && rc == 0) {
		snprintf(err, errlen, "some rotated parts could not be written (see above)");
		rc = -1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == 0)
			snprintf(err, errlen, "cannot write standard output: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}
