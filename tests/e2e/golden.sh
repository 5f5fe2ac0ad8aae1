#!/usr/bin/env bash
# golden.sh - the crafted captures against their hand-written flows.
#
# For each case of tests/golden.list (NAME<TAB>PROBE OPTIONS): the probe
# reads pcaps/NAME.pcap with those options and writes its exports to a pcap
# (-w), the collector decodes them, and the table must equal
# pcaps/NAME.expected.  When pcaps/NAME.dump exists, the probe also runs
# with -D and its EXPIRED lines, in order, must equal that file: it checks
# what v5 cannot carry (IPv6 flows, end reasons, flow labels, VLAN ids).
# Every v5 datagram's sampling field must be 0, or 0x4000 | N under -s N
# (the collector does not print it).  When pcaps/NAME.times exists, the
# datagrams' export times (SECONDS.MICROSECONDS, one a line) must equal
# it.  Also:
#   - the probe run twice on every case (the second time without -D)
#     gives byte-identical -w files;
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

# v5_sampling FILE: the sampling field of each NetFlow v5 datagram in a
# -w capture, as 4 hex digits a line.  pcap_dump writes record headers in
# this host's order, which od reads; each frame is Ethernet (14), IPv4
# (20), UDP (8), then the v5 header, whose version is at 0 and sampling at
# 22.  Datagrams of another version give no line.
v5_sampling() {
	local f=$1 size off len
	size=$(wc -c <"$f")
	off=24
	while [ "$off" -lt "$size" ]; do
		len=$(od -An -tu4 -j $((off + 8)) -N4 "$f" | tr -d ' ')
		if [ "$(od -An -tx1 -j $((off + 16 + 42)) -N2 "$f" | tr -d ' ')" = 0005 ]; then
			od -An -tx1 -j $((off + 16 + 42 + 22)) -N2 "$f" | tr -d ' '
		fi
		off=$((off + 16 + len))
	done
}

# datagram_times FILE: each record's time in a -w capture (written in
# this host's order, microseconds), as SECONDS.MICROSECONDS a line.
datagram_times() {
	local f=$1 size off len
	size=$(wc -c <"$f")
	off=24
	while [ "$off" -lt "$size" ]; do
		read -r sec usec len < <(od -An -tu4 -j "$off" -N12 "$f")
		printf '%s.%06d\n' "$sec" "$usec"
		off=$((off + 16 + len))
	done
}

# check_sampling FILE OPTIONS: every v5 datagram says how it was sampled.
check_sampling() {
	local n=0 want got
	if [[ " $2 " =~ \ -s\ *([0-9]+)\  ]]; then
		n=${BASH_REMATCH[1]}
	fi
	[ "$n" -ge 2 ] && want=$(printf '%04x' $((0x4000 | (n & 0x3fff)))) || want=0000
	got=$(v5_sampling "$1" | sort -u | tr '\n' ' ')
	if [ -n "$got" ] && [ "$got" != "$want " ]; then
		note "v5 sampling field: $got(want $want)"
		return 1
	fi
	return 0
}

unstable=""
while IFS=$'\t' read -r name opts; do
	cap="$PCAPS/$name.pcap"
	want="$PCAPS/$name.expected"
	if [ ! -f "$cap" ] || [ ! -f "$want" ]; then
		note "missing $cap or $want"
		not_ok "golden $name"
		continue
	fi
	dump="$PCAPS/$name.dump"
	debug=""
	[ -f "$dump" ] && debug="-D"
	# Options are words: left unquoted on purpose.
	# shellcheck disable=SC2086
	"$PROBE" -r "$cap" $opts $debug -w "$TMP/$name.w" 2>"$TMP/$name.err"
	"$COLLECT" -r "$TMP/$name.w" >"$TMP/$name.out" 2>/dev/null
	good=1
	if ! diff -u "$want" "$TMP/$name.out" >"$TMP/$name.diff"; then
		sed 's/^/# /' "$TMP/$name.diff"
		good=0
	fi
	if [ -n "$debug" ]; then
		grep '^EXPIRED: ' "$TMP/$name.err" >"$TMP/$name.lines"
		if ! diff -u "$dump" "$TMP/$name.lines" >"$TMP/$name.diff"; then
			note "-D lines against $name.dump:"
			sed 's/^/# /' "$TMP/$name.diff"
			good=0
		fi
	fi
	if [ -f "$PCAPS/$name.times" ] &&
	   ! diff -u "$PCAPS/$name.times" <(datagram_times "$TMP/$name.w") >"$TMP/$name.diff"; then
		note "export times against $name.times:"
		sed 's/^/# /' "$TMP/$name.diff"
		good=0
	fi
	if ! check_sampling "$TMP/$name.w" "$opts"; then
		good=0
	fi
	if [ "$good" = 1 ]; then
		ok "golden $name"
	else
		not_ok "golden $name"
	fi
	# Same capture, same options: the same bytes out, run after run.
	# shellcheck disable=SC2086
	"$PROBE" -r "$cap" $opts -w "$TMP/$name.w2" 2>/dev/null
	if [ ! -s "$TMP/$name.w" ] || ! cmp -s "$TMP/$name.w" "$TMP/$name.w2"; then
		unstable="$unstable $name"
	fi
done <<<"$cases"

if [ -z "$unstable" ]; then
	ok "golden reproducible -w files"
else
	note "a second run wrote other bytes:$unstable"
	not_ok "golden reproducible -w files"
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
