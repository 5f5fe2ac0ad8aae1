#!/usr/bin/env bash
# control.sh - the control socket end to end: build/ctlserver serves it
# with fixed fake actions (tests/ctlfake.h; flowprobe has no live loop to
# serve it yet), and build/flowctl and Debian's softflowctl drive it.
# For every command both clients must print the same reply, byte for byte,
# with the same exit status, and the reply must be softflowd's layout
# (softflowd-1.1.0.md §5 and §7) with "flowprobe[PID]:" for
# "softflowd[PID]:".  The server's log shows which action each command ran.
source "$(dirname "$0")/lib.sh"

CTL="$ROOT/$BUILD/flowctl"
SERVER="$ROOT/$BUILD/ctlserver"
SOFTCTL=$(command -v softflowctl || ls /usr/sbin/softflowctl 2>/dev/null)
SOCK="$TMP/probe.ctl"

if [ ! -x "$CTL" ] || [ ! -x "$SERVER" ]; then
	not_ok "control: $CTL or $SERVER not built (make programs units)"
	exit 1
fi
if [ -z "$SOFTCTL" ]; then
	skip "control" "softflowctl is not installed (make test-deps)"
	exit 0
fi

SRV=""
start_server() {
	rm -f "$TMP/log"
	"$SERVER" "$SOCK" "$@" >"$TMP/ready" 2>"$TMP/log" &
	SRV=$!
	for _ in $(seq 100); do
		[ -s "$TMP/ready" ] && return 0
		kill -0 "$SRV" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
stop_server() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=""
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# both NAME WANT ARGS...: flowctl ARGS and softflowctl ARGS print WANT
# (exactly, to the last newline) and exit 0.
both() {
	local name=$1 want=$2; shift 2
	"$CTL" "$@" >"$TMP/ours" 2>"$TMP/ours.err"; local rc1=$?
	"$SOFTCTL" "$@" >"$TMP/theirs" 2>"$TMP/theirs.err"; local rc2=$?
	printf '%s' "$want" >"$TMP/want"
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && cmp -s "$TMP/ours" "$TMP/theirs" &&
	   cmp -s "$TMP/ours" "$TMP/want"; then
		ok "control: $name"
	else
		note "exit: flowctl $rc1, softflowctl $rc2"
		diff "$TMP/want" "$TMP/ours" | head -10 | sed 's/^/# flowctl: /'
		diff "$TMP/want" "$TMP/theirs" | head -10 | sed 's/^/# softflowctl: /'
		not_ok "control: $name"
	fi
}

# log_has NAME LINE...: the server's action log, since the last mark,
# is exactly these lines (results excluded).
MARK=0
log_is() {
	local name=$1; shift
	local got want
	got=$(tail -n +"$((MARK + 1))" "$TMP/log" | grep -v '^result ')
	want=$(printf '%s\n' "$@")
	MARK=$(wc -l <"$TMP/log")
	if [ "$got" = "$want" ]; then
		ok "control: $name"
	else
		note "actions: $(echo "$got" | tr '\n' ',') wanted: $(echo "$want" | tr '\n' ',')"
		not_ok "control: $name"
	fi
}

if ! start_server; then
	not_ok "control: ctlserver did not start: $(cat "$TMP/log")"
	exit 1
fi
P="flowprobe[$SRV]:"

check "control: socket file is srw------- (0600)" \
	test "$(stat -c %A "$SOCK")" = "srw-------"

both "help" "Valid control words are:
	debug+ debug- delete-all dump-flows exit expire-all
	shutdown start-gather statistics stop-gather timeouts
	send-template
" -c "$SOCK" help
log_is "help runs no action"

both "timeouts" "$P Printing timeouts:
           TCP timeout: 3600s
  TCP post-RST timeout: 120s
  TCP post-FIN timeout: 300s
           UDP timeout: 90s
          ICMP timeout: 300s
       General timeout: 3600s
      Maximum lifetime: 604800s
       Expiry interval: 60s
" -c "$SOCK" timeouts

both "statistics" "$P Accumulated statistics since 2023-11-14T22:13:20 UTC:
Number of active flows: 2
Packets processed: 14
Fragments: 0
Ignored packets: 2 (1 non-IP, 1 too short)
Flows expired: 2 (0 forced)
Flows exported: 2 (2 records) in 1 packets (0 failures)

Expired flow statistics:  minimum       average       maximum
  Flow bytes:                 120           560          1000
  Flow packets:                 2             5             8
  Duration:                  0.50s         1.50s         2.50s

Expired flow reasons:
       tcp =         0   tcp.rst =         0   tcp.fin =         1
       udp =         1      icmp =         0   general =         0
   maxlife =         0
over 2 GiB =         0
  maxflows =         0
   flushed =         0

Per-protocol statistics:     Octets      Packets   Avg Life    Max Life
            tcp (6):           1300           10       2.50s       2.50s
           udp (17):            120            2       0.50s       0.50s

Flows created: 4
Flows by end reason: idle 1, active 0, end of flow 1, forced 0, lack of resources 0
Bad packets: 1 too short, 0 bad IP header
Later fragments: 0 joined their first, 0 waited for it, 0 unmatched (ports 0)
IPv6 flows not exportable in v5: 0
Flow table memory: 4096 bytes
" -c "$SOCK" statistics

both "dump-flows" "$P Dumping flow data:
ACTIVE seq:1 [10.0.0.1]:40000 > [10.0.0.2]:80 proto:6 tos:0x00 if:0 octets:180 packets:3 start:2023-11-14T22:13:20.250000 finish:2023-11-14T22:13:21.500000 tcp:12 flowlabel:00000 vlan:0
EXPIRY EVENT for flow 1 in 40 seconds

ACTIVE seq:2 [10.0.0.1]:5353 > [10.0.0.2]:53 proto:17 tos:0x00 if:0 octets:60 packets:1 start:2023-11-14T22:13:20.250000 finish:2023-11-14T22:13:20.250000 tcp:00 flowlabel:00000 vlan:0
EXPIRY EVENT for flow 2 now (FORCED)

" -c "$SOCK" dump-flows
log_is "timeouts, statistics, dump-flows: one action per client" \
	"timeouts 0" "timeouts 0" "statistics 0" "statistics 0" "dump_flows 0" "dump_flows 0"

both "expire-all" "$P Expired 3 flows.
" -c "$SOCK" expire-all
both "delete-all" "$P Deleted 2 flows.
" -c "$SOCK" delete-all
both "send-template" "$P Template will be sent at next flow export
" -c "$SOCK" send-template
both "debug+" "$P Debug level increased.
" -c "$SOCK" debug+
both "debug-" "$P Debug level decreased.
" -c "$SOCK" debug-
both "stop-gather" "$P Data collection stopped.
" -c "$SOCK" stop-gather
both "start-gather" "$P Data collection resumed.
" -c "$SOCK" start-gather
log_is "actions of expire-all .. start-gather" \
	"expire_all 0" "expire_all 0" "delete_all 0" "delete_all 0" \
	"send_template 0" "send_template 0" "debug 1" "debug 1" "debug -1" "debug -1" \
	"gather 0" "gather 0" "gather 1" "gather 1"

both "unknown command" 'Unknown control command "statistic"
' -c "$SOCK" statistic
both "empty command" 'Unknown control command ""
' -c "$SOCK" ""
both "63 characters" "Unknown control command \"$(printf 'a%.0s' $(seq 63))\"
" -c "$SOCK" "$(printf 'a%.0s' $(seq 63))"
both "64 characters refused" "Control command refused: longer than 63 characters
" -c "$SOCK" "$(printf 'a%.0s' $(seq 64))"
both "a long line starting with a command refused" "Control command refused: longer than 63 characters
" -c "$SOCK" "shutdown$(printf 'x%.0s' $(seq 500))"
both "binary bytes refused" "Control command refused: byte 0x01 at position 9 is not printable text
" -c "$SOCK" $'shutdown\x01'
both "tab refused" "Control command refused: byte 0x09 at position 5 is not printable text
" -c "$SOCK" $'exit\tnow'
log_is "refused and unknown lines run no action"

# A client that connects and says nothing holds the server 1 s, no more:
# the next command is answered meanwhile, within about a second.
python3 - "$SOCK" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(4)
EOF
SILENT=$!
sleep 0.2
start=$(date +%s%N)
out=$("$CTL" -c "$SOCK" send-template)
took=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$out" = "$P Template will be sent at next flow export" ] && [ "$took" -lt 2500 ] && [ "$took" -ge 500 ]; then
	ok "control: a silent client delays the next one ${took} ms (at most 1 s)"
else
	note "took $took ms; reply: $out"
	not_ok "control: a silent client delays the next one at most 1 s"
fi
kill $SILENT 2>/dev/null; wait $SILENT 2>/dev/null

# Usage and connection errors: the same exit status, no reply on stdout.
same_status() {
	local name=$1 want=$2; shift 2
	"$CTL" "$@" >"$TMP/ours" 2>"$TMP/ours.err"; local rc1=$?
	"$SOFTCTL" "$@" >"$TMP/theirs" 2>"$TMP/theirs.err"; local rc2=$?
	local good=1
	[ $rc1 -eq "$want" ] && [ $rc2 -eq "$want" ] || good=0
	if [ "$want" -eq 0 ]; then
		[ -s "$TMP/ours" ] || good=0		# -h: the page, on stdout
	else
		[ ! -s "$TMP/ours" ] && [ ! -s "$TMP/theirs" ] && [ -s "$TMP/ours.err" ] || good=0
	fi
	if [ $good -eq 1 ]; then
		ok "control: $name: exit $want"
	else
		note "exit: flowctl $rc1, softflowctl $rc2; stderr: $(head -1 "$TMP/ours.err") / $(head -1 "$TMP/theirs.err")"
		not_ok "control: $name: exit $want"
	fi
}
same_status "no such socket" 1 -c "$TMP/nothing.ctl" statistics
same_status "no command" 1 -c "$SOCK"
same_status "two commands" 1 -c "$SOCK" statistics timeouts
same_status "unknown option" 1 -x -c "$SOCK" statistics
same_status "-h" 0 -h
check "control: flowctl's connect error names the path" \
	grep -qx "flowctl: cannot connect to control socket \"$TMP/nothing.ctl\": No such file or directory" \
	<("$CTL" -c "$TMP/nothing.ctl" statistics 2>&1)
check "control: flowctl --help names the default path" \
	grep -q "default /run/flowprobe.ctl" <("$CTL" --help)

# A second server refuses the socket a live one answers on.
"$SERVER" "$SOCK" >/dev/null 2>"$TMP/second.err"
check "control: a socket in use is not taken over" \
	grep -qx "ctlserver: control socket \"$SOCK\" is in use: another process answers on it" "$TMP/second.err"

# shutdown (softflowctl) and exit (flowctl) stop the server, which
# removes its socket file.
MARK=$(wc -l <"$TMP/log")
out=$("$SOFTCTL" -c "$SOCK" shutdown)
wait "$SRV"; rc=$?; SRV=""
check "control: shutdown replies, stops gracefully and removes the socket" \
	test "$out" = "$P Shutting down gracefully..." -a "$rc" -eq 0 -a ! -e "$SOCK" -a \
	"$(grep -v '^result' "$TMP/log" | tail -1)" = "stop 1"

start_server 0660
P="flowprobe[$SRV]:"
check "control: a mode given is the socket file's (0660)" \
	test "$(stat -c %a "$SOCK")" = 660
out=$("$CTL" -c "$SOCK" exit)
wait "$SRV"; SRV=""
check "control: exit replies and stops at once" \
	test "$out" = "$P Exiting now..." -a "$(grep -v '^result' "$TMP/log" | tail -1)" = "stop 0"

# A stale socket file (its server killed) is replaced; a regular file is not.
start_server
kill -9 "$SRV"; wait "$SRV" 2>/dev/null; SRV=""
check "control: the stale socket file is left by a killed server" test -S "$SOCK"
start_server
check "control: a stale socket file is replaced" \
	test "$("$CTL" -c "$SOCK" delete-all)" = "flowprobe[$SRV]: Deleted 2 flows."
stop_server
echo "not a socket" >"$TMP/file.ctl"
"$SERVER" "$TMP/file.ctl" >/dev/null 2>"$TMP/file.err"; rc=$?
check "control: a regular file is refused, not removed" \
	test "$rc" -eq 1 -a "$(cat "$TMP/file.ctl")" = "not a socket" -a \
	"$(cat "$TMP/file.err")" = "ctlserver: control socket path \"$TMP/file.ctl\" exists and is not a socket; not removing it"
