#!/usr/bin/env bash
# live_control.sh - every control command on a live flowprobe, as root: a
# veth pair between two network namespaces, the probe on one end (-c
# SOCK), flowcollect on that namespace's loopback, pings from the other.
# Checked, through flowctl (and softflowctl where it matters): each reply,
# and what the command did to the flows: statistics and dump-flows see
# them, stop-gather stops the counting, delete-all drops flows unexported,
# debug+ prints expiring flows, shutdown exports everything and exits 0,
# exit leaves at once exporting nothing; a second probe on the same
# pidfile or control socket refuses to start.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip live_control "needs root (network namespaces)"
	exit 0
fi
CTL="$ROOT/$BUILD/flowctl"
NSP=fpctl-p$$ NSS=fpctl-s$$
PROBE_PID="" COLL_PID=""
cleanup() {
	[ -n "$PROBE_PID" ] && kill -KILL "$PROBE_PID" 2>/dev/null
	[ -n "$COLL_PID" ] && kill -KILL "$COLL_PID" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NSP" 2>/dev/null
	ip netns del "$NSS" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
if ! ip netns add "$NSP" 2>"$TMP/netns.err"; then
	skip live_control "cannot make a network namespace: $(head -1 "$TMP/netns.err")"
	exit 0
fi
ip netns add "$NSS"
ip link add p0 netns "$NSP" type veth peer name s0 netns "$NSS"
for n in "$NSP" "$NSS"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$n" ip link set lo up
done
ip netns exec "$NSP" ip addr add 10.7.0.1/24 dev p0
ip netns exec "$NSS" ip addr add 10.7.0.2/24 dev s0
ip netns exec "$NSP" sysctl -qw net.ipv6.conf.p0.disable_ipv6=1
ip netns exec "$NSS" sysctl -qw net.ipv6.conf.s0.disable_ipv6=1
ip netns exec "$NSP" ip link set p0 up
ip netns exec "$NSS" ip link set s0 up
ping_from_s() { ip netns exec "$NSS" ping -q -c "$1" -i 0.2 -W 1 10.7.0.1 >/dev/null; }
exported() { grep -c "^20[0-9][0-9]-.*,10\.7\.0\.2,10\.7\.0\.1,0,2048,ICMP" "$TMP/flows.csv"; }

ip netns exec "$NSP" "$COLLECT" -p 0 -b 127.0.0.1 -o csv >"$TMP/flows.csv" 2>"$TMP/collect.err" &
COLL_PID=$!
wait_for grep -q "listening on UDP port" "$TMP/collect.err"
PORT=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$TMP/collect.err")
SOCK=$TMP/p.ctl PIDF=$TMP/p.pid
start_probe() {
	ip netns exec "$NSP" "$PROBE" -d -i p0 -n "127.0.0.1:$PORT" -v 10 -c "$SOCK" -p "$PIDF" \
		-t icmp=300 -t expint=1 "$@" >"$TMP/probe.out" 2>"$TMP/probe.err" &
	PROBE_PID=$!
	wait_for test -S "$SOCK"
}
start_probe
check "control socket made, mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]

"$CTL" -c "$SOCK" help >"$TMP/help" 2>&1
check "help: softflowd's list" grep -q "^	debug+ debug- delete-all dump-flows exit expire-all$" "$TMP/help"
"$CTL" -c "$SOCK" timeouts >"$TMP/to" 2>&1
check "timeouts: ICMP 300s, expiry interval 1s" \
	grep -q "ICMP timeout: 300s" "$TMP/to"
check "timeouts: the header" grep -q "^flowprobe\[$PROBE_PID\]: Printing timeouts:$" "$TMP/to"

ping_from_s 3
sleep 0.3
"$CTL" -c "$SOCK" statistics >"$TMP/st1" 2>&1
check "statistics: the header" grep -q "^flowprobe\[$PROBE_PID\]: Accumulated statistics since 20[0-9-]*T[0-9:]* UTC:$" "$TMP/st1"
check "statistics: one active flow, 3 packets" \
	grep -q "^Number of active flows: 1$" "$TMP/st1"
check "statistics: 3 packets processed" grep -q "^Packets processed: 3$" "$TMP/st1"
"$CTL" -c "$SOCK" dump-flows >"$TMP/dump" 2>&1
check "dump-flows: the flow, due in about 300 s" \
	grep -qE "^EXPIRY EVENT for flow [0-9]+ in (29[0-9]|300) seconds$" "$TMP/dump"
check "dump-flows: its addresses" grep -q "ACTIVE seq:[0-9]* .*10\.7\.0\.2.*10\.7\.0\.1" "$TMP/dump"

# stop-gather: packets are not read; start-gather: they are again.
"$CTL" -c "$SOCK" stop-gather >"$TMP/sg" 2>&1
check "stop-gather: reply" grep -q "^flowprobe\[$PROBE_PID\]: Data collection stopped\.$" "$TMP/sg"
ping_from_s 2
sleep 0.3
"$CTL" -c "$SOCK" statistics >"$TMP/st2" 2>&1
check "stop-gather: no packet counted while stopped" grep -q "^Packets processed: 3$" "$TMP/st2"
"$CTL" -c "$SOCK" start-gather >"$TMP/sg2" 2>&1
check "start-gather: reply" grep -q "Data collection resumed\.$" "$TMP/sg2"
ping_from_s 1
sleep 0.3
"$CTL" -c "$SOCK" statistics >"$TMP/st3" 2>&1
check "start-gather: counting again" grep -q "^Packets processed: [4-9]$" "$TMP/st3"

# delete-all: the flow is dropped, never exported.
"$CTL" -c "$SOCK" delete-all >"$TMP/del" 2>&1
check "delete-all: one flow deleted" grep -q "^flowprobe\[$PROBE_PID\]: Deleted 1 flows\.$" "$TMP/del"
"$CTL" -c "$SOCK" statistics >"$TMP/st4" 2>&1
check "delete-all: no active flow left" grep -q "^Number of active flows: 0$" "$TMP/st4"

# send-template and debug+: a flow expired by expire-all is printed.
"$CTL" -c "$SOCK" send-template >"$TMP/tmpl" 2>&1
check "send-template: reply" grep -q "Template will be sent at next flow export$" "$TMP/tmpl"
"$CTL" -c "$SOCK" debug+ >"$TMP/dbg" 2>&1
check "debug+: reply" grep -q "Debug level increased\.$" "$TMP/dbg"
ping_from_s 2
sleep 0.3
softflowctl -c "$SOCK" expire-all >"$TMP/exp" 2>&1
check "expire-all (softflowctl): one flow" grep -q "^flowprobe\[$PROBE_PID\]: Expired 1 flows\.$" "$TMP/exp"
wait_for grep -q "^EXPIRED: .*10\.7\.0\.2" "$TMP/probe.err"
check "debug+: the expired flow printed" grep -q "^EXPIRED: .*10\.7\.0\.2.*packets:2 " "$TMP/probe.err"
wait_for test "$(exported)" = 1
check "expire-all: the 2-packet flow exported, the deleted one not" \
	grep -q ",10\.7\.0\.2,10\.7\.0\.1,0,2048,ICMP,........,0,0,2,168," "$TMP/flows.csv"
"$CTL" -c "$SOCK" debug- >/dev/null 2>&1

# A second probe on the same pidfile, or the same socket, is refused.
ip netns exec "$NSP" "$PROBE" -d -i p0 -n "127.0.0.1:$PORT" -c "$TMP/other.ctl" -p "$PIDF" >/dev/null 2>"$TMP/second.err"
rc=$?
check_that "a second probe on the pidfile: refused, exit 1" \
	'[ "$rc" = 1 ] && grep -q "already running under pid $PROBE_PID" "$TMP/second.err"'
ip netns exec "$NSP" "$PROBE" -d -i p0 -n "127.0.0.1:$PORT" -c "$SOCK" >/dev/null 2>"$TMP/third.err"
rc=$?
check_that "a second probe on the control socket: refused, exit 1" \
	'[ "$rc" = 1 ] && grep -q "in use" "$TMP/third.err"'

# shutdown: the flow still in the table is exported, exit 0.
ping_from_s 4
sleep 0.3
"$CTL" -c "$SOCK" shutdown >"$TMP/shut" 2>&1
check "shutdown: reply" grep -q "^flowprobe\[$PROBE_PID\]: Shutting down gracefully\.\.\.$" "$TMP/shut"
wait "$PROBE_PID"
rc=$?
PROBE_PID=""
check "shutdown: exit 0" [ "$rc" = 0 ]
wait_for test "$(exported)" = 2
check "shutdown: the 4-packet flow exported" \
	grep -q ",10\.7\.0\.2,10\.7\.0\.1,0,2048,ICMP,........,0,0,4,336," "$TMP/flows.csv"
check_that "shutdown: the socket and pidfile removed" '[ ! -e "$SOCK" ] && [ ! -e "$PIDF" ]' 

# exit: leaves at once, the flow in the table is not exported.
start_probe
ping_from_s 2
sleep 0.3
"$CTL" -c "$SOCK" exit >"$TMP/exit" 2>&1
check "exit: reply" grep -q "^flowprobe\[$PROBE_PID\]: Exiting now\.\.\.$" "$TMP/exit"
wait "$PROBE_PID"
PROBE_PID=""
sleep 1.5
check "exit: nothing more exported" [ "$(exported)" = 2 ]

# As a daemon (no -d): the parent exits 0 once the child is set up; the
# child, named in the pidfile, runs as nobody in the chroot and serves the
# socket; shutdown exports its flows.
JAIL=$TMP/jail
mkdir -p "$JAIL"
chmod 755 "$JAIL"
ip netns exec "$NSP" "$PROBE" -i p0 -n "127.0.0.1:$PORT" -v 10 -c "$SOCK" -p "$PIDF" \
	--chroot "$JAIL" -t icmp=300 -t expint=1 2>"$TMP/daemon.err"
rc=$?
check "daemon: the parent exits 0" [ "$rc" = 0 ]
DPID=$(cat "$PIDF" 2>/dev/null)
check "daemon: the pidfile names a running child" kill -0 "${DPID:-0}"
check "daemon: the child runs as nobody" [ "$(ps -o user= -p "${DPID:-0}" | tr -d ' ')" = nobody ]
check "daemon: in the chroot" [ "$(readlink "/proc/${DPID:-0}/root")" = "$JAIL" ]
ping_from_s 3
sleep 0.3
"$CTL" -c "$SOCK" statistics >"$TMP/dst" 2>&1
check "daemon: the socket answers, 3 packets seen" grep -q "^Packets processed: 3$" "$TMP/dst"
"$CTL" -c "$SOCK" shutdown >/dev/null 2>&1
for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
check "daemon: shutdown ends it" sh -c "! kill -0 $DPID 2>/dev/null"
wait_for test "$(exported)" = 3
check "daemon: its 3-packet flow exported" \
	grep -q ",10\.7\.0\.2,10\.7\.0\.1,0,2048,ICMP,........,0,0,3,252," "$TMP/flows.csv"
