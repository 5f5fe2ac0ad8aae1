#!/usr/bin/env bash
# json.sh - flowcollect -o json (JSON Lines, IANA IPFIX element names):
#
#  1. exact lines for flows of crafted captures (pcaps/): an RFC 5103
#     biflow, MPLS label stack entries, v5's engine type and id;
#  2. for real captures (../shared/pcaps) exported with flowprobe -v 1, 5,
#     9 and 10 (and -b, -T ether, -T vlan, -x 3), the JSON against the CSV
#     of the same run (json_check.py): every line parses, every key is an
#     IANA name from tests/data/iana-ipfix-names.txt or the one exception
#     (exportTimeMilliseconds), one key order, flows and the sums of
#     packets and octets as the CSV's, every CSV field equal row by row;
#  3. the same run twice is byte-identical, and a flow file read back
#     gives the same JSON as the export it stored.
source "$(dirname "$0")/lib.sh"

NAMES="$ROOT/tests/data/iana-ipfix-names.txt"
CHECK="$ROOT/tests/e2e/json_check.py"

# json_of NAME CAPTURE PROBE-ARGS...: export CAPTURE into $TMP/NAME.pcap,
# then flowcollect it into $TMP/NAME.json and $TMP/NAME.csv.
json_of() {
	local name=$1 cap=$2
	shift 2
	"$PROBE" -r "$cap" "$@" -w "$TMP/$name.pcap" >/dev/null 2>&1 &&
		"$COLLECT" -r "$TMP/$name.pcap" -o "json:$TMP/$name.json" -o "csv:$TMP/$name.csv" 2>"$TMP/$name.err"
}

# expect_line NAME N LINE: line N of $TMP/NAME.json is LINE.
expect_line() {
	local got
	got=$(sed -n "$2p" "$TMP/$1.json")
	if [ "$got" = "$3" ]; then
		ok "$1: flow $2 is the line worked out by hand"
	else
		note "want $3"
		note "got  $got"
		not_ok "$1: flow $2 is the line worked out by hand"
	fi
}

# 1. Crafted captures.  tcp_fin's first conversation (pcaps/tcp_fin.expected):
# 192.0.2.10:40000 -> 198.51.100.20:80 from 00:00:00.000 for 0.090 s, 6
# packets, 340 octets, flags ACK PSH SYN FIN (0x1b = 27); the answer 4
# packets, 460 octets, the same flags; with -b one record, the answer in
# RFC 5103's reverse counters; ended by FIN (flowEndReason 3), so it
# expires 5 s after its last packet (tcp.fin=5), exported on the next 1 s
# tick: 00:00:06, IPFIX's whole seconds.  2024-01-01 00:00:00 UTC is
# 1704067200 s since the epoch.
if json_of tcp_fin "$ROOT/pcaps/tcp_fin.pcap" -t tcp.fin=5 -t expint=1 -v 10 -b --domain 7; then
	expect_line tcp_fin 1 '{"flowStartMilliseconds":1704067200000,"flowEndMilliseconds":1704067200090,"sourceIPv4Address":"192.0.2.10","destinationIPv4Address":"198.51.100.20","sourceTransportPort":40000,"destinationTransportPort":80,"protocolIdentifier":6,"tcpControlBits":27,"ipClassOfService":0,"packetDeltaCount":6,"octetDeltaCount":340,"ingressInterface":0,"egressInterface":0,"reversePacketDeltaCount":4,"reverseOctetDeltaCount":460,"reverseTcpControlBits":27,"flowEndReason":3,"exporterIPv4Address":"127.0.0.1","exportProtocolVersion":10,"observationDomainId":7,"exportTimeMilliseconds":1704067206000}'
else
	not_ok "tcp_fin: probe and collector ran"
fi
# mpls_keyed's first flow (pcaps/mpls_keyed.dump): a SYN at 00:00:01.000
# under labels 100-0-0, 200-0-0, 300-0-1 (label-EXP-bottom), each the
# integer label << 4 | EXP << 1 | bottom: 1600, 3200, 4801; a RST answers
# it, so it ends at 1.000 + tcp.rst=5, exported at the 00:00:07 tick; v9.
if json_of mpls_keyed "$ROOT/pcaps/mpls_keyed.pcap" -x 3 -t tcp.rst=5 -t expint=1 -v 9; then
	expect_line mpls_keyed 1 '{"flowStartMilliseconds":1704067201000,"flowEndMilliseconds":1704067201000,"sourceIPv4Address":"192.0.2.70","destinationIPv4Address":"198.51.100.80","sourceTransportPort":40070,"destinationTransportPort":80,"protocolIdentifier":6,"tcpControlBits":2,"ipClassOfService":0,"packetDeltaCount":1,"octetDeltaCount":40,"ingressInterface":0,"egressInterface":0,"mplsTopLabelStackSection":1600,"mplsLabelStackSection2":3200,"mplsLabelStackSection3":4801,"flowEndReason":3,"exporterIPv4Address":"127.0.0.1","exportProtocolVersion":9,"observationDomainId":0,"exportTimeMilliseconds":1704067207000}'
else
	not_ok "mpls_keyed: probe and collector ran"
fi
# icmp_echo's echo request (pcaps/icmp_echo.expected): type 8 code 0 as
# icmpTypeCodeIPv4 8 * 256 = 2048; v5 with --domain 258 is engine type 1,
# id 2 (IANA 38 and 39); v5 has no end reason; its header's time has
# nanoseconds: the capture ends at 00:00:02.001.
if json_of icmp_echo "$ROOT/pcaps/icmp_echo.pcap" -v 5 --domain 258; then
	expect_line icmp_echo 1 '{"flowStartMilliseconds":1704067200000,"flowEndMilliseconds":1704067202000,"sourceIPv4Address":"192.0.2.14","destinationIPv4Address":"198.51.100.24","icmpTypeCodeIPv4":2048,"protocolIdentifier":1,"tcpControlBits":0,"ipClassOfService":0,"packetDeltaCount":3,"octetDeltaCount":252,"ingressInterface":0,"egressInterface":0,"exporterIPv4Address":"127.0.0.1","exportProtocolVersion":5,"engineType":1,"engineId":2,"exportTimeMilliseconds":1704067202001}'
else
	not_ok "icmp_echo: probe and collector ran"
fi

# 2. Real captures, every version and the options that add fields.
require_shared "json: real captures" python3

# run_check NAME VERSION CAPTURE PROBE-ARGS...
run_check() {
	local name=$1 v=$2 cap=$3
	shift 3
	if ! json_of "$name" "$cap" -v "$v" "$@"; then
		note "$(head -3 "$TMP/$name.err" 2>/dev/null)"
		not_ok "$name: probe and collector ran"
		return
	fi
	python3 "$CHECK" "$NAMES" "$TMP/$name.json" "$TMP/$name.csv" "$name" "$v"
}

for c in test dns v6 icmp mpls-basic 1kxun; do
	cap="$SHARED_PCAPS/$c.pcap"
	if [ ! -f "$cap" ]; then
		skip "json: $c" "$c.pcap is not in ../shared/pcaps"
		continue
	fi
	for v in 1 5 9 10; do
		run_check "$c.v$v" "$v" "$cap" --domain 258
	done
done
for c in test 1kxun v6; do
	[ -f "$SHARED_PCAPS/$c.pcap" ] && run_check "$c.biflow" 10 "$SHARED_PCAPS/$c.pcap" -b
done
for v in 9 10; do
	[ -f "$SHARED_PCAPS/test.pcap" ] && run_check "test.ether.v$v" "$v" "$SHARED_PCAPS/test.pcap" -T ether
	[ -f "$SHARED_PCAPS/vlan.pcap" ] && run_check "vlan.vlan.v$v" "$v" "$SHARED_PCAPS/vlan.pcap" -T vlan
	[ -f "$SHARED_PCAPS/mpls-in-vlan.pcap" ] && run_check "mpls-in-vlan.v$v" "$v" "$SHARED_PCAPS/mpls-in-vlan.pcap" -T vlan -x 2
	[ -f "$SHARED_PCAPS/mpls-basic.pcap" ] && run_check "mpls-basic.x3.v$v" "$v" "$SHARED_PCAPS/mpls-basic.pcap" -x 3
done

# The runs above put every optional key to the test: say which came.
seen=$(cat "$TMP"/*.json | python3 -c '
import json, sys
keys = set()
for line in sys.stdin:
    keys.update(json.loads(line))
print(" ".join(sorted(keys)))')
for k in icmpTypeCodeIPv6 sourceIPv6Address exporterIPv4Address reversePacketDeltaCount \
	 reverseOctetDeltaCount sourceMacAddress destinationMacAddress vlanId \
	 mplsTopLabelStackSection flowLabelIPv6 engineType observationDomainId flowEndReason; do
	check "json: some flow of the real captures has $k" grep -qw "$k" <<<"$seen"
done

# 3. Reproducible: the same input twice gives the same bytes; and a flow
# file holds what the JSON shows (version and domain included).
cap="$SHARED_PCAPS/1kxun.pcap"
[ -f "$cap" ] || cap="$SHARED_PCAPS/test.pcap"
"$PROBE" -r "$cap" -v 10 -b -w "$TMP/twice.pcap" >/dev/null 2>&1
"$COLLECT" -r "$TMP/twice.pcap" -o "json:$TMP/twice1.json" -o "flows:$TMP/twice.flows" 2>/dev/null
"$COLLECT" -r "$TMP/twice.pcap" -o json >"$TMP/twice2.json" 2>/dev/null
check "json: the same run twice is byte-identical ($(wc -l <"$TMP/twice1.json") flows)" \
	cmp -s "$TMP/twice1.json" "$TMP/twice2.json"
"$COLLECT" -r "$TMP/twice.flows" -o json >"$TMP/fromfile.json" 2>/dev/null
check "json: read back from a flow file, the same JSON" cmp -s "$TMP/twice1.json" "$TMP/fromfile.json"
