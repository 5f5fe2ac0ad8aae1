#!/bin/sh
# demo.sh BUILD CAPTURE - what `make run` shows: the collector listens on a
# free loopback port, the probe meters a bundled capture and exports NetFlow
# v5 to it over UDP, and the collector prints its table of flows and a
# summary line when it is stopped.
set -eu
build=$1
capture=$2
tmp=$(mktemp -d /tmp/flowprobe-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$build/flowcollect" -p 0 -b 127.0.0.1 >"$tmp/table" 2>"$tmp/collector.err" &
collector=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$tmp/collector.err")
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	cat "$tmp/collector.err" >&2
	kill "$collector" 2>/dev/null
	exit 1
fi

echo "flowprobe -r $capture -n 127.0.0.1:$port"
"$build/flowprobe" -r "$capture" -n "127.0.0.1:$port" 2>"$tmp/probe.err"
kill -TERM "$collector"
wait "$collector"
echo
cat "$tmp/table"
echo
grep -E '^(Packets processed|Flows exported)' "$tmp/probe.err" | sed 's/^/probe: /'
sed 's/^/collector: /' "$tmp/collector.err" | grep -v 'listening on'
