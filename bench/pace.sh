#!/usr/bin/env bash
# bench/pace.sh - does pacing deliver every record?  A generated
# 2-million-packet capture (bench/gencap, fixed seed; the default -m 8192,
# so about 1.9 million records in 80 thousand datagrams) read by flowprobe
# with its default pace and with --pace 0, into nfcapd with its default
# socket buffer and into flowcollect with its defaults; records received
# against records the probe says it sent.
#
# Not part of make test: whether an unpaced burst overflows depends on the
# machine's load.  Figures go to bench/README.md.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
W=${FPBENCH:-/tmp/fpbench}/pace
mkdir -p "$W"
make --no-print-directory BUILD="$BUILD" programs tools >/dev/null || exit 1
cap=$W/gen2m.pcap
[ -s "$cap" ] || "$BUILD/gencap" -n 2M -f 200k -S 1 -o "$cap" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hexport() { printf '%04X' "$1"; }
queue_empty() {
	local q
	q=$(awk -v p=":$(hexport "$1")" '$2 ~ p { print $5 }' /proc/net/udp)
	[ "${q#*:}" = 00000000 ]
}

# one WHO VERSION PACE-ARGS...: prints "sent received seconds"
one() {
	local who=$1 v=$2 port pid dir got t0 t1
	shift 2
	port=$(free_port)
	dir=$(mktemp -d "$W/run.XXXXXX")
	if [ "$who" = nfcapd ]; then
		nfcapd -b 127.0.0.1 -p "$port" -w "$dir" -t 3600 >/dev/null 2>&1 & pid=$!
	else
		"$BUILD/flowcollect" -p "$port" -b 127.0.0.1 -o csv >/dev/null 2>"$dir/err" & pid=$!
	fi
	for _ in $(seq 200); do grep -q ":$(hexport "$port") " /proc/net/udp && break; sleep 0.02; done
	t0=$(date +%s.%N)
	"$BUILD/flowprobe" -r "$cap" -v "$v" -n "127.0.0.1:$port" "$@" 2>"$dir/stats"
	t1=$(date +%s.%N)
	for _ in $(seq 500); do queue_empty "$port" && break; sleep 0.02; done
	kill -TERM "$pid"; wait "$pid" 2>/dev/null
	if [ "$who" = nfcapd ]; then
		got=$(nfdump -R "$dir" -q -o csv 2>/dev/null | grep -cE '^[0-9]{4}-')
	else
		got=$(sed -n 's/^exporter 1 .*: [0-9]* datagrams, \([0-9]*\) records.*/\1/p' "$dir/err")
	fi
	echo "$(sed -n 's/^Flows exported: .*(\([0-9]*\) records).*/\1/p' "$dir/stats") ${got:-0} $(echo "$t1 - $t0" | bc)"
	rm -rf "$dir"
}

echo "pacing: flowprobe $(git rev-parse --short HEAD 2>/dev/null) into nfcapd (default buffer) and flowcollect, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
printf '%-6s %-12s %-10s %10s %10s %10s %8s\n' format collector pace sent received lost seconds
for v in 5 9 10; do
	for who in nfcapd flowcollect; do
		for pace in default 0; do
			if [ "$pace" = default ]; then r=$(one "$who" "$v"); else r=$(one "$who" "$v" --pace 0); fi
			set -- $r
			printf '%-6s %-12s %-10s %10s %10s %10s %8s\n' "v$v" "$who" "$pace" "$1" "$2" $(($1 - $2)) "$3"
		done
	done
done
