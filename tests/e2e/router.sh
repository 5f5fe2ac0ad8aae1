#!/usr/bin/env bash
# router.sh - the laptop-as-router use, on a routed network of network
# namespaces made here and removed at the end:
#
#   h1 (10.1.0.2) --veth-- r (10.1.0.1 | 10.2.0.1, forwarding) --veth-- h2 (10.2.0.2)
#
# flowprobe runs in r on both of its interfaces, exporting IPFIX to
# flowcollect on r's loopback.  h1 sends known traffic to h2: a ping, UDP
# datagrams, a TCP transfer that closes, packets crafted with libnet
# (tools/craftsend.c: one UDP 5-tuple under two ToS bytes, which are two
# flows, and an ICMP echo with ToS 0x10), and two TCP connections left open.
# Checked: every flow the hosts' own captures show appears once (nothing
# twice from the egress side), with their packets and octets and the
# router's index of the interface it arrived on; the closed flows without
# any command, each within its timeout + expint + 2 s; the open ones at
# once on expire-all, through flowctl and through Debian's softflowctl.
# Root only (namespaces); skipped with a message otherwise.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "router" "network namespaces need root"
	exit 0
fi
CRAFT="$ROOT/$BUILD/craftsend"
[ -x "$CRAFT" ] || CRAFT="$ROOT/build/craftsend"
for tool in ip tshark python3 "$CRAFT"; do
	if ! command -v "$tool" >/dev/null; then
		skip "router" "$tool is not installed (make test-deps)"
		exit 0
	fi
done
CTL="$ROOT/$BUILD/flowctl"
SOFTFLOWCTL=$(command -v softflowctl)

NS_H1=fp-h1-$$ NS_R=fp-r-$$ NS_H2=fp-h2-$$
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "$NS_H1" "$NS_R" "$NS_H2"; do ip netns del "$n" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"	# KEEP_TMP=1: keep it to look into
}
trap cleanup EXIT
# (background programs are started with ip netns exec itself, which execs
# them: $! is then the program's pid, not a subshell's)
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

if ! ip netns add "$NS_H1" 2>"$TMP/netns.err"; then
	skip "router" "cannot make a network namespace: $(head -1 "$TMP/netns.err")"
	exit 0
fi
ip netns add "$NS_R" && ip netns add "$NS_H2" &&
ip link add h1-eth0 netns "$NS_H1" type veth peer name r-eth1 netns "$NS_R" &&
ip link add h2-eth0 netns "$NS_H2" type veth peer name r-eth2 netns "$NS_R" || {
	not_ok "router: namespaces and veth pairs made"
	exit 1
}
for n in "$NS_H1" "$NS_R" "$NS_H2"; do
	# IPv4 only: IPv6 would add router solicitations and MLD reports.
	in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$n" ip link set lo up
done
in_ns "$NS_H1" ip addr add 10.1.0.2/24 dev h1-eth0
in_ns "$NS_R" ip addr add 10.1.0.1/24 dev r-eth1
in_ns "$NS_R" ip addr add 10.2.0.1/24 dev r-eth2
in_ns "$NS_H2" ip addr add 10.2.0.2/24 dev h2-eth0
for pair in "$NS_H1 h1-eth0" "$NS_R r-eth1" "$NS_R r-eth2" "$NS_H2 h2-eth0"; do
	set -- $pair
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	in_ns "$1" ip link set "$2" up
	# Segments on the wire as sent: no TSO/GSO/GRO super-packets.
	command -v ethtool >/dev/null && in_ns "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
done
in_ns "$NS_H1" ip route add default via 10.1.0.1
in_ns "$NS_H2" ip route add default via 10.2.0.1
in_ns "$NS_R" sysctl -qw net.ipv4.ip_forward=1
IF1=$(in_ns "$NS_R" cat /sys/class/net/r-eth1/ifindex)
IF2=$(in_ns "$NS_R" cat /sys/class/net/r-eth2/ifindex)
reaches() { in_ns "$NS_H1" ping -c 1 -W 2 10.2.0.2 >/dev/null; }
check "router: h1 reaches h2 through r" reaches

# Each host's own capture of what it sends: the independent count.
for h in "$NS_H1 h1-eth0 h1" "$NS_H2 h2-eth0 h2"; do
	set -- $h
	ip netns exec "$1" dumpcap -q -i "$2" -w "$TMP/$3.pcapng" 2>"$TMP/$3.dumpcap" &
	PIDS+=($!)
done
for h in h1 h2; do wait_for grep -q "File:" "$TMP/$h.dumpcap" || sleep 1; done

# The collector on r's loopback, and the probe on r's two interfaces.
ip netns exec "$NS_R" "$COLLECT" -p 0 -b 127.0.0.1 -o csv >"$TMP/flows.csv" 2>"$TMP/collect.err" &
PIDS+=($!)
wait_for grep -q "listening on UDP port" "$TMP/collect.err"
PORT=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$TMP/collect.err")
SOCK=$TMP/probe.ctl
UDP_T=4 ICMP_T=4 FIN_T=4 EXPINT=1
ip netns exec "$NS_R" "$PROBE" -d -i r-eth1 -i r-eth2 -n "127.0.0.1:$PORT" -v 10 -c "$SOCK" \
	-t udp=$UDP_T -t icmp=$ICMP_T -t tcp.fin=$FIN_T -t tcp.rst=$FIN_T -t expint=$EXPINT \
	>"$TMP/probe.out" 2>"$TMP/probe.err" &
PROBE_PID=$!
PIDS+=($PROBE_PID)
wait_for test -S "$SOCK" || { note "$(cat "$TMP/probe.err")"; not_ok "router: flowprobe started on r-eth1 and r-eth2"; exit 1; }
sleep 0.5

# h2 serves: UDP 9999 (reads and drops), TCP 5001 (reads to the end,
# closes), TCP 5002 and 5003 (read, stay open).
cat >"$TMP/server.py" <<'PY'
import socket, threading, time
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.2.0.2", 9999))
    while True:
        s.recv(65535)
def tcp(port, close_at_end):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.2.0.2", port))
    ls.listen(4)
    while True:
        c, _ = ls.accept()
        def serve(c=c):
            while True:
                d = c.recv(65536)
                if not d:
                    break
            if close_at_end:
                c.close()
        threading.Thread(target=serve, daemon=True).start()
threading.Thread(target=udp, daemon=True).start()
for port, close in ((5001, True), (5002, False), (5003, False)):
    threading.Thread(target=tcp, args=(port, close), daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(60)
PY
ip netns exec "$NS_H2" python3 "$TMP/server.py" >"$TMP/server.out" 2>&1 &
PIDS+=($!)
wait_for grep -q ready "$TMP/server.out"

# h1's traffic: 5 pings, 10 UDP datagrams of 100 bytes, 100 000 bytes over
# TCP then close, and connection A (to 5002) opened, 1000 bytes, kept.
in_ns "$NS_H1" ping -c 5 -i 0.2 10.2.0.2 >/dev/null
cat >"$TMP/client.py" <<'PY'
import socket, sys, time
what = sys.argv[1]
if what == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.1.0.2", 40001))
    for i in range(10):
        s.sendto(bytes(100), ("10.2.0.2", 9999))
        time.sleep(0.01)
elif what == "bulk":
    s = socket.create_connection(("10.2.0.2", 5001), source_address=("10.1.0.2", 40002))
    s.sendall(bytes(100000))
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
else:                       # open PORT SRCPORT: connect, 1000 bytes, stay
    s = socket.create_connection(("10.2.0.2", int(sys.argv[2])), source_address=("10.1.0.2", int(sys.argv[3])))
    s.sendall(bytes(1000))
    print("sent", flush=True)
    time.sleep(600)
PY
in_ns "$NS_H1" python3 "$TMP/client.py" udp
in_ns "$NS_H1" python3 "$TMP/client.py" bulk
in_ns "$NS_H1" "$CRAFT" udp 10.1.0.2 10.2.0.2 40005 9999 40 200 4 >/dev/null
in_ns "$NS_H1" "$CRAFT" udp 10.1.0.2 10.2.0.2 40005 9999 0 50 2 >/dev/null
in_ns "$NS_H1" "$CRAFT" icmp 10.1.0.2 10.2.0.2 8 0 16 100 3 >/dev/null
ip netns exec "$NS_H1" python3 "$TMP/client.py" open 5002 40003 >"$TMP/openA.out" &
PIDS+=($!)
wait_for grep -q sent "$TMP/openA.out"
sleep 0.3			# the ACK of A's data
T_END=$(now_ms)

# Rows of the collector's CSV as "sa da sp dp pr ipkt ibyt in", and when
# each first appeared (seconds after T_END).
rows() { awk -F, 'NR > 1 && $1 ~ /^[0-9][0-9][0-9][0-9]-/ { print $4, $5, $6, $7, $8, $11, $12, $13, $16 }' "$TMP/flows.csv"; }
declare -A SEEN
watch_rows() {	# watch_rows MS: record arrival times (ms after T_END) until then
	local until=$(( $(now_ms) + $1 ))
	while [ "$(now_ms)" -lt "$until" ]; do
		local sa da sp dp pr tos rest
		while read -r sa da sp dp pr tos rest; do
			local k="$sa $da $sp $dp $pr"
			[ -n "${SEEN[$k]:-}" ] || SEEN[$k]=$(( $(now_ms) - T_END ))
		done < <(rows)
		sleep 0.2
	done
}
# The closed flows' deadline: the longest timeout, expint, 2 s.
LIMIT=$(( ((UDP_T > FIN_T ? UDP_T : FIN_T) + EXPINT + 2) * 1000 ))
watch_rows $((LIMIT + 1000))
for k in "10.1.0.2 10.2.0.2 0 2048 ICMP" "10.2.0.2 10.1.0.2 0 0 ICMP" \
	 "10.1.0.2 10.2.0.2 40001 9999 UDP" "10.1.0.2 10.2.0.2 40002 5001 TCP" \
	 "10.2.0.2 10.1.0.2 5001 40002 TCP"; do
	t=${SEEN[$k]:-}
	check_that "router: $k exported without a command, ${t:-never} ms after the traffic (limit $LIMIT)" \
		'[ -n "$t" ] && [ "$t" -le "$LIMIT" ]' 
done
check "router: open connection A not exported before expire-all" \
	[ -z "${SEEN["10.1.0.2 10.2.0.2 40003 5002 TCP"]:-}" ]

# expire_all_by NAME CLIENT SPORT DPORT: expire-all through CLIENT; the
# open connection h1:SPORT - h2:DPORT leaves at once, both directions.
expire_all_by() {
	local name=$1 client=$2 h1port=$3 h2port=$4 k
	T_END=$(now_ms)
	"$client" -c "$SOCK" expire-all >"$TMP/$name.out" 2>&1
	check "router: $name expire-all answers" grep -q "Expired [0-9]* flows" "$TMP/$name.out"
	watch_rows 1500
	for k in "10.1.0.2 10.2.0.2 $h1port $h2port TCP" "10.2.0.2 10.1.0.2 $h2port $h1port TCP"; do
		check "router: $k exported at once on $name expire-all (${SEEN[$k]:-never} ms)" [ -n "${SEEN[$k]:-}" ]
	done
}

# Connection A through our flowctl.
expire_all_by flowctl "$CTL" 40003 5002

# Connection B, and expire-all through Debian's softflowctl.
ip netns exec "$NS_H1" python3 "$TMP/client.py" open 5003 40004 >"$TMP/openB.out" &
PIDS+=($!)
wait_for grep -q sent "$TMP/openB.out"
sleep 0.3
if [ -n "$SOFTFLOWCTL" ]; then
	expire_all_by softflowctl "$SOFTFLOWCTL" 40004 5003
else
	skip "router: softflowctl expire-all" "softflowctl is not installed"
fi

# Stop the captures, then the probe (SIGTERM: it exports what is left,
# which should be nothing), then compare with the hosts' own counts.
for p in "${PIDS[@]:0:2}"; do kill -INT "$p"; done
sleep 0.5
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
check "router: flowprobe exits 0 on SIGTERM" [ "$rc" = 0 ]
check "router: SIGTERM printed the statistics" grep -q "^Flows exported:" "$TMP/probe.err"
sleep 0.5
for h in h1 h2; do
	tshark -r "$TMP/$h.pcapng" -Y "ip.src == 10.${h#h}.0.2" -T fields -e ip.src -e ip.dst \
		-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e icmp.type -e icmp.code \
		-e ip.proto -e ip.len -e ip.dsfield 2>/dev/null
done | awk -v if1="$IF1" -v if2="$IF2" -F'\t' '
	function hex(s,   v, i) {	# tshark prints ip.dsfield as 0xNN
		v = 0
		s = tolower(s)
		sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	{
		if ($9 == 1) { sp = 0; dp = $7 * 256 + $8; pr = "ICMP" }
		else if ($9 == 6) { sp = $3; dp = $4; pr = "TCP" }
		else if ($9 == 17) { sp = $5; dp = $6; pr = "UDP" }
		else { sp = 0; dp = 0; pr = $9 }
		k = $1 " " $2 " " sp " " dp " " pr " " hex($11)
		pk[k]++; oc[k] += $10
		inif[k] = ($1 == "10.1.0.2") ? if1 : if2
	}
	END { for (k in pk) print k, pk[k], oc[k], inif[k] }' | sort >"$TMP/expected"
rows | sort >"$TMP/got"
note "expected (host captures): $(wc -l <"$TMP/expected") flows; exported: $(wc -l <"$TMP/got")"
if ! diff "$TMP/expected" "$TMP/got" >"$TMP/diff"; then
	note "$(cat "$TMP/diff")"
	note "flowprobe: $(tail -5 "$TMP/probe.err")"
	note "flowcollect: $(tail -5 "$TMP/collect.err")"
fi
check "router: the exported flows are exactly the hosts' flows, once each, with their packets, octets and input interface" \
	diff -q "$TMP/expected" "$TMP/got"
[ -s "$TMP/expected" ] || not_ok "router: host captures hold the traffic"
check "router: input interfaces are r-eth1 ($IF1) and r-eth2 ($IF2)" \
	[ "$(awk '{ print $9 }' "$TMP/got" | sort -u | tr '\n' ' ')" = "$IF1 $IF2 " ]
check "router: the crafted UDP 5-tuple is two flows by ToS: 4 x 228 octets at 40, 2 x 78 at 0" \
	grep -qx "10.1.0.2 10.2.0.2 40005 9999 UDP 40 4 912 $IF1" "$TMP/got"
check "router: ... and at ToS 0" grep -qx "10.1.0.2 10.2.0.2 40005 9999 UDP 0 2 156 $IF1" "$TMP/got"
check "router: the crafted echo request, ToS 16, 3 x 128 octets" grep -qx "10.1.0.2 10.2.0.2 0 2048 ICMP 16 3 384 $IF1" "$TMP/got"
