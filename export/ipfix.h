/*
 * ipfix.h - NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages: the
 * encoder side.  The two share everything but their headers and set ids,
 * so one writer serves both.
 *
 * A message is: header; the templates when they are due (all data
 * templates in one template set, the options template, and the options
 * record); then the data records, consecutive records of one template
 * sharing a data set, each set padded to 4 bytes.
 *
 * Headers follow the RFCs literally (softflowd does not; reference §4.3):
 *   v9:    count = every record in the packet, templates included;
 *          sequence = packets sent before this one; sysUptime computed
 *          from the whole export second, so unix_secs*1000 - sysUptime is
 *          exactly the init time.
 *   IPFIX: sequence = data records (options records included) sent before
 *          this message.
 */
#ifndef FP_IPFIX_H
#define FP_IPFIX_H

#include <stddef.h>
#include <stdint.h>
#include "flowrec.h"
#include "template.h"

#define V9_HEADER_LEN 20
#define IPFIX_HEADER_LEN 16
#define SET_HEADER_LEN 4
#define V9_TEMPLATE_SET 0
#define V9_OPTIONS_SET 1
#define IPFIX_TEMPLATE_SET 2
#define IPFIX_OPTIONS_SET 3
#define TEMPLATE_RESEND_PACKETS 16	/* as softflowd: packets 1, 17, 33, ... */
#define TEMPLATE_RESEND_US (60 * 1000000LL)

/*
 * What one receiver has been sent: its sequence and the template
 * schedule.  A writer has one (s); with -l the exporter keeps one per
 * destination and passes it in.
 */
struct ipfix_stream {
	uint32_t sequence;	/* v9: packets before; IPFIX: data records before */
	uint64_t messages;
	uint64_t since_templates; /* messages since the templates went out */
	int64_t templates_us;	/* when they last went out */
	int force_templates;	/* send-template: in the next message */
};

struct ipfix_writer {
	int ipfix;		/* 10, else v9 */
	int uptime_times;	/* records carry 22/21, relative to opt.init_ms */
	struct template_set ts;
	struct ie_extra opt;	/* the options record's values; opt.init_ms is also
				 * the base of uptime times */
	uint32_t domain;	/* observation domain / source id */
	size_t templates_len;	/* bytes the template block takes */
	struct ipfix_stream s;	/* the receiver, when there is one */
};

void ipfix_writer_init(struct ipfix_writer *w, int ipfix, const struct template_options *o);

/* Do the templates go in a message to s started at now_us? */
int ipfix_templates_due(const struct ipfix_stream *s, int64_t now_us);

size_t ipfix_header_len(const struct ipfix_writer *w);

/*
 * Encode one message with n records (grouped into sets as they come)
 * to the receiver s and, if with_templates, the template block first.
 * Returns its length, or 0 if it does not fit cap.  Advances s's sequence
 * and template counters.
 */
size_t ipfix_encode(const struct ipfix_writer *w, struct ipfix_stream *s,
		    const struct flow_record *recs, size_t n, int with_templates, int64_t now_us,
		    uint8_t *out, size_t cap);

#endif
