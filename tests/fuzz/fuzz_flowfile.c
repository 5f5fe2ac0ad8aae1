/*
 * fuzz_flowfile.c - libFuzzer target: a flow file (flowcollect -o flows)
 * read back by flowcollect -r, through the CSV and table sinks.
 *
 * The input is the whole file.  It is handed over as a file, as -r reads
 * it (a memfd under /proc/self/fd).  Checked beyond "no crash": a file
 * is refused or read, never half-trusted: every flow passed on was a whole
 * record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../collector/collect.h"
#include "../../collector/source.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collector c;
	char path[64], err[512];
	int fd = memfd_create("flowfile", 0);

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	if (devnull == NULL || fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	collector_init(&c);
	collector_add_sink(&c, &sink_csv, devnull, NULL);
	collector_add_sink(&c, &sink_table, devnull, NULL);
	if (flowfile_is(path))
		source_flows_run(path, &c, err, sizeof(err));
	/* Each flow took at least a record's head of the file. */
	if (c.totals.flows > size / 10)
		abort();
	collector_end(&c);
	collector_report(&c, devnull);
	collector_free(&c);
	close(fd);
	return 0;
}
