#!/usr/bin/env bash
# stats.sh - the top-N summaries (-s, -n, --stats).
#
#   - the crafted demo capture (10 flows worked out in pcaps/demo.expected)
#     gives exactly pcaps/demo.stats (--stats -n 3: text tables and the loss
#     report) and pcaps/demo.stats.csv (ip, port by bytes, proto by pps,
#     every value, as CSV), run after run;
#   - -n 0 prints every value, -n N the first N of them;
#   - where the summaries and the flows go (-s takes standard output's -o);
#   - a bad element, order or -n is one line on stderr and exit 1;
#   - nfdump 1.7.1 on the same exports (through nfcapd) prints the same
#     rows for every element and order, on real captures: the same ranking
#     and values, rows differing in order only among equal values.
source "$(dirname "$0")/lib.sh"

"$PROBE" -r "$ROOT/pcaps/demo.pcap" -w "$TMP/demo.v5" 2>/dev/null

"$COLLECT" -r "$TMP/demo.v5" --stats -n 3 >"$TMP/demo.stats" 2>"$TMP/demo.err"
if cmp -s "$TMP/demo.stats" "$ROOT/pcaps/demo.stats" && [ ! -s "$TMP/demo.err" ]; then
	ok "demo --stats -n 3: the expected tables and loss report, on standard output only"
else
	diff "$ROOT/pcaps/demo.stats" "$TMP/demo.stats" | head -8 | sed 's/^/# /'
	not_ok "demo --stats -n 3: the expected tables and loss report, on standard output only"
fi
"$COLLECT" -r "$TMP/demo.v5" -s ip -s port/bytes -s proto/pps -n 0 -o csv >"$TMP/demo.csv" 2>"$TMP/demo.csv.err"
if cmp -s "$TMP/demo.csv" "$ROOT/pcaps/demo.stats.csv"; then
	ok "demo -s ip -s port/bytes -s proto/pps -n 0 -o csv: the expected CSV"
else
	diff "$ROOT/pcaps/demo.stats.csv" "$TMP/demo.csv" | head -8 | sed 's/^/# /'
	not_ok "demo -s ip -s port/bytes -s proto/pps -n 0 -o csv: the expected CSV"
fi
check "with -o csv the loss report stays on standard error" \
	grep -q "^exporter 1 127.0.0.1 v5 domain 0: 1 datagrams, 10 records, 0 missing" "$TMP/demo.csv.err"

# The hash is keyed afresh each run; the output never depends on it.
"$COLLECT" -r "$TMP/demo.v5" --stats -n 0 -s ip/flows/packets/bytes/pps/bps/bpp >"$TMP/a" 2>&1
"$COLLECT" -r "$TMP/demo.v5" --stats -n 0 -s ip/flows/packets/bytes/pps/bps/bpp >"$TMP/b" 2>&1
check "reproducible: the same summaries twice" cmp -s "$TMP/a" "$TMP/b"

# -n 0: every source address of the demo (6); -n 2: the first two of them.
"$COLLECT" -r "$TMP/demo.v5" -s srcip -n 0 -o csv >"$TMP/all.csv" 2>/dev/null
"$COLLECT" -r "$TMP/demo.v5" -s srcip -n 2 -o csv >"$TMP/two.csv" 2>/dev/null
"$COLLECT" -r "$TMP/demo.v5" -o csv 2>/dev/null >"$TMP/flows.csv"
sources=$(sed -n '2,11p' "$TMP/flows.csv" | cut -d, -f4 | sort -u | wc -l)
check_that "-n 0: every value ($sources source addresses)" \
	'[ "$sources" = 6 ] && [ "$(sed -n "2,/^\$/p" "$TMP/all.csv" | grep -c ,)" = 6 ]'
check_that "-n 2: the first two rows of -n 0" \
	'[ "$(sed -n 2,3p "$TMP/two.csv")" = "$(sed -n 2,3p "$TMP/all.csv")" ] && [ "$(sed -n 4p "$TMP/two.csv")" = "" ]'
"$COLLECT" -r "$TMP/demo.v5" -s srcip >"$TMP/def.txt" 2>/dev/null
check_that "-s alone: nfdump's text, Top 10, ordered by flows, no flow rows" \
	'[ "$(head -1 "$TMP/def.txt")" = "Top 10 Src IP Addr ordered by flows:" ] && ! grep -q -- "->" "$TMP/def.txt"'

# -o FORMAT:PATH still writes the flows; the summaries go to standard output.
"$COLLECT" -r "$TMP/demo.v5" -s proto -o csv:"$TMP/file.csv" >"$TMP/proto.txt" 2>/dev/null
check_that "-s proto -o csv:PATH: flows in the file, the table on standard output" \
	'cmp -s "$TMP/file.csv" "$TMP/flows.csv" && grep -q "^Top 10 Protocol ordered by flows:$" "$TMP/proto.txt"'

# Bad input: one line, exit 1.
expect_bad() {
	local name=$1 want=$2 rc
	shift 2
	"$COLLECT" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/bad.err")" = 1 ] && grep -q "$want" "$TMP/bad.err" &&
	   [ ! -s "$TMP/bad.out" ]; then
		ok "$name: exit 1, one line"
	else
		note "exit $rc; stderr: $(head -3 "$TMP/bad.err")"
		not_ok "$name: exit 1, one line"
	fi
}
expect_bad "-s foo" '^flowcollect: invalid -s "foo": expected srcip, dstip, ip, srcport, dstport, port or proto' \
	-r "$TMP/demo.v5" -s foo
expect_bad "-s srcip/foo" '^flowcollect: invalid -s "srcip/foo": the order after "/" is one of flows, packets, bytes' \
	-r "$TMP/demo.v5" -s srcip/foo
expect_bad "-s srcip/" '^flowcollect: invalid -s "srcip/"' -r "$TMP/demo.v5" -s srcip/
expect_bad "-n x" '^flowcollect: invalid -n "x": expected a number of rows' -r "$TMP/demo.v5" -s srcip -n x
expect_bad "-n -1" '^flowcollect: invalid -n "-1"' -r "$TMP/demo.v5" -s srcip -n -1
expect_bad "-n without -s" '^flowcollect: -n sets the rows of the -s or --stats summaries' -r "$TMP/demo.v5" -n 5
expect_bad "-s with -o flows to standard output" '^flowcollect: with -s or --stats, standard output carries the summaries: -o flows needs a PATH' \
	-r "$TMP/demo.v5" -s srcip -o flows
expect_bad "-s with two -o to standard output" '^flowcollect: with -s or --stats, standard output carries the summaries: give at most one' \
	-r "$TMP/demo.v5" -s srcip -o table -o csv
expect_bad "17 summaries" '^flowcollect: too many summaries: at most 16' \
	-r "$TMP/demo.v5" --stats --stats --stats -s ip -s ip

# ---- against nfdump 1.7.1 ----------------------------------------------
require_shared "stats against nfdump" nfcapd nfdump python3

ELEMS="srcip dstip ip srcport dstport port proto"
ORDERS="flows packets bytes pps bps bpp"
specs=""
blocks=""
for e in $ELEMS; do
	specs="$specs -s $e/$(echo $ORDERS | tr ' ' /)"
	blocks="$blocks $ORDERS"
done

# nfdump_vs_ours NAME PCAP PROBE-OPTIONS...: export PCAP to nfcapd (and a
# -w file), then every element in every order, -n 0 and -n 10, both ways.
nfdump_vs_ours() {
	local name=$1 cap=$2 port nfpid files
	shift 2
	port=$(free_port)
	mkdir -p "$TMP/nf.$name"
	nfcapd -b 127.0.0.1 -p "$port" -w "$TMP/nf.$name" >"$TMP/nfcapd.log" 2>&1 &
	nfpid=$!
	wait_for udp_bound "$port" || note "nfcapd did not bind port $port"
	"$PROBE" -r "$cap" -n "127.0.0.1:$port" -w "$TMP/$name.exp" "$@" 2>/dev/null
	wait_for udp_drained "$port" || note "nfcapd did not drain its queue"
	sleep 0.2			# the last datagram read is still being stored
	kill -INT "$nfpid"
	wait "$nfpid"
	files=$(ls "$TMP/nf.$name"/nfcapd.* 2>/dev/null | grep -v current)
	if [ -z "$files" ]; then
		note "nfcapd wrote no file: $(cat "$TMP/nfcapd.log")"
		not_ok "nfdump -s equals ours: $name"
		return
	fi
	for n in 0 10; do
		# shellcheck disable=SC2086
		nfdump -r "$files" $specs -n $n -o csv >"$TMP/theirs.$n.csv" 2>/dev/null
		# shellcheck disable=SC2086
		"$COLLECT" -r "$TMP/$name.exp" $specs -n $n -o csv >"$TMP/ours.$n.csv" 2>/dev/null
	done
	local rows
	rows=$(grep -c , "$TMP/ours.0.csv")
	# shellcheck disable=SC2086
	if python3 "$ROOT/tests/e2e/stats_compare.py" "$TMP/theirs.0.csv" "$TMP/ours.0.csv" $blocks \
		>"$TMP/cmp.0" && [ "$rows" -gt 50 ]; then
		ok "nfdump -s equals ours: $name, 7 elements x 6 orders, -n 0 ($rows rows)"
	else
		sed 's/^/# /' "$TMP/cmp.0" | head -5
		not_ok "nfdump -s equals ours: $name, 7 elements x 6 orders, -n 0"
	fi
	# shellcheck disable=SC2086
	if python3 "$ROOT/tests/e2e/stats_compare.py" --all "$TMP/theirs.0.csv" "$TMP/theirs.10.csv" \
		"$TMP/ours.10.csv" $blocks >"$TMP/cmp.10"; then
		ok "nfdump -s equals ours: $name, -n 10 (ties aside)"
	else
		sed 's/^/# /' "$TMP/cmp.10" | head -5
		not_ok "nfdump -s equals ours: $name, -n 10 (ties aside)"
	fi
}

nfdump_vs_ours demo "$ROOT/pcaps/demo.pcap"
for name in dns 1kxun gnutella KakaoTalk_talk icmp; do
	nfdump_vs_ours "$name" "$SHARED_PCAPS/$name.pcap"
done
nfdump_vs_ours "reddit.v10" "$SHARED_PCAPS/reddit.pcap" -v 10	# IPv6
nfdump_vs_ours "1kxun.v9" "$SHARED_PCAPS/1kxun.pcap" -v 9	# v4 and v6
# RFC 5103 biflows: ranked by flows, nfdump shows the forward direction's
# packets and bytes only ("ipkt"), by anything else both directions.
nfdump_vs_ours "dns.biflow" "$SHARED_PCAPS/dns.pcap" -v 10 -b
