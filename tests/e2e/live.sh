#!/usr/bin/env bash
# live.sh - live capture (-i) end to end, as root: two network namespaces
# joined by a veth pair; flowprobe -i on one side exports to flowcollect
# on that namespace's loopback, known traffic comes from the other side.
# Checked: the exact flows (packets, octets, input interface = the veth's
# index there) arrive within timeout + expint + 2 s; only arriving
# packets are metered (no echo replies); on "any" each packet's own
# interface and none of the probe's own exports; SIGTERM exports the
# flows still in the table and exits 0; sends refused by a collector that
# is down are warned about; an unknown interface is one line.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip live "needs root (network namespaces)"
	exit 0
fi
for tool in ip python3 stdbuf; do
	if ! command -v "$tool" >/dev/null; then
		skip live "$tool is not installed (make test-deps)"
		exit 0
	fi
done

NSP=fplive-p$$ NSS=fplive-s$$
PROBE_PID="" COLL_PID=""
cleanup() {
	[ -n "$PROBE_PID" ] && kill -KILL "$PROBE_PID" 2>/dev/null
	[ -n "$COLL_PID" ] && kill -KILL "$COLL_PID" 2>/dev/null
	ip netns del "$NSP" 2>/dev/null
	ip netns del "$NSS" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

if ! ip netns add "$NSP" 2>"$TMP/ns.err" || ! ip netns add "$NSS" 2>>"$TMP/ns.err" ||
   ! ip link add fpl0 netns "$NSP" type veth peer name fpl1 netns "$NSS" 2>>"$TMP/ns.err"; then
	skip live "cannot make network namespaces here: $(head -1 "$TMP/ns.err")"
	exit 0
fi
P() { ip netns exec "$NSP" "$@"; }
S() { ip netns exec "$NSS" "$@"; }
P ip link set lo up
P ip addr add 10.213.0.1/24 dev fpl0
P ip link set fpl0 up
S ip link set lo up
S ip addr add 10.213.0.2/24 dev fpl1
S ip link set fpl1 up
if command -v ethtool >/dev/null; then
	P ethtool -K fpl0 tso off gso off gro off >/dev/null 2>&1
	S ethtool -K fpl1 tso off gso off gro off >/dev/null 2>&1
fi
IFX=$(P cat /sys/class/net/fpl0/ifindex)
wait_for S ping -c 1 -W 1 10.213.0.1 >/dev/null 2>&1

# The collector, its CSV line-buffered so rows can be watched arriving
# (stdbuf preloads a library: ASan must not insist on coming first).
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0
ip netns exec "$NSP" stdbuf -oL "$COLLECT" -p 0 -b 127.0.0.1 -o csv >"$TMP/coll.csv" 2>"$TMP/coll.err" &
COLL_PID=$!
wait_for grep -q 'listening on UDP port' "$TMP/coll.err"
CPORT=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$TMP/coll.err")

# start_probe NAME ARGS...: flowprobe in the probe's namespace, until it
# says it captures.
start_probe() {
	local name=$1; shift
	ip netns exec "$NSP" "$PROBE" "$@" -n "127.0.0.1:$CPORT" -v 10 -d >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PROBE_PID=$!
	wait_for grep -q 'capturing on' "$TMP/$name.err"
}

# send_udp SPORT DPORT COUNT SIZE: COUNT datagrams of SIZE payload bytes.
send_udp() {
	S python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.213.0.2", int(sys.argv[1])))
for _ in range(int(sys.argv[3])):
    s.sendto(b"x" * int(sys.argv[4]), ("10.213.0.1", int(sys.argv[2])))
    time.sleep(0.01)
' "$@"
}

# rows AWK-CONDITION: "ipkt ibyt in" of each CSV row matching (columns:
# 4 sa, 5 da, 6 sp, 7 dp, 8 pr, 12 ipkt, 13 ibyt, 16 in).
rows() {
	awk -F, "NR > 1 && ($1) {print \$12, \$13, \$16}" "$TMP/coll.csv" | tr -s ' ' | sed 's/^ //'
}
ICMP='$4 ~ /10.213.0.2/ && $5 ~ /10.213.0.1/ && $8 ~ /ICMP/'
UDP1='$4 ~ /10.213.0.2/ && $6 + 0 == 5555 && $7 + 0 == 9999'

# expect NAME WANT CONDITION: the rows matching, within WAIT seconds.
expect() {
	local name=$1 want=$2 cond=$3 got=""
	for _ in $(seq 1 $((WAIT * 10))); do
		got=$(rows "$cond")
		[ "$got" = "$want" ] && break
		sleep 0.1
	done
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		note "wanted \"$want\", got \"$got\""
		not_ok "$name"
	fi
}

# 1. -i fpl0: udp and icmp time out after 2 s, scans every second.
start_probe eth -i fpl0 -t udp=2 -t icmp=2 -t expint=1
check "live: probe started on fpl0" grep -q "capturing on fpl0 (input interface $IFX, link type EN10MB)" "$TMP/eth.err"
t0=$(date +%s.%N)
S ping -c 5 -i 0.2 -s 56 10.213.0.1 >/dev/null
send_udp 5555 9999 10 100
WAIT=$((2 + 1 + 2))
# 5 echo requests of 84 bytes; 10 datagrams of 128; the interface's index
expect "live: icmp flow exported after its timeout" "5 420 $IFX" "$ICMP"
expect "live: udp flow exported after its timeout" "10 1280 $IFX" "$UDP1"
t1=$(date +%s.%N)
note "flows out $(echo "$t1 - $t0" | bc 2>/dev/null || echo ?) s after the traffic began"
check "live: echo replies (outgoing) not metered" \
	test -z "$(rows '$4 ~ /10.213.0.1/')"

# 2. SIGTERM exports what the table holds: a flow that would live 300 s.
send_udp 6666 7777 3 50
sleep 0.5
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
PROBE_PID=""
check "live: SIGTERM exits 0" test "$rc" = 0
WAIT=2
expect "live: SIGTERM exports the flows left" "3 234 $IFX" '$6 + 0 == 6666 && $7 + 0 == 7777'
check "live: SIGTERM is said" grep -q "SIGTERM: exporting every flow" "$TMP/eth.err"
check "live: statistics name the interface" \
	grep -q "^Interface fpl0 (index $IFX): [0-9]* packets received, 0 dropped by the kernel" "$TMP/eth.err"

# 3. -i any: cooked v2 frames, each with its interface; the exports to
# the collector on loopback pass by on lo and must not be metered.
start_probe any -i any -t udp=2 -t icmp=2 -t expint=1
send_udp 5556 9998 4 200
S ping -c 3 -i 0.2 10.213.0.1 >/dev/null
WAIT=5
expect "live: any: udp flow with the veth's index" "4 912 $IFX" '$6 + 0 == 5556 && $7 + 0 == 9998'
expect "live: any: icmp counted once" "5 420 $IFX
3 252 $IFX" "$ICMP"
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
PROBE_PID=""
check "live: any: SIGTERM exits 0" test "$rc" = 0
check "live: any: own exports not metered" test -z "$(rows "\$7 + 0 == $CPORT")"
check "live: any: echo replies (outgoing) not metered" \
	test -z "$(rows '$4 ~ /10.213.0.1/')"
check "live: any: statistics" \
	grep -q "^Interface any (index 0): [1-9][0-9]* packets received, 0 dropped by the kernel" "$TMP/any.err"

# 4. A collector that is not there: the refused sends are warned about
# (at most every 5 s), and the run goes on.
ip netns exec "$NSP" "$PROBE" -i fpl0 -n 127.0.0.1:9 -t udp=1 -t expint=1 -d \
	>/dev/null 2>"$TMP/down.err" &
PROBE_PID=$!
wait_for grep -q 'capturing on' "$TMP/down.err"
for p in 7001 7002 7003; do
	send_udp $p 7000 1 10
	sleep 1.5
done
wait_for grep -q 'export datagrams could not be sent since the last report' "$TMP/down.err"
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
PROBE_PID=""
check "live: send failures warned" \
	grep -q '^flowprobe: warning: [1-9][0-9]* export datagrams could not be sent since the last report, [1-9][0-9]* in all' "$TMP/down.err"
check "live: send failures, exit 0" test "$rc" = 0

# 5. Bad interface: one line, exit 1.
P "$PROBE" -i fpl9 -n "127.0.0.1:$CPORT" -d >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(cat "$TMP/bad.err")" = 'flowprobe: cannot capture on "fpl9": No such device exists' ]; then
	ok "live: unknown interface refused"
else
	note "exit $rc: $(cat "$TMP/bad.err")"
	not_ok "live: unknown interface refused"
fi
kill -TERM "$COLL_PID"
wait "$COLL_PID"
COLL_PID=""
