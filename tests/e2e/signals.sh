#!/usr/bin/env bash
# signals.sh - a file run stopped by SIGTERM or SIGINT exports the flows
# read so far (softflowd dies and loses them), says so in one line and
# exits 1.  The capture comes through a FIFO whose writer keeps it open,
# so the probe is waiting in a read when the signal comes: the read is
# interrupted, not waited out.
source "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
	fifo=$TMP/in.$sig
	mkfifo "$fifo"
	"$PROBE" -r "$fifo" -w "$TMP/out.$sig.pcap" >/dev/null 2>"$TMP/err.$sig" &
	pid=$!
	# The whole demo capture, then the pipe held open for 20 s.
	{ cat "$ROOT/pcaps/demo.pcap"; sleep 20; } >"$fifo" &
	writer=$!
	sleep 1
	start=$(date +%s%N)
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	check "SIG$sig: exit 1" [ "$rc" = 1 ]
	check "SIG$sig: at once, not at the pipe's end (${took} ms)" [ "$took" -lt 5000 ]
	check "SIG$sig: one line says so" \
		grep -qx "flowprobe: stopped by SIG$sig after 23 packets of \"$fifo\"; exporting the flows read so far" "$TMP/err.$sig"
	check "SIG$sig: the statistics printed" grep -q "^Flows exported: 10 (10 records)" "$TMP/err.$sig"
	"$COLLECT" -r "$TMP/out.$sig.pcap" >"$TMP/flows.$sig" 2>/dev/null
	check "SIG$sig: every flow read exported: the demo's flows" cmp -s "$TMP/flows.$sig" "$ROOT/pcaps/demo.expected"
done
