#!/usr/bin/env bash
# real_captures.sh - real captures from ../shared/pcaps, probe -> UDP on
# loopback -> collector, checked against peers nobody on the team wrote:
#   - tshark's own count of the capture, per one-way 5-tuple: packets,
#     octets (IP total length), first and last time to the millisecond;
#   - tshark decoding our -w file: records = what the probe sent, no
#     malformed frame, no expert warning;
#   - the datagrams received over UDP = the -w file, record for record;
#   - softflowd's v5 exports of the same capture, decoded by our collector,
#     carry the same packet total as ours.
source "$(dirname "$0")/lib.sh"

# Captures and what each brings: link types (Ethernet, 802.1Q, MPLS, SLL,
# SLL2, RAW, LINKTYPE_IPV4, NULL, PPPoE, Cisco HDLC, radiotap 802.11 with
# FCS, FDDI, NFLOG, PPP with ff 03 and with Cisco HDLC framing), a
# 5.8-year clock jump (1kxun), seconds past 2038 out of order (y2038-bgp),
# size (echo-connections, 82k packets), tunnels metered by their outer
# header (GRE in GRE, VXLAN, GTP-U, 6in4), IPv4 fragments.
CAPTURES="test dns icmp_dot1q KakaoTalk_talk linux_dlt_sll2 ocs tcp-syslog opc-ua synscan 1kxun
	  y2038-bgp gnutella echo-connections gre-within-gre vxlan gtp-u 6in4tunnel mpls-basic
	  pppoe dns_fragmented HDLC 80211http dns-inverse-query nflog-http BGP_Cisco_hdlc_slarp
	  icmp-rfc5837"
# softflowd 1.1.0 refuses these link types (SLL2, LINKTYPE_IPV4, C_HDLC,
# radiotap, FDDI, NFLOG) or counts their packets as non-IP (PPPoE; PPP,
# where it reads the protocol at offset 3 of a fixed 5-byte header).
NOT_SOFTFLOWD="linux_dlt_sll2 tcp-syslog pppoe HDLC 80211http dns-inverse-query nflog-http
	       BGP_Cisco_hdlc_slarp icmp-rfc5837"
# IPv6 only, which v5 cannot carry: the probe must decode every IPv6
# packet tshark sees and count it as not exportable.
CAPTURES_V6="LINKTYPE_IPV6"

require_shared "real captures" tshark softflowd python3

# start_collector (lib.sh) reads the port from $TMP/collector.err, which
# the new collector truncates only once it is scheduled: under load the
# previous run's port was read, the exports went to a closed port and
# the table came out empty.  Empty the file first.
fresh_collector() {
	: >"$TMP/collector.err"
	start_collector "$@"
}

for name in $CAPTURES; do
	cap="$SHARED_PCAPS/$name.pcap"
	fresh_collector -o table || { not_ok "collector start $name"; continue; }
	"$PROBE" -r "$cap" -n "127.0.0.1:$PORT" -w "$TMP/$name.exp.pcap" 2>"$TMP/probe.err"
	probe_rc=$?
	stop_collector
	check "probe exit 0 $name" test "$probe_rc" -eq 0

	# 1. Flows against tshark's independent count, which must not be an
	# empty one.
	if python3 "$ROOT/tests/e2e/tshark_flows.py" "$cap" "$TMP/collector.out" >"$TMP/cmp.txt"; then
		ok "tshark count equals collector $name ($(tail -1 "$TMP/cmp.txt" | sed 's/^# //'))"
	else
		sed 's/^/# /; s/^# # /# /' "$TMP/cmp.txt"
		not_ok "tshark count equals collector $name"
	fi
	ours=$(tail -1 "$TMP/collector.out" | sed -n 's/.* flows, \([0-9]*\) packets.*/\1/p')
	check "meters packets $name (${ours:-none})" test "${ours:-0}" -gt 0

	# 2. tshark decodes our export file cleanly and counts every record.
	sent=$(sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records).*/\1/p' "$TMP/probe.err")
	# tshark's v5 dissector stops quietly at a cut record while still
	# showing the header's count, so count the records it decoded too.
	counts=$(tshark -r "$TMP/$name.exp.pcap" -d "udp.port==$PORT,cflow" -T fields \
		 -e cflow.count -e cflow.srcaddr 2>/dev/null |
		 awk -F'\t' '{c += $1; n += split($2, a, ",")} END {print c + 0, n + 0}')
	decoded=${counts% *}
	records=${counts#* }
	bad=$(tshark -r "$TMP/$name.exp.pcap" -d "udp.port==$PORT,cflow" \
		-Y '_ws.malformed or _ws.expert.severity >= warning' 2>/dev/null | wc -l)
	if [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$decoded" = "$sent" ] && [ "$records" = "$sent" ] &&
	   [ "$bad" -eq 0 ]; then
		ok "tshark decodes -w $name ($sent records)"
	else
		note "records sent $sent, tshark cflow.count sum $decoded, records decoded $records, malformed or warning frames $bad"
		not_ok "tshark decodes -w $name"
	fi

	# 3. What arrived over UDP is what the -w file holds.
	"$COLLECT" -r "$TMP/$name.exp.pcap" >"$TMP/fromfile.out" 2>/dev/null
	if cmp -s "$TMP/collector.out" "$TMP/fromfile.out"; then
		ok "udp equals -w file $name ($(tail -1 "$TMP/fromfile.out"))"
	else
		diff "$TMP/collector.out" "$TMP/fromfile.out" | head -5 | sed 's/^/# /'
		not_ok "udp equals -w file $name"
	fi

	# 4. softflowd's exports of the same capture, through our collector.
	# shellcheck disable=SC2086,SC2116  # the list, on one line
	case " $(echo $NOT_SOFTFLOWD) " in
	*" $name "*) continue ;;
	esac
	fresh_collector -o table || { not_ok "collector start softflowd $name"; continue; }
	timeout 120 softflowd -r "$cap" -n "127.0.0.1:$PORT" -v 5 -d -c none >"$TMP/softflowd.out" 2>&1
	stop_collector
	theirs=$(tail -1 "$TMP/collector.out" | sed -n 's/.* flows, \([0-9]*\) packets.*/\1/p')
	processed=$(sed -n 's/^Packets processed: \([0-9]*\)$/\1/p' "$TMP/softflowd.out")
	if [ -n "$ours" ] && [ "$ours" = "$theirs" ] && [ "$theirs" = "$processed" ]; then
		ok "softflowd v5 decoded, packets equal ours $name ($theirs)"
	else
		note "ours $ours packets, softflowd's exports $theirs, softflowd processed $processed"
		not_ok "softflowd v5 decoded, packets equal ours $name"
	fi
done

for name in $CAPTURES_V6; do
	cap="$SHARED_PCAPS/$name.pcap"
	"$PROBE" -r "$cap" -w "$TMP/$name.exp.pcap" 2>"$TMP/probe.err"
	probe_rc=$?
	# All its packets are IPv6: every one metered, no flow exportable.
	v6=$(sed -n 's/^Packets processed: \([0-9]*\)$/\1/p' "$TMP/probe.err")
	flows=$(sed -n 's/^IPv6 flows not exportable in v5: \([0-9]*\)$/\1/p' "$TMP/probe.err")
	want=$(python3 "$ROOT/tests/e2e/tshark_flows.py" --ipv6-packets "$cap")
	if [ "$probe_rc" -eq 0 ] && [ -n "$v6" ] && [ "$v6" = "$want" ] && [ "$v6" -gt 0 ] &&
	   [ "${flows:-0}" -gt 0 ]; then
		ok "IPv6 packets decoded $name ($v6, as tshark; $flows flows not exportable in v5)"
	else
		note "probe exit $probe_rc; processed: ${v6:-?}; tshark IPv6 packets: $want; flows not exportable: ${flows:-?}"
		sed 's/^/# /' "$TMP/probe.err" | head -5
		not_ok "IPv6 packets decoded $name"
	fi
done
