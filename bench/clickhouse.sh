#!/usr/bin/env bash
# clickhouse.sh - rows a second from flowcollect into ClickHouse (Debian's
# 18.16 on loopback), by --ch-batch size: a generated stream of flows
# (bench/gencap -> flowprobe -v 10 -w) read with -r, so the figure is the
# collector and the server, not the network.  Wall time of the whole run
# (decode, encode, POSTs, the server's writes); median of RUNS.
#   bash bench/clickhouse.sh [RUNS]
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BUILD=${BUILD:-build}
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
t0=$(date +%s.%N); "$BUILD/flowcollect" -r "$W/exp10.pcap" -o flows:/dev/null 2>/dev/null; t1=$(date +%s.%N)
echo "flowcollect -r, $rows records, decode only (-o flows:/dev/null): $(echo "$t1 - $t0" | bc) s"
for batch in 1000 10000 100000; do
	times=""
	for _ in $(seq "$RUNS"); do
		q "TRUNCATE TABLE flows.flows" >/dev/null
		t0=$(date +%s.%N)
		"$BUILD/flowcollect" -r "$W/exp10.pcap" -o clickhouse:"$URL" --ch-batch "$batch" 2>"$W/err" ||
			{ cat "$W/err"; exit 1; }
		t1=$(date +%s.%N)
		[ "$(q "SELECT count() FROM flows.flows")" = "$rows" ] || { echo "bench: rows missing"; exit 1; }
		times="$times $(echo "$t1 - $t0" | bc)"
	done
	med=$(printf '%s\n' $times | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
	printf 'RowBinary, --ch-batch %6d: %s s median (%s ), %d rows/s\n' "$batch" "$med" "$times" \
		"$(echo "$rows / $med" | bc)"
done
