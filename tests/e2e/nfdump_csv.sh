#!/usr/bin/env bash
# nfdump_csv.sh - our CSV against nfdump 1.7.1's own: the probe exports to
# nfcapd over loopback, `nfdump -o csv` prints the flows, and our collector
# decodes the same exports from the -w file.  Header, every row (all
# columns but tr, the receive time) and the Summary block must be equal.
# Also: the same capture and options give byte-identical -w files.
source "$(dirname "$0")/lib.sh"

require_shared "nfdump csv" nfcapd nfdump python3

for name in test dns KakaoTalk_talk 1kxun synscan; do
	cap="$SHARED_PCAPS/$name.pcap"
	port=$(free_port)
	mkdir -p "$TMP/nfcapd.$name"
	nfcapd -b 127.0.0.1 -p "$port" -w "$TMP/nfcapd.$name" >"$TMP/nfcapd.log" 2>&1 &
	nfpid=$!
	wait_for udp_bound "$port" || note "nfcapd did not bind port $port"
	"$PROBE" -r "$cap" -n "127.0.0.1:$port" -w "$TMP/$name.exp" 2>/dev/null
	wait_for udp_drained "$port" || note "nfcapd did not drain its queue"
	sleep 0.2			# the last datagram read is still being stored
	kill -INT "$nfpid"
	wait "$nfpid"
	files=$(ls "$TMP/nfcapd.$name"/nfcapd.* 2>/dev/null | grep -v current)
	if [ -z "$files" ]; then
		note "nfcapd wrote no file: $(cat "$TMP/nfcapd.log")"
		not_ok "nfdump csv $name"
		continue
	fi
	# nfdump prints one file's flows in the order received; cut tr (column 48).
	for f in $files; do nfdump -r "$f" -o csv; done | cut -d, -f1-47 >"$TMP/nfdump.csv"
	"$COLLECT" -r "$TMP/$name.exp" -o csv 2>/dev/null | cut -d, -f1-47 >"$TMP/ours.csv"
	if [ "$(wc -l <"$TMP/ours.csv")" -gt 4 ] && cmp -s "$TMP/nfdump.csv" "$TMP/ours.csv"; then
		ok "nfdump csv equals ours $name ($(($(wc -l <"$TMP/ours.csv") - 4)) rows)"
	else
		diff "$TMP/nfdump.csv" "$TMP/ours.csv" | head -6 | sed 's/^/# /'
		not_ok "nfdump csv equals ours $name"
	fi

	"$PROBE" -r "$cap" -n "127.0.0.1:$port" -w "$TMP/$name.again" 2>/dev/null
	check "reproducible -w file $name" cmp -s "$TMP/$name.exp" "$TMP/$name.again"
done
