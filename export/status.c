/* status.c - names for enum fp_status, used in counters and messages. */
#include "status.h"

const char *fp_status_str(enum fp_status s)
{
	switch (s) {
	case FP_OK: return "ok";
	case FP_TRUNCATED: return "truncated";
	case FP_MALFORMED: return "malformed";
	case FP_UNSUPPORTED: return "unsupported";
	case FP_UNKNOWN_TEMPLATE: return "unknown template";
	case FP_NO_MEMORY: return "out of memory";
	case FP_STATUS_COUNT: break;
	}
	return "unknown status";
}
