#!/usr/bin/env bash
# bench/progress.sh - what the progress line costs a file run: flowprobe on
# the generated s100k capture (10 M packets, 100 k conversations; see
# README.md) with --no-progress, with --progress into a file (a line a
# second) and on a terminal (pseudo-terminal, 4 updates a second).
#
# Two measures: instructions retired, counted by valgrind's cachegrind (one
# run each: the count varies by a few hundred thousand between runs, where
# wall times on a shared machine vary by tens of percent; valgrind runs
# the program ~20 times slower, so it prints ~20 times as many updates as
# a native run: an upper bound), and CPU and wall seconds from runstat,
# RUNS runs of each in turn (best and median).
#
# Environment: BUILD=build, FPBENCH=/tmp/fpbench (the capture is kept
# there), RUNS=7.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FPBENCH=${FPBENCH:-/tmp/fpbench}
RUNS=${RUNS:-7}
B=$BUILD/bench
mkdir -p "$B" "$FPBENCH"
make --no-print-directory BUILD="$BUILD" programs >/dev/null
for tool in gencap runstat; do
	if [ ! -x "$B/$tool" ] || [ "bench/$tool.c" -nt "$B/$tool" ]; then
		cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$B/$tool" "bench/$tool.c" -lpcap -lm
	fi
done
CAP=$FPBENCH/progress-s100k.pcap
if [ ! -s "$CAP" ] || [ bench/gencap.c -nt "$CAP" ]; then
	"$B/gencap" -n 10M -f 100k -S 1 -o "$CAP" >"$CAP.truth" 2>&1
fi
cat "$CAP" >/dev/null		# into the page cache
PROBE=$BUILD/flowprobe
PTY=tests/e2e/pty_stderr.py
OUT=$(mktemp -d /tmp/fp-progress.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
ARGS=(-r "$CAP" -m 4000000 -t tcp=1d -t udp=1d -t icmp=1d -t general=1d -t tcp.fin=1d -t tcp.rst=1d -t maxlife=0)

# run NAME WRAPPER...: flowprobe under WRAPPER, NAME saying how.
run() {
	local name=$1
	shift
	case $name in
	off) "$@" "$PROBE" "${ARGS[@]}" --no-progress 2>"$OUT/$name.err" ;;
	lines) "$@" "$PROBE" "${ARGS[@]}" --progress 2>"$OUT/$name.err" ;;
	tty) python3 "$PTY" "$OUT/$name.raw" -- "$@" "$PROBE" "${ARGS[@]}" ;;
	esac
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v valgrind >/dev/null; then
	echo "instructions (cachegrind):"
	for name in off lines tty; do
		run "$name" valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
			--log-file="$OUT/$name.vg"
		irefs=$(sed -n 's/.*I *refs: *//p' "$OUT/$name.vg" | tr -d ,)
		# on the terminal, each update and the wipe's two
		updates=$(if [ "$name" = tty ]; then echo $(($(tr -cd '\r' <"$OUT/tty.raw" | wc -c) - 2)); \
			  else grep -c ' datagrams$' "$OUT/$name.err" || true; fi)
		printf '  %-6s %14s  (%s updates)\n' "$name" "$irefs" "$updates"
	done
else
	echo "instructions: valgrind is not installed"
fi

for i in $(seq 1 "$RUNS"); do
	for name in off lines tty; do
		run "$name" "$B/runstat" -o "$OUT/rs" --
		cat "$OUT/rs" >>"$OUT/$name.rs"
		echo >>"$OUT/$name.rs"
	done
done
python3 - "$OUT" <<'EOF'
import statistics, sys
print("seconds, best and median of each (cpu: user + sys):")
for name in ("off", "lines", "tty"):
    rows = [dict(kv.split("=") for kv in l.split()) for l in open(sys.argv[1] + "/" + name + ".rs") if l.strip()]
    wall = [float(r["wall_s"]) for r in rows]
    cpu = [float(r["user_s"]) + float(r["sys_s"]) for r in rows]
    print("  %-6s wall %.3f %.3f   cpu %.3f %.3f" % (name, min(wall), statistics.median(wall),
                                                     min(cpu), statistics.median(cpu)))
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
