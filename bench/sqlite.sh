#!/usr/bin/env bash
# bench/sqlite.sh [RUNS] - rows a second into -o sqlite against the CSV and
# the flow file, from the same export file.
#
# The exports are bench/collector.sh's: flowprobe's IPFIX export of a
# generated 2-million-packet capture (bench/gencap -n 2M -f 200k -S 1;
# -m 1000000), about 400 thousand flows, read with -r so that only the
# decoding and the output count, not the network.  Rows: "csv" to
# /dev/null, "flows" (the flow file), "sqlite" (the database as shipped:
# four indexes, WAL, synchronous=NORMAL, batches of 50000 rows), each run
# RUNS times (default 3) into a fresh file in a temporary directory.
# "paced" replays the export over loopback at 2000 datagrams a second
# instead (about 19 rows each; a pause commits at most once a second): the collector's CPU
# time, against the same with the CSV.
#
# Not part of make test: timing on a shared machine is not a pass/fail
# matter.  Figures go to bench/README.md.
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BUILD=${BUILD:-build}
B=$BUILD/bench
W=${FPBENCH:-/tmp/fpbench}/collector
mkdir -p "$B" "$W"
make --no-print-directory BUILD="$BUILD" programs tools >/dev/null || exit 1
if [ ! -x "$B/udpreplay" ] || [ bench/udpreplay.c -nt "$B/udpreplay" ]; then
	cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$B/udpreplay" bench/udpreplay.c -lpcap || exit 1
fi
cap=$W/gen2m.pcap
[ -s "$cap" ] || "$BUILD/gencap" -n 2M -f 200k -S 1 -o "$cap" 2>/dev/null
exp=$W/exp10.pcap
[ -s "$exp" ] || "$BUILD/flowprobe" -r "$cap" -m 1000000 -v 10 -w "$exp" 2>"$W/exp10.stats"
dir=$(mktemp -d "$W/sqlite.XXXXXX")
trap 'rm -rf "$dir"' EXIT

rows=$("$BUILD/flowcollect" -r "$exp" -o flows:/dev/null 2>&1 | sed -n 's/^exporter 1 .*, \([0-9]*\) records.*/\1/p')

# best NAME OUTPUT: RUNS runs of flowcollect -r into OUTPUT; the least CPU
# time (user+system) and the least wall time, and rows a second of each
# (on a shared machine the CPU time is the steadier).
best() {
	local name=$1 out=$2 wall cpu bw=999999 bc=999999
	for _ in $(seq "$RUNS"); do
		rm -f "$dir"/out*
		/usr/bin/time -f '%e %U %S' -o "$dir/time" "$BUILD/flowcollect" -r "$exp" -o "$out" >/dev/null 2>&1
		read -r wall u s <"$dir/time"
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
		awk -v a="$wall" -v b="$bw" 'BEGIN { exit !(a < b) }' && bw=$wall
		awk -v a="$cpu" -v b="$bc" 'BEGIN { exit !(a < b) }' && bc=$cpu
	done
	local size=""
	[ -f "$dir/out" ] && size=$(du -k "$dir/out" | awk '{ printf "%.0f MB", $1 / 1024 }')
	printf '%-8s %8s %8s %14s %14s  %s\n' "$name" "$bw" "$bc" \
		"$(awk -v r="$rows" -v t="$bw" 'BEGIN { printf "%d", r / t }')" \
		"$(awk -v r="$rows" -v t="$bc" 'BEGIN { printf "%d", r / (t > 0 ? t : 0.01) }')" "$size"
}

# paced NAME OUTPUT: the export over loopback at 2000 datagrams a second,
# RUNS times; the collector's least CPU seconds once everything sent was
# read.
paced() {
	local port pid cpu bc=999999
	for _ in $(seq "$RUNS"); do
		port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		rm -f "$dir"/out*
		"$BUILD/flowcollect" -p "$port" -b 127.0.0.1 -o "$2" >/dev/null 2>"$dir/err" &
		pid=$!
		sleep 0.3
		"$B/udpreplay" -r "$exp" -p "$port" -R 2000 >/dev/null
		sleep 1
		cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$pid/stat")
		kill -TERM "$pid"
		wait "$pid"
		awk -v a="$cpu" -v b="$bc" 'BEGIN { exit !(a < b) }' && bc=$cpu
	done
	echo "$1: $bc s of CPU for $(sed -n 's/^exporter 1 .*, \([0-9]*\) records.*/\1/p' "$dir/err") rows"
}

echo "-o sqlite against csv and flows, $rows rows, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, best of $RUNS"
printf '%-8s %8s %8s %14s %14s  %s\n' output wall-s cpu-s rows/wall-s rows/cpu-s size
best csv csv:/dev/null
best flows "flows:$dir/out"
best sqlite "sqlite:$dir/out"
paced "csv, paced" csv:/dev/null
paced "sqlite, paced (a pause commits at most once a second)" "sqlite:$dir/out"
