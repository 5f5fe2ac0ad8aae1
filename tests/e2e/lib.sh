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

# start_collector ARGS...: start flowcollect -p 0 on loopback in the
# background, output in $TMP/collector.out; sets COLLECTOR_PID and PORT.
start_collector() {
	# The shell truncates collector.err only once the child runs: remove
	# the last run's first, or its port can be read here (a race that
	# sent exports to a closed port on a loaded machine).
	rm -f "$TMP/collector.err"
	"$COLLECT" -p 0 -b 127.0.0.1 "$@" >"$TMP/collector.out" 2>"$TMP/collector.err" &
	COLLECTOR_PID=$!
	PORT=""
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$TMP/collector.err" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "# collector did not start: $(cat "$TMP/collector.err")"
	return 1
}

# stop_collector: SIGTERM, wait; it drains its queue before exiting.
stop_collector() {
	kill -TERM "$COLLECTOR_PID"
	wait "$COLLECTOR_PID"
	local rc=$?
	COLLECTOR_PID=""
	return $rc
}
