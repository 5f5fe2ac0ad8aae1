#!/usr/bin/env bash
# differential.sh [--table] - every capture of ../shared/pcaps against
# softflowd 1.1.0 and tshark, as tests/differential.tsv says.
#
# Both probes read the capture with every timeout disabled (no idle rule,
# no active timeout, a general timeout of ten years) and a table large
# enough that nothing is evicted, so a flow is split only where its key
# differs; both print each flow as it expires (-D).  differential.py then
# compares, per one-way 5-tuple: our packets with softflowd's, our
# packets and octets with tshark's (see it for where softflowd keys
# traffic differently and the comparison is coarser).  Our packet total
# and ignored count must equal the list's, so a run that meters nothing
# cannot pass, and every capture in ../shared/pcaps must be listed.
#
# With --table, also prints the results as a table (make differential).
source "$(dirname "$0")/lib.sh"

require_shared "differential" tshark softflowd python3

LIST="$ROOT/tests/differential.tsv"
TIMEOUTS="-t tcp=0 -t tcp.rst=0 -t tcp.fin=0 -t udp=0 -t icmp=0 -t general=520w -t maxlife=0"
MAXFLOWS=1000000
table=0
[ "${1:-}" = "--table" ] && table=1
rows=()

# Every capture is listed, and every listed capture exists.
listed=$(grep -v '^#' "$LIST" | cut -f1 | sort)
present=$(cd "$SHARED_PCAPS" && ls -- *.pcap *.pcapng 2>/dev/null | sort)
if [ "$listed" = "$present" ]; then
	ok "differential list names every capture ($(echo "$present" | wc -l))"
else
	diff <(echo "$listed") <(echo "$present") | sed 's/^/# list vs directory: /'
	not_ok "differential list names every capture"
fi

while IFS=$'\t' read -r name peer packets ignored note; do
	case "$name" in '#'* | '') continue ;; esac
	cap="$SHARED_PCAPS/$name"
	[ -f "$cap" ] || continue
	# shellcheck disable=SC2086  # the timeouts are words
	"$PROBE" -D -r "$cap" -m "$MAXFLOWS" $TIMEOUTS >/dev/null 2>"$TMP/ours"
	rc=$?
	if [ "$peer" = refused ]; then
		flows=$(grep -c '^EXPIRED: ' "$TMP/ours")
		check "differential $name: refused (exit $rc, $flows flows)" test "$rc" -eq 1 -a "$flows" -eq 0
		rows+=("$name|$peer|0|0|refused")
		continue
	fi
	theirs=()
	if [ "$peer" = softflowd ]; then
		# shellcheck disable=SC2086
		timeout 120 softflowd -D -r "$cap" -c none -m "$MAXFLOWS" $TIMEOUTS >"$TMP/theirs" 2>&1
		theirs=("$TMP/theirs")
	fi
	python3 "$ROOT/tests/e2e/differential.py" "$cap" "$TMP/ours" "${theirs[@]}" >"$TMP/cmp"
	cmp_rc=$?
	result=$(grep '^RESULT ' "$TMP/cmp")
	got_packets=$(echo "$result" | sed -n 's/.* packets=\([0-9]*\) .*/\1/p')
	got_flows=$(echo "$result" | sed -n 's/.* flows=\([0-9]*\) .*/\1/p')
	got_ignored=$(sed -n 's/^Ignored packets: \([0-9]*\) .*/\1/p' "$TMP/ours")
	verdict="tshark $(echo "$result" | sed -n 's/.* tshark=\([a-z]*\).*/\1/p')"
	[ "$peer" = softflowd ] && verdict="$verdict, softflowd $(echo "$result" | sed -n 's/.* softflowd=\([a-z]*\).*/\1/p')"
	if [ "$rc" -eq 0 ] && [ "$cmp_rc" -eq 0 ] && [ "$got_packets" = "$packets" ] &&
	   [ "$got_ignored" = "$ignored" ]; then
		ok "differential $name ($packets packets, $got_flows flows, $verdict)"
		match=yes
	else
		grep '^# ' "$TMP/cmp"
		note "probe exit $rc; packets $got_packets (listed $packets), ignored $got_ignored (listed $ignored); $verdict"
		not_ok "differential $name"
		match=NO
	fi
	rows+=("$name|$peer|$got_packets|$got_flows|$match ($verdict)")
done <"$LIST"

# -T ether against tshark: flows keyed by Ethernet addresses too (in
# 1kxun.pcap, DHCP clients that share 0.0.0.0 are told apart by MAC).
for name in 1kxun.pcap test.pcap gnutella.pcap; do
	cap="$SHARED_PCAPS/$name"
	# shellcheck disable=SC2086
	"$PROBE" -T ether -D -r "$cap" -m "$MAXFLOWS" $TIMEOUTS >/dev/null 2>"$TMP/ours"
	if python3 "$ROOT/tests/e2e/differential.py" --ether "$cap" "$TMP/ours" >"$TMP/cmp"; then
		ok "differential -T ether $name ($(grep '^RESULT' "$TMP/cmp" | cut -d' ' -f2-3))"
	else
		grep '^# ' "$TMP/cmp"
		not_ok "differential -T ether $name"
	fi
done

if [ "$table" -eq 1 ]; then
	echo
	printf '%-34s %-10s %8s %6s  %s\n' capture compared packets flows match
	for r in "${rows[@]}"; do
		IFS='|' read -r n p k f m <<<"$r"
		printf '%-34s %-10s %8s %6s  %s\n' "$n" "$p" "$k" "$f" "$m"
	done
fi
