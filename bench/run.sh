#!/usr/bin/env bash
# bench/run.sh [REPEAT] - flowprobe against softflowd 1.1.0 on the same
# captures, in the same run, reported as ratios (never asserted: speed is
# a benchmark, not a test).
#
# Inputs: real captures from ../shared/pcaps, plus a large one made by
# concatenating echo-connections.pcap REPEAT times (default 20), each copy
# shifted an hour later with editcap so flows stay distinct in time.
# Measured per program: best wall time of 3 runs, peak resident memory
# (GNU time), and instructions (valgrind --tool=callgrind, repeatable
# whatever else the machine does) on the small captures.  Both programs
# read the file and export NetFlow v5 to a closed UDP port on loopback.
set -eu
cd "$(dirname "$0")/.."
repeat=${1:-20}
shared=../shared/pcaps
[ -d "$shared" ] || { echo "bench: ../shared/pcaps is absent" >&2; exit 1; }
for tool in softflowd editcap mergecap /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install softflowd tshark time)" >&2; exit 1; }
done
make --no-print-directory programs >/dev/null
tmp=$(mktemp -d /tmp/flowprobe-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

parts=()
for i in $(seq 0 $((repeat - 1))); do
	editcap -t $((i * 3600)) "$shared/echo-connections.pcap" "$tmp/part$i.pcap"
	parts+=("$tmp/part$i.pcap")
done
mergecap -a -w "$tmp/big.pcap" "${parts[@]}"
rm -f "${parts[@]}"
big_packets=$((82582 * repeat))

# best_of CMD...: the fastest of three wall times, in ms.
best_of() {
	local best="" t0 t1 ms
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}

peak_kib() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

probe() { build/flowprobe -r "$1" -n 127.0.0.1:9 --pace 0; }
softflowd_run() { softflowd -r "$1" -n 127.0.0.1:9 --pace 0 -v 5 -d -c none; }

printf '%-28s %10s %10s %8s %12s %12s\n' capture "ours ms" "sfd ms" "speedup" "ours KiB" "sfd KiB"
for cap in "$tmp/big.pcap" "$shared/echo-connections.pcap" "$shared/1kxun.pcap" \
	   "$shared/gnutella.pcap" "$shared/synscan.pcap"; do
	ours=$(best_of probe "$cap")
	theirs=$(best_of softflowd_run "$cap")
	ours_mem=$(peak_kib build/flowprobe -r "$cap" -n 127.0.0.1:9 --pace 0)
	theirs_mem=$(peak_kib softflowd -r "$cap" -n 127.0.0.1:9 --pace 0 -v 5 -d -c none)
	name=$(basename "$cap")
	[ "$cap" = "$tmp/big.pcap" ] && name="echo-connections x$repeat"
	printf '%-28s %10s %10s %7.2fx %12s %12s\n' "$name" "$ours" "$theirs" \
		"$(echo "$theirs $ours" | awk '{print ($2 > 0) ? $1 / $2 : 0}')" "$ours_mem" "$theirs_mem"
done
echo "(big capture: $big_packets packets)"

if command -v valgrind >/dev/null; then
	echo
	printf '%-28s %16s %16s %8s\n' capture "ours instr" "sfd instr" ratio
	for cap in "$shared/echo-connections.pcap" "$shared/1kxun.pcap"; do
		ours=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null build/flowprobe -r "$cap" -n 127.0.0.1:9 --pace 0 2>&1 |
		       sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		theirs=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null softflowd -r "$cap" -n 127.0.0.1:9 --pace 0 -v 5 -d -c none 2>&1 |
			 sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		printf '%-28s %16s %16s %7.2fx\n' "$(basename "$cap")" "$ours" "$theirs" \
			"$(echo "$theirs $ours" | awk '{print ($2 > 0) ? $1 / $2 : 0}')"
	done
fi
