#!/usr/bin/env bash
# formats.sh - every export format end to end on loopback, both ways:
#
#  1. flowprobe -v 1|5|9|10 -> UDP -> flowcollect: the IPv4 flows of every
#     format are the v5 path's, row for row (times, addresses, ports,
#     protocol, flags, ToS, counters, interfaces); v9 and IPFIX carry the
#     IPv6 flows too, and agree with each other in every time encoding
#     (-A); their record count is what the probe says it exported, and the
#     collector's sequence counters show nothing missing.
#  2. softflowd 1.1.0 -v 1|5|9|10 (and -b) -> flowcollect: the totals equal
#     softflowd -v 5's for IPv4, and its IPFIX carries IPv6 too.
source "$(dirname "$0")/lib.sh"
require_shared "formats" softflowd nfcapd nfreplay

CAPS="$ROOT/pcaps/demo.pcap $SHARED_PCAPS/test.pcap $SHARED_PCAPS/1kxun.pcap
      $SHARED_PCAPS/v6.pcap $SHARED_PCAPS/gnutella.pcap $SHARED_PCAPS/synscan.pcap"

# The flow columns of nfdump's CSV: ts te td sa da sp dp pr flg fwd stos
# ipkt ibyt opkt obyt in out (not the exporter or the export time).
flows_of() { grep -E '^[0-9]{4}-' "$1" | cut -d, -f1-17 | sort; }
ipv4_of() { grep -v '^[^,]*,[^,]*,[^,]*,[^,]*:' "$1" || true; }

# send_to_collector NAME PROBE-ARGS...: run the probe into a fresh
# collector; leaves $TMP/NAME.csv, $TMP/NAME.err (collector), $TMP/NAME.stats
send_to_collector() {
	local name=$1; shift
	start_collector -o csv || return 1
	"$@" -n "127.0.0.1:$PORT" 2>"$TMP/$name.stats" >/dev/null
	stop_collector
	cp "$TMP/collector.out" "$TMP/$name.csv"
	cp "$TMP/collector.err" "$TMP/$name.err"
}

records_exported() { sed -n 's/^Flows exported: .*(\([0-9]*\) records).*/\1/p' "$1"; }

for cap in $CAPS; do
	[ -f "$cap" ] || continue
	n=$(basename "$cap" .pcap)
	for v in 1 5 9 10; do
		send_to_collector "$n.v$v" "$PROBE" -r "$cap" -v "$v" || { not_ok "$n v$v: collector"; continue; }
		flows_of "$TMP/$n.v$v.csv" >"$TMP/$n.v$v.flows"
		ipv4_of "$TMP/$n.v$v.flows" >"$TMP/$n.v$v.ipv4"
	done
	for v in 1 9 10; do
		if cmp -s "$TMP/$n.v5.ipv4" "$TMP/$n.v$v.ipv4"; then
			ok "$n: v$v IPv4 flows equal the v5 path's ($(wc -l <"$TMP/$n.v5.ipv4"))"
		else
			note "$(diff "$TMP/$n.v5.ipv4" "$TMP/$n.v$v.ipv4" | head -5)"
			not_ok "$n: v$v IPv4 flows equal the v5 path's"
		fi
	done
	check "$n: v9 and IPFIX flows are the same, IPv6 included" cmp -s "$TMP/$n.v9.flows" "$TMP/$n.v10.flows"
	for v in 9 10; do
		want=$(records_exported "$TMP/$n.v$v.stats")
		got=$(wc -l <"$TMP/$n.v$v.flows")
		check "$n: v$v: $got flows decoded, the $want the probe exported" [ "$got" = "$want" ]
		check "$n: v$v: nothing missing by sequence, no bad datagram" \
			grep -q "v$v domain 0: [0-9]* datagrams, $want records, 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/$n.v$v.err"
	done
done

# Every time encoding reads back as the same flows (exact to the ms).
cap=$SHARED_PCAPS/gnutella.pcap
for v in 9 10; do
	for a in sec micro nano uptime; do
		send_to_collector "times.v$v.$a" "$PROBE" -r "$cap" -v "$v" -A "$a"
		flows_of "$TMP/times.v$v.$a.csv" >"$TMP/times.v$v.$a.flows"
	done
	for a in micro nano uptime; do
		check "gnutella: v$v -A $a gives the default's flows" cmp -s "$TMP/gnutella.v10.flows" "$TMP/times.v$v.$a.flows"
	done
	# -A sec keeps whole seconds: the CSV's ts and te (seconds) agree,
	# the durations (td, from milliseconds) cannot.
	check "gnutella: v$v -A sec gives the default's flows, to the second" \
		cmp -s <(cut -d, -f1,2,4- "$TMP/gnutella.v10.flows" | sort) <(cut -d, -f1,2,4- "$TMP/times.v$v.sec.flows" | sort)
done

# -b: one record per conversation; the forward and reverse counters hold
# every packet and octet of the one-way records, and the one-way records
# that paired up are two for each biflow record carrying a reverse.
for cap in $SHARED_PCAPS/test.pcap $SHARED_PCAPS/1kxun.pcap $SHARED_PCAPS/gnutella.pcap; do
	n=$(basename "$cap" .pcap)
	send_to_collector "bi.$n" "$PROBE" -r "$cap" -v 10 -b
	uni=$(awk -F, '{ p += $12; o += $13 } END { print NR, p + 0, o + 0 }' "$TMP/$n.v10.flows")
	bi=$(flows_of "$TMP/bi.$n.csv" | awk -F, '{ n += ($14 > 0) ? 2 : 1; p += $12 + $14; o += $13 + $15 } END { print n, p + 0, o + 0 }')
	check "$n: -b biflows hold the one-way flows: records, packets, octets ($bi)" [ "$uni" = "$bi" ]
	check "$n: -b: nothing missing by sequence, no bad datagram" \
		grep -q "v10 domain 0: [0-9]* datagrams, [0-9]* records, 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/bi.$n.err"
done

# -l: two collectors, each datagram to one of them in turn; each sees its
# own sequence without a gap and its own templates, and together they
# have every flow.
cap=$SHARED_PCAPS/gnutella.pcap
for v in 5 9 10; do
	start_listener second -o csv
	start_collector -o csv
	"$PROBE" -r "$cap" -v "$v" -l -n "127.0.0.1:$PORT,127.0.0.1:$second_PORT" 2>/dev/null >/dev/null
	stop_collector
	kill -TERM "$second_PID"; wait "$second_PID"
	both=$(cat <(flows_of "$TMP/collector.out") <(flows_of "$TMP/second.out") | sort | md5sum)
	check "gnutella: -l v$v: two collectors together have every flow" [ "$both" = "$(md5sum <"$TMP/gnutella.v$v.flows")" ]
	for f in "$TMP/collector.err" "$TMP/second.err"; do
		check "gnutella: -l v$v: $(basename "$f" .err) sees no gap, no bad datagram, no unknown template" \
			bash -c "grep -q 'v$v domain 0: [1-9][0-9]* datagrams, [0-9]* records, 0 missing, 0 reordered, 0 bad datagrams\$' '$f' && ! grep -q '^  errors' '$f'"
	done
done

# IPFIX over TCP: two probes at once into one collector, and a connection
# that sends garbage first (closed, counted; the others go on).
start_listener tcp -P tcp -o csv
tcpc=$tcp_PID tport=$tcp_PORT
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"\x00\x05garbage"*10); s.close()' "$tport"
"$PROBE" -r "$SHARED_PCAPS/gnutella.pcap" -v 10 -P tcp --domain 1 -n "127.0.0.1:$tport" 2>"$TMP/tcp1.stats" &
p1=$!
"$PROBE" -r "$SHARED_PCAPS/1kxun.pcap" -v 10 -P tcp --domain 2 -n "127.0.0.1:$tport" 2>"$TMP/tcp2.stats"
wait "$p1"
sleep 0.5
kill -TERM "$tcpc"; wait "$tcpc"
both=$(cat "$TMP/gnutella.v10.flows" "$TMP/1kxun.v10.flows" | sort | md5sum)
check "-P tcp: two probes at once, every flow of both arrives" [ "$(flows_of "$TMP/tcp.out" | md5sum)" = "$both" ]
for d in 1 2; do
	check "-P tcp: exporter domain $d: no gap, no bad message" \
		grep -q "127.0.0.1 tcp/[0-9]* v10 domain $d: [0-9]* datagrams, [0-9]* records, 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/tcp.err"
done
# Two TCP connections from one host and domain are two transport
# sessions: each its own exporter and sequence, no false reordering.
start_listener tcp2 -P tcp -o csv
tcpc2=$tcp2_PID tport2=$tcp2_PORT
"$PROBE" -r "$SHARED_PCAPS/gnutella.pcap" -v 10 -P tcp -n "127.0.0.1:$tport2" 2>/dev/null
"$PROBE" -r "$SHARED_PCAPS/1kxun.pcap" -v 10 -P tcp -n "127.0.0.1:$tport2" 2>/dev/null
sleep 0.5
kill -TERM "$tcpc2"; wait "$tcpc2"
check "-P tcp: two connections of one domain are two exporters, neither reordered" \
	[ "$(grep -c '^exporter [12] 127.0.0.1 tcp/[0-9]* v10 domain 0: [0-9]* datagrams, [0-9]* records, 0 missing, 0 reordered' "$TMP/tcp2.err")" = 2 ]
check "-P tcp: the garbage connection was counted as undecodable" grep -q "^flowcollect: 1 of [0-9]* datagrams could not be decoded" "$TMP/tcp.err"

# -e and --domain: two probes on one host stay apart at the collector.
start_collector -o csv
"$PROBE" -r "$ROOT/pcaps/demo.pcap" -v 10 -e 127.0.0.2 -n "127.0.0.1:$PORT" 2>/dev/null
"$PROBE" -r "$ROOT/pcaps/demo.pcap" -v 10 -e 127.0.0.3 --domain 7 -n "127.0.0.1:$PORT" 2>/dev/null
stop_collector
check "-e: the exports come from 127.0.0.2" grep -q '^exporter 1 127.0.0.2 v10 domain 0: 1 datagrams, 10 records, 0 missing' "$TMP/collector.err"
check "-e, --domain: a second probe is exporter 127.0.0.3 domain 7" grep -q '^exporter 2 127.0.0.3 v10 domain 7: 1 datagrams, 10 records, 0 missing' "$TMP/collector.err"
start_collector -o csv
"$PROBE" -r "$ROOT/pcaps/demo.pcap" -v 5 --domain 258 -n "127.0.0.1:$PORT" 2>/dev/null
stop_collector
check "--domain 258 under v5: engine type 1, id 2" grep -q '^exporter 1 127.0.0.1 v5 domain 258: 1 datagrams, 10 records' "$TMP/collector.err"

# -s 3: the probe's counters are unscaled; the collector scales them by the
# announced rate, the v5 header's or the options record's, alike.
for v in 5 9 10; do
	send_to_collector "s3.v$v" "$PROBE" -r "$SHARED_PCAPS/gnutella.pcap" -v "$v" -s 3 -D
	check "-s 3, v$v: the collector says sampling 1 in 3" grep -q "sampling 1 in 3" "$TMP/s3.v$v.err"
	flows_of "$TMP/s3.v$v.csv" | ipv4_of /dev/stdin | awk -F, '{ p += $12 } END { print p + 0 }' >"$TMP/s3.v$v.pk"
done
same3() { [ "$(cat "$TMP/s3.v5.pk")" = "$(cat "$TMP/s3.v9.pk")" ] && [ "$(cat "$TMP/s3.v5.pk")" = "$(cat "$TMP/s3.v10.pk")" ]; }
check "-s 3: v5, v9 and IPFIX give the same scaled IPv4 packets ($(cat "$TMP/s3.v5.pk"))" same3
metered=$(sed -n 's/^EXPIRED: .* packets:\([0-9]*\) .*/\1/p' "$TMP/s3.v9.stats" | awk '{ p += $1 } END { print p + 0 }')
all=$(flows_of "$TMP/s3.v9.csv" | awk -F, '{ p += $12 } END { print p + 0 }')
check "-s 3: scaled packets are 3 times the probe's $metered ($all)" [ "$all" = $((3 * metered)) ]

# -T ether: every flow's MAC addresses (the probe's -D lines say them)
# reach the collector's CSV (ismc, idmc), in v9 and IPFIX.
for v in 9 10; do
	send_to_collector "eth.v$v" "$PROBE" -r "$SHARED_PCAPS/test.pcap" -v "$v" -T ether -D
	want=$(sed -n 's/^EXPIRED: .* mac:\([0-9a-f:]*\)>\([0-9a-f:]*\).*/\1 \2/p' "$TMP/eth.v$v.stats" | sort | md5sum)
	got=$(flows_of "$TMP/eth.v$v.csv" >/dev/null; grep -E '^[0-9]{4}-' "$TMP/eth.v$v.csv" | awk -F, '{ print $28, $30 }' | sort | md5sum)
	n=$(grep -c ' mac:' "$TMP/eth.v$v.stats")
	macs_ok() { [ "$n" -gt 0 ] && [ "$want" = "$got" ]; }
	check "-T ether, v$v: every flow's MACs arrive ($n flows)" macs_ok
done

# SIGUSR1: the counters so far, without stopping.
start_collector -o csv
"$PROBE" -r "$ROOT/pcaps/demo.pcap" -v 10 -n "127.0.0.1:$PORT" 2>/dev/null
for _ in $(seq 100); do
	kill -USR1 "$COLLECTOR_PID"
	grep -q '^exporter 1 127.0.0.1 v10 domain 0: 1 datagrams, 10 records' "$TMP/collector.err" && break
	sleep 0.05
done
check "SIGUSR1 prints the per-exporter counters and the collector runs on" \
	bash -c "grep -q '^exporter 1 127.0.0.1 v10 domain 0: 1 datagrams, 10 records' '$TMP/collector.err' && kill -0 $COLLECTOR_PID"
stop_collector

# A smaller datagram limit: more datagrams, the same flows.
send_to_collector small "$PROBE" -r "$cap" -v 10 --max-datagram 512
flows_of "$TMP/small.csv" >"$TMP/small.flows"
check "gnutella: --max-datagram 512 gives the same flows" cmp -s "$TMP/gnutella.v10.flows" "$TMP/small.flows"
dg_small=$(sed -n 's/^exporter 1 .*: \([0-9]*\) datagrams.*/\1/p' "$TMP/small.err")
dg_default=$(sed -n 's/^exporter 1 .*: \([0-9]*\) datagrams.*/\1/p' "$TMP/gnutella.v10.err")
check "gnutella: 512-byte datagrams are more ($dg_small against $dg_default)" [ "$dg_small" -gt "$dg_default" ]

# A 100-thousand-packet stream (bench/gencap, fixed seed) over UDP at the
# default pace: the collector's sequence counters show nothing missing.
GENCAP="$ROOT/$BUILD/gencap"
if [ -x "$GENCAP" ] && "$GENCAP" -n 100k -f 10k -S 1 -o "$TMP/gen100k.pcap" 2>/dev/null; then
	for v in 5 9 10; do
		send_to_collector "gen.v$v" "$PROBE" -r "$TMP/gen100k.pcap" -v "$v"
		want=$(records_exported "$TMP/gen.v$v.stats")
		check "100k packets, v$v: all $want records arrive, nothing missing by sequence" \
			grep -q "v$v domain 0: [0-9]* datagrams, $want records, 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/gen.v$v.err"
	done
else
	not_ok "100k packets: $GENCAP cannot make the capture"
fi

# --- nfdump's nfreplay, a second v5/v9 exporter --------------------------
# Our v9 exports stored by nfcapd, sent again by nfreplay as v5 and as v9:
# the collector gets the same totals (v5: the IPv4 ones).
for cap in $SHARED_PCAPS/1kxun.pcap $SHARED_PCAPS/gnutella.pcap; do
	n=$(basename "$cap" .pcap)
	d="$TMP/nfcapd.$n"
	mkdir -p "$d"
	nport=$(free_port)
	nfcapd -b 127.0.0.1 -p "$nport" -w "$d" -t 3600 >/dev/null 2>&1 &
	npid=$!
	wait_for udp_bound "$nport"
	"$PROBE" -r "$cap" -v 9 -n "127.0.0.1:$nport" 2>/dev/null
	wait_for udp_drained "$nport"
	kill -TERM "$npid"; wait "$npid"
	f=$(ls "$d"/nfcapd.* 2>/dev/null | head -1)
	for v in 5 9; do
		start_collector -o csv || continue
		nfreplay -r "$f" -H 127.0.0.1 -p "$PORT" -v "$v" >/dev/null 2>&1
		stop_collector
		flows_of "$TMP/collector.out" >"$TMP/replay.$n.$v.flows"
		got=$(awk -F, '{ p += $12; o += $13 } END { print NR, p + 0, o + 0 }' "$TMP/replay.$n.$v.flows")
		if [ "$v" = 5 ]; then
			want=$(ipv4_of "$TMP/$n.v9.flows" | awk -F, '{ p += $12; o += $13 } END { print NR, p + 0, o + 0 }')
		else
			want=$(awk -F, '{ p += $12; o += $13 } END { print NR, p + 0, o + 0 }' "$TMP/$n.v9.flows")
		fi
		check "$n: nfreplay -v $v of our exports decoded with our totals ($got)" [ "$got" = "$want" ]
	done
done

# --- softflowd's exports --------------------------------------------------

# totals FILE: "flows packets octets" from the collector's table summary.
totals() { sed -n 's/^Summary: \([0-9]*\) flows, \([0-9]*\) packets, \([0-9]*\) octets$/\1 \2 \3/p' "$1"; }
ipv4_totals() {
	flows_of "$1" >"$1.rows"
	ipv4_of "$1.rows" | awk -F, '{ f++; p += $12; o += $13 } END { printf "%d %d %d\n", f, p, o }'
}

for cap in $SHARED_PCAPS/test.pcap $SHARED_PCAPS/1kxun.pcap $SHARED_PCAPS/v6.pcap; do
	n=$(basename "$cap" .pcap)
	for v in 5 1 9 10 10b; do
		flags="-v ${v%b}"
		[ "$v" = 10b ] && flags="-v 10 -b"
		start_collector -o csv || { not_ok "$n softflowd v$v: collector"; continue; }
		# -6: softflowd tracks IPv6 only when asked; -c none: no socket.
		timeout 60 softflowd -d -6 -c none -r "$cap" $flags -n "127.0.0.1:$PORT" >/dev/null 2>&1
		stop_collector
		cp "$TMP/collector.out" "$TMP/sfd.$n.$v.csv"
		cp "$TMP/collector.err" "$TMP/sfd.$n.$v.err"
	done
	ref=$(ipv4_totals "$TMP/sfd.$n.5.csv")
	for v in 1 9 10; do
		got=$(ipv4_totals "$TMP/sfd.$n.$v.csv")
		check "$n: softflowd v$v decoded, IPv4 totals equal its v5's ($got)" [ "$got" = "$ref" ]
		check "$n: softflowd v$v: no bad datagram, nothing missing" \
			bash -c "! grep -qE ' [1-9][0-9]* (missing|bad datagrams)' '$TMP/sfd.$n.$v.err'"
	done
	# v9 and IPFIX carry IPv6 as well: the same flows either way.  Not
	# the same times: softflowd's v9 header skews them by up to a second
	# (collectors.md §0), so the columns from the addresses on.
	check "$n: softflowd v9 and IPFIX give the same flows" \
		cmp -s <(flows_of "$TMP/sfd.$n.9.csv" | cut -d, -f4- | sort) \
		       <(flows_of "$TMP/sfd.$n.10.csv" | cut -d, -f4- | sort)
	# -b: one record per conversation; forward and reverse together hold
	# every packet the one-way records hold.
	uni=$(flows_of "$TMP/sfd.$n.10.csv" | awk -F, '{ p += $12; o += $13 } END { print p + 0, o + 0 }')
	bi=$(flows_of "$TMP/sfd.$n.10b.csv" | awk -F, '{ p += $12 + $14; o += $13 + $15 } END { print p + 0, o + 0 }')
	check "$n: softflowd -b biflows hold the one-way records' packets and octets ($bi)" [ "$uni" = "$bi" ]
done
