/*
 * status.h - the kinds of failure, shared by probe, exporter and collector.
 *
 * Library code returns one of these (and may fill a message buffer); only
 * the programs' main files log.  Each kind has its own counter wherever
 * input is counted, so a truncated datagram is never confused with an
 * unknown version.
 */
#ifndef FP_STATUS_H
#define FP_STATUS_H

enum fp_status {
	FP_OK = 0,
	FP_TRUNCATED,		/* the bytes end before a length says they do */
	FP_MALFORMED,		/* lengths or fields contradict each other */
	FP_UNSUPPORTED,		/* a version, link type or protocol we do not handle */
	FP_UNKNOWN_TEMPLATE,	/* v9/IPFIX data for a template not yet seen */
	FP_NO_MEMORY,
	FP_STATUS_COUNT
};

const char *fp_status_str(enum fp_status s);

#endif
