/*
 * fuzz_packet.c - libFuzzer target: one captured frame through the
 * probe's frame decoder (probe/packet.c and probe/link.c).
 *
 * Input: the first byte picks the link type from the ones we meter (and
 * with its top bit whether the MPLS label stack is kept), the second says how many bytes of the frame were "on the wire" beyond those
 * captured; the rest is the captured frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../probe/link.h"
#include "../../probe/packet.h"

static const int dlts[] = {
	0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 117, 127, 228, 229, 239, 276,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt;

	if (size < 2)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	if (!link_supported(dlt))
		return 0;
	size_t caplen = size - 2;
	uint8_t *frame = malloc(caplen ? caplen : 1);
	if (frame == NULL)
		abort();
	memcpy(frame, data + 2, caplen);
	/* The label stack kept (-x) when the first byte's top bit is set
	 * (the link type is that byte modulo the table: every type meets
	 * both). */
	struct mpls_stack ms;
	struct mpls_stack *want = (data[0] & 0x80) ? &ms : NULL;
	if (packet_decode_mpls(dlt, frame, caplen, caplen + data[1], 3, &pkt, want) == PKT_IP) {
		/* What the meter reads of a packet must lie in the frame. */
		if (pkt.payload && (pkt.payload < frame || pkt.payload + pkt.payload_len > frame + caplen))
			abort();
	}
	if (want && ms.depth > MPLS_LABELS_MAX)
		abort();
	free(frame);
	return 0;
}
