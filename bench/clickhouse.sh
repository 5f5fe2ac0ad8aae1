#!/usr/bin/env bash
# clickhouse.sh - rows a second from flowcollect into ClickHouse (Debian's
# 18.16 on loopback), by --ch-batch size and --ch-parallel, against a peer
# measured in the same run: clickhouse-client inserting the same rows from
# a file (RowBinary and TabSeparated), the fastest any client goes here.
#
# The input is a generated stream of flows (bench/gencap -> flowprobe -v 10
# -w, about 1M IPFIX records; then v5 and v9 at each batch size) read with -r, so the figure is the collector
# and the server, not the network.  Each point: the table truncated, then
# the whole run's wall time, flowcollect's user+system CPU, and the
# server's CPU (utime+stime from /proc/PID/stat, merges included); median
# of RUNS.  The machine's load average is printed before and after: other
# work on it moves these figures.
#   bash bench/clickhouse.sh [RUNS]      (BATCHES="1000 10000 50000 100000", PARALLEL="0 2")
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BUILD=${BUILD:-build}
BATCHES=${BATCHES:-1000 10000 50000 100000}
PARALLEL=${PARALLEL:-0 2}
W=${FPBENCH:-/tmp/fpbench}/clickhouse
mkdir -p "$W"
[ -x /usr/sbin/clickhouse-server ] || { echo "bench: apt-get install clickhouse-server clickhouse-client" >&2; exit 1; }
make --no-print-directory BUILD="$BUILD" programs tools >/dev/null || exit 1
source tests/ch_server.sh
trap ch_stop EXIT
ch_start || exit 1

cap=$W/gen4m.pcap
[ -s "$cap" ] || "$BUILD/gencap" -n 4M -f 500k -S 1 -o "$cap" 2>/dev/null
[ -s "$W/exp10.pcap" ] || "$BUILD/flowprobe" -r "$cap" -m 2000000 -v 10 -w "$W/exp10.pcap" 2>/dev/null
"$BUILD/flowcollect" --print-schema clickhouse | clickhouse-client --host 127.0.0.1 --port "$NATIVE" --multiquery
rows=$("$BUILD/flowcollect" -r "$W/exp10.pcap" -o flows:/dev/null 2>&1 >/dev/null |
	sed -n 's/^exporter 1 .* \([0-9]*\) records,.*/\1/p')

server_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$CH_PID/stat"; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# point LABEL CMD...: RUNS runs of CMD into an empty table; one table row.
point() {
	local label=$1 walls="" cpus="" servers="" t0 t1 s0 s1
	shift
	for _ in $(seq "$RUNS"); do
		${PREP:-true}
		q "TRUNCATE TABLE flows.flows" >/dev/null
		sleep 1		# what truncating left to the server settles
		s0=$(server_cpu); t0=$(date +%s.%N)
		/usr/bin/time -o "$W/time" -f "%U %S" "$@" >/dev/null 2>"$W/err" ||
			{ tail -3 "$W/err"; exit 1; }
		t1=$(date +%s.%N); s1=$(server_cpu)
		[ "$(q "SELECT count() FROM ${COUNT_FROM:-flows.flows}")" = "$rows" ] || { echo "bench: rows missing"; exit 1; }
		walls="$walls $(echo "$t1 - $t0" | bc)"
		cpus="$cpus $(awk '{print $1 + $2}' "$W/time")"
		servers="$servers $(echo "$s1 - $s0" | bc)"
	done
	local w; w=$(median $walls)
	printf '| %-44s | %9d | %6.2f s | %5.2f s | %5.2f s | %s |\n' "$label" \
		"$(echo "$rows / $w" | bc)" "$w" "$(median $cpus)" "$(median $servers)" "$(echo $walls | sed 's/\([0-9]*\.[0-9][0-9]\)[0-9]*/\1/g')"
	eval "LAST_RATE=$(echo "$rows / $w" | bc)"
}

echo "bench/clickhouse.sh: $rows rows (IPFIX, from $W/exp10.pcap), median of $RUNS; load average $(load)"
t0=$(date +%s.%N); "$BUILD/flowcollect" -r "$W/exp10.pcap" -o flows:/dev/null 2>/dev/null; t1=$(date +%s.%N)
echo "flowcollect -r decoding only (-o flows:/dev/null): $(echo "$t1 - $t0" | bc | cut -c1-5) s"
echo
echo "| what | rows/s | wall | client CPU | server CPU | runs (wall) |"
echo "|---|---|---|---|---|---|"

# The peer: the same rows from a file through clickhouse-client (native
# protocol, one block of up to 1M rows), in both formats.
q "TRUNCATE TABLE flows.flows"
"$BUILD/flowcollect" -r "$W/exp10.pcap" -o clickhouse:"$URL" 2>/dev/null || exit 1
for f in RowBinary TabSeparated; do
	q "SELECT * FROM flows.flows FORMAT $f" >"$W/rows.$f"
done
for f in RowBinary TabSeparated; do
	point "peer: clickhouse-client, $f file ($(( $(stat -c %s "$W/rows.$f") / 1000000 )) MB)" \
		sh -c "clickhouse-client --host 127.0.0.1 --port $NATIVE --query 'INSERT INTO flows.flows FORMAT $f' <'$W/rows.$f'"
	eval "PEER_$f=$LAST_RATE"
done
for f in RowBinary TabSeparated; do
	point "peer: curl POST, $f file, one request" \
		curl -sS --fail-with-body --data-binary @"$W/rows.$f" "${URL}?query=INSERT%20INTO%20flows.flows%20FORMAT%20$f"
done
for batch in $BATCHES; do
	for par in $PARALLEL; do
		point "flowcollect RowBinary --ch-batch $batch --ch-parallel $par" \
			"$BUILD/flowcollect" -r "$W/exp10.pcap" -o clickhouse:"$URL" --ch-batch "$batch" --ch-parallel "$par"
		echo "$LAST_RATE" >"$W/rate.$batch.$par"
	done
done
# The same capture exported as v5 and v9 (IPFIX above), each batch size
# with the default two senders: the decoder's share by format.
ipfix_rows=$rows
for v in 5 9; do
	[ -s "$W/exp$v.pcap" ] || "$BUILD/flowprobe" -r "$cap" -m 2000000 -v "$v" -w "$W/exp$v.pcap" 2>/dev/null
	rows=$("$BUILD/flowcollect" -r "$W/exp$v.pcap" -o flows:/dev/null 2>&1 >/dev/null |
		sed -n 's/^exporter 1 .* \([0-9]*\) records,.*/\1/p')
	for batch in $BATCHES; do
		point "flowcollect, v$v exports ($rows rows), --ch-batch $batch" \
			"$BUILD/flowcollect" -r "$W/exp$v.pcap" -o clickhouse:"$URL" --ch-batch "$batch"
	done
done
rows=$ipfix_rows
# Small batches into a Buffer table in front of flows.flows: the server
# gathers them in memory and writes big parts (lost if it dies first).
buffer() {
	q "DROP TABLE IF EXISTS flows.flows_buffer" >/dev/null	# flushed into flows.flows
	q "CREATE TABLE flows.flows_buffer AS flows.flows
		ENGINE = Buffer(flows, flows, 2, 1, 10, 100000, 1000000, 100000000, 1000000000)" >/dev/null
}
PREP=buffer COUNT_FROM=flows.flows_buffer \
	point "flowcollect --ch-batch 1000 --ch-parallel 2 into a Buffer table" \
	"$BUILD/flowcollect" -r "$W/exp10.pcap" -o clickhouse:"$URL" --ch-batch 1000 --ch-parallel 2 \
	--ch-table flows.flows_buffer
q "DROP TABLE flows.flows_buffer" >/dev/null
echo
echo "ratio to the peer (clickhouse-client, RowBinary file, $PEER_RowBinary rows/s):"
for batch in $BATCHES; do
	for par in $PARALLEL; do
		printf '  --ch-batch %6d --ch-parallel %s: %s\n' "$batch" "$par" \
			"$(echo "scale=2; $(cat "$W/rate.$batch.$par") / $PEER_RowBinary" | bc)"
	done
done
echo "load average after: $(load)"
