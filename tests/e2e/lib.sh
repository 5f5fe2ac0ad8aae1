# lib.sh - helpers for the end-to-end scripts (sourced).
#
# Each check prints one line: "ok NAME", "not ok NAME" (with "# " detail
# lines before it) or "skip NAME: why".  BUILD names the build directory.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROBE="$ROOT/$BUILD/flowprobe"
COLLECT="$ROOT/$BUILD/flowcollect"
SHARED="$ROOT/../shared"
SHARED_PCAPS="$SHARED/pcaps"
TMP=$(mktemp -d /tmp/fp-e2e.XXXXXX)
trap 'rm -rf "$TMP"; [ -n "${COLLECTOR_PID:-}" ] && kill "$COLLECTOR_PID" 2>/dev/null' EXIT
export TZ=UTC

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; }
skip() { echo "skip $1: $2"; }
note() { echo "# $*"; }

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# check_that NAME 'CONDITION': ok when the shell condition holds, for
# conditions joined by && or || (check's command cannot hold those: in
# `check N [ a ] && [ b ]` the second test is outside check).
check_that() {
	local name=$1
	if eval "$2"; then ok "$name"; else not_ok "$name"; fi
}

have_shared() { [ -d "$SHARED_PCAPS" ]; }

# require_shared NAME TOOL...: skip the whole script (exit 0 after one
# "skip" line) when ../shared/pcaps or one of the tools is missing.
require_shared() {
	local name=$1 tool
	shift
	if ! have_shared; then
		skip "$name" "../shared/pcaps is absent"
		exit 0
	fi
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			skip "$name" "$tool is not installed (make test-deps)"
			exit 0
		fi
	done
}

# free_port: a UDP port on 127.0.0.1 that was free a moment ago.
free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# udp_queue PORT: the receive queue of the socket bound to PORT (hex, from
# /proc/net/udp), or nothing while no socket is bound there.
udp_queue() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" {split($5, q, ":"); print q[2]; exit}' /proc/net/udp
}
udp_bound() { [ -n "$(udp_queue "$1")" ]; }
udp_drained() { [ "$(udp_queue "$1")" = 00000000 ]; }

# wait_for CMD...: retry for up to 5 s.
wait_for() {
	for _ in $(seq 1 100); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# start_listener NAME ARGS...: one more flowcollect -p 0 on loopback
# (ARGS may hold -P tcp), output in $TMP/NAME.out and $TMP/NAME.err; sets
# NAME_PID and NAME_PORT.
start_listener() {
	local name=$1 port=""
	shift
	# The shell truncates NAME.err only once the child runs: remove the
	# last run's first, or its port can be read here (a race that sent
	# exports to a closed port on a loaded machine).
	rm -f "$TMP/$name.err"
	"$COLLECT" -p 0 -b 127.0.0.1 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	printf -v "${name}_PID" '%s' "$!"
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^flowcollect: listening on [A-Z]* port \([0-9]*\)$/\1/p' "$TMP/$name.err" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	printf -v "${name}_PORT" '%s' "$port"
	[ -n "$port" ]
}

# start_collector ARGS...: start flowcollect -p 0 on loopback in the
# background, output in $TMP/collector.out; sets COLLECTOR_PID and PORT.
start_collector() {
	start_listener collector "$@"
	local rc=$?
	COLLECTOR_PID=$collector_PID
	PORT=$collector_PORT
	[ "$rc" = 0 ] || echo "# collector did not start: $(cat "$TMP/collector.err")"
	return $rc
}

# stop_collector: SIGTERM, wait; it drains its queue before exiting.
stop_collector() {
	kill -TERM "$COLLECTOR_PID"
	wait "$COLLECTOR_PID"
	local rc=$?
	COLLECTOR_PID=""
	return $rc
}
