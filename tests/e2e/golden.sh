#!/usr/bin/env bash
# golden.sh - the crafted captures against their hand-written flows.
#
# For each case of tests/golden.list (NAME<TAB>PROBE OPTIONS): the probe
# reads pcaps/NAME.pcap with those options and writes its exports to a pcap
# on stdout, the collector decodes them, and the table must equal
# pcaps/NAME.expected.  Also:
#   - the probe run twice on the biggest case gives byte-identical -w files;
#   - $BUILD/craftpcap regenerates every crafted capture byte for byte, so
#     tools/craftpcap.c stays the source of truth for pcaps/.
source "$(dirname "$0")/lib.sh"

LIST="$ROOT/tests/golden.list"
PCAPS="$ROOT/pcaps"
CRAFT="$ROOT/$BUILD/craftpcap"

# Cases as "NAME<TAB>OPTIONS" lines, comments and blank lines dropped.
cases=$(grep -v -e '^#' -e '^[[:space:]]*$' "$LIST")
if [ -z "$cases" ]; then
	not_ok "golden list: no case in $LIST"
	exit 0
fi

biggest="" biggest_opts="" biggest_size=-1
while IFS=$'\t' read -r name opts; do
	cap="$PCAPS/$name.pcap"
	want="$PCAPS/$name.expected"
	if [ ! -f "$cap" ] || [ ! -f "$want" ]; then
		note "missing $cap or $want"
		not_ok "golden $name"
		continue
	fi
	# Options are words: left unquoted on purpose.
	# shellcheck disable=SC2086
	"$PROBE" -r "$cap" $opts -w - 2>/dev/null | "$COLLECT" -r - >"$TMP/$name.out" 2>/dev/null
	if diff -u "$want" "$TMP/$name.out" >"$TMP/$name.diff"; then
		ok "golden $name"
	else
		sed 's/^/# /' "$TMP/$name.diff"
		not_ok "golden $name"
	fi
	size=$(wc -c <"$cap")
	if [ "$size" -gt "$biggest_size" ]; then
		biggest=$name biggest_opts=$opts biggest_size=$size
	fi
done <<<"$cases"

# Same capture, same options: the same bytes out, run after run.
if [ -n "$biggest" ]; then
	# shellcheck disable=SC2086
	"$PROBE" -r "$PCAPS/$biggest.pcap" $biggest_opts -w "$TMP/run1.pcap" 2>/dev/null
	# shellcheck disable=SC2086
	"$PROBE" -r "$PCAPS/$biggest.pcap" $biggest_opts -w "$TMP/run2.pcap" 2>/dev/null
	if [ -s "$TMP/run1.pcap" ] && cmp -s "$TMP/run1.pcap" "$TMP/run2.pcap"; then
		ok "golden reproducible -w file $biggest"
	else
		note "$(cmp "$TMP/run1.pcap" "$TMP/run2.pcap" 2>&1)"
		not_ok "golden reproducible -w file $biggest"
	fi
fi

# The captures in pcaps/ are exactly what the tool makes today.
if [ ! -x "$CRAFT" ]; then
	not_ok "golden captures regenerate: $CRAFT is not built (make tools)"
	exit 0
fi
mkdir -p "$TMP/regen"
if ! "$CRAFT" "$TMP/regen" 2>"$TMP/regen.err"; then
	note "$(cat "$TMP/regen.err")"
	not_ok "golden captures regenerate"
	exit 0
fi
stale="" made=0
for f in "$TMP"/regen/*.pcap; do
	base=$(basename "$f")
	made=$((made + 1))
	cmp -s "$f" "$PCAPS/$base" || stale="$stale $base"
done
# Every case's capture must be one the tool makes, not one added by hand.
while IFS=$'\t' read -r name _; do
	[ -f "$TMP/regen/$name.pcap" ] || stale="$stale $name.pcap(not made by craftpcap)"
done <<<"$cases"
if [ -z "$stale" ]; then
	ok "golden captures regenerate ($made files)"
else
	note "differ from $BUILD/craftpcap's output (run make pcaps):$stale"
	not_ok "golden captures regenerate"
fi
