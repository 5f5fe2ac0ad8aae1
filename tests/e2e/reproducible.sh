#!/usr/bin/env bash
# reproducible.sh - the README's "whole dataset" lines, run twice in two
# directories on a real capture: the same export pcap, CSV, JSON lines and
# flow file byte for byte, and the same SQLite content (.dump).  The lines
# are checked to be the README's own, so the documentation stays true.
source "$(dirname "$0")/lib.sh"

require_shared "reproducible" sqlite3 sha256sum

LINES=(
'build/flowprobe -r capture.pcap -v 10 -w exports.pcap'
'build/flowcollect -r exports.pcap -o csv:flows.csv -o json:flows.json -o sqlite:flows.db -o flows:flows.flows'
'sha256sum exports.pcap flows.csv flows.json flows.flows'
'sqlite3 flows.db .dump | sha256sum'
)
for l in "${LINES[@]}"; do
	check "README holds: $l" grep -qxF "$l" "$ROOT/README.md"
done

for cap in 1kxun dns_fragmented; do
	for run in 1 2; do
		d="$TMP/$cap.$run"
		mkdir -p "$d/build"
		ln -s "$ROOT/$BUILD/flowprobe" "$ROOT/$BUILD/flowcollect" "$d/build/"
		ln -s "$SHARED_PCAPS/$cap.pcap" "$d/capture.pcap"
		(cd "$d" && for l in "${LINES[@]}"; do eval "$l"; done) >"$d.sums" 2>"$d.err"
	done
	rows=$(grep -c . "$TMP/$cap.1/flows.json")
	check_that "$cap: a dataset ($rows flows), each format" \
		'[ "$rows" -gt 10 ] && [ "$(wc -l <"$TMP/$cap.1.sums")" = 5 ]'
	check "$cap: run twice, the same sums" cmp -s "$TMP/$cap.1.sums" "$TMP/$cap.2.sums"
	check "$cap: the same export pcap" cmp -s "$TMP/$cap.1/exports.pcap" "$TMP/$cap.2/exports.pcap"
done
