#!/usr/bin/env bash
# rotation.sh - flowcollect --rotate-every / --rotate-size: parts named by
# their start, written as .part and renamed once complete, together
# holding exactly the rows of one unrotated run, each part's own CSV
# Summary; a live collector finishes a part on the wall clock while idle,
# and on SIGTERM; bad values are refused.
source "$(dirname "$0")/lib.sh"

GENCAP="$ROOT/$BUILD/gencap"
ROW='^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] '

# Flows spread over 40 minutes of capture time: gencap's conversations,
# exported by the probe with 1-minute timeouts into a -w file.
"$GENCAP" -n 20000 -f 300 -d 2400 -S 7 -o "$TMP/gen.pcap" 2>/dev/null
"$PROBE" -r "$TMP/gen.pcap" -v 9 -t general=60 -t maxlife=120 -w "$TMP/exp.pcap" 2>/dev/null
"$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/all.csv" 2>/dev/null
grep "$ROW" "$TMP/all.csv" >"$TMP/all.rows"
total=$(wc -l <"$TMP/all.rows")
check "the exports hold flows ($total)" [ "$total" -gt 1000 ]

# By time: 10-minute parts on the capture's clock, each a complete CSV.
mkdir "$TMP/t"
"$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/t/f.csv" -o flows:"$TMP/t/f.flows" \
	--rotate-every 10m 2>"$TMP/t.err"
check "by time: exit 0" [ $? -eq 0 ]
ls "$TMP/t" >"$TMP/t.list"
first=$(head -1 "$TMP/t.list")
note "parts: $(tr '\n' ' ' <"$TMP/t.list")"
check_that "by time: names are NAME.YYYYmmdd-HHMM00.EXT on 10-minute boundaries" \
	'! grep -v "^f\.[0-9]\{8\}-[0-9][0-9][0-5]000\.\(csv\|flows\)$" "$TMP/t.list"'
ncsv=$(grep -c 'csv$' "$TMP/t.list")
check_that "by time: several parts, a csv and a flow file for each ($ncsv)" \
	'[ "$ncsv" -ge 4 ] && [ "$ncsv" = "$(grep -c "flows$" "$TMP/t.list")" ]'
check "by time: no .part left" [ -z "$(ls "$TMP/t" | grep part)" ]
for f in "$TMP"/t/f.*.csv; do grep "$ROW" "$f"; done >"$TMP/t.rows"
check "by time: the parts in name order hold every row of one run, in order" \
	cmp -s "$TMP/t.rows" "$TMP/all.rows"
for f in "$TMP"/t/f.*.flows; do "$COLLECT" -r "$f" -o csv 2>/dev/null | grep "$ROW"; done >"$TMP/tf.rows"
check "by time: the flow file parts read back to the same rows" cmp -s "$TMP/tf.rows" "$TMP/all.rows"
# Each part ends with its own Summary: its flows are its rows.
bad=""
for f in "$TMP"/t/f.*.csv; do
	rows=$(grep -c "$ROW" "$f")
	flows=$(tail -1 "$f" | cut -d, -f1)
	[ "$(tail -3 "$f" | head -1)" = Summary ] && [ "$rows" = "$flows" ] || bad="$bad $(basename "$f")($rows/$flows)"
done
check "by time: each part's Summary counts its own flows${bad:+:$bad}" [ -z "$bad" ]
# A row lands in the part of its datagram's arrival: its receive time
# (tr, the export time) is never before the part's start.
bad=""
for f in "$TMP"/t/f.*.csv; do
	b=$(basename "$f" .csv); b=${b#f.}
	start="${b:0:4}-${b:4:2}-${b:6:2} ${b:9:2}:${b:11:2}:${b:13:2}"
	early=$(grep "$ROW" "$f" | awk -F, -v s="$start" '$48 < s' | wc -l)
	[ "$early" = 0 ] || bad="$bad $b"
done
check "by time: every row's export time is inside its part${bad:+:$bad}" [ -z "$bad" ]

# The same run again gives the same parts, byte for byte.
mkdir "$TMP/t2"
"$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/t2/f.csv" -o flows:"$TMP/t2/f.flows" \
	--rotate-every 10m 2>/dev/null
check "by time: reproducible" diff -r "$TMP/t" "$TMP/t2"

# By size: 64 KiB parts, numbered within their start second.
mkdir "$TMP/s"
"$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/s/f.csv" --rotate-size 64k 2>/dev/null
ls "$TMP/s" >"$TMP/s.list"
n=$(wc -l <"$TMP/s.list")
check_that "by size: names are NAME.YYYYmmdd-HHMMSS.NNNN.csv ($n parts)" \
	'[ "$n" -ge 3 ] && ! grep -v "^f\.[0-9]\{8\}-[0-9]\{6\}\.[0-9]\{4\}\.csv$" "$TMP/s.list"'
for f in "$TMP"/s/f.*.csv; do grep "$ROW" "$f"; done >"$TMP/s.rows"
check "by size: the parts hold every row, in order" cmp -s "$TMP/s.rows" "$TMP/all.rows"
# Checked before each datagram: a part overshoots by at most one
# datagram's rows (30 here, under 10 KiB of CSV).
big=$(for f in "$TMP"/s/f.*.csv; do stat -c %s "$f"; done | sort -n | tail -1)
small=$(for f in $(head -n -1 "$TMP/s.list"); do stat -c %s "$TMP/s/$f"; done | sort -n | head -1)
check_that "by size: parts before the last reach 64 KiB, none above 64 KiB + one datagram's rows ($small..$big)" \
	'[ "$small" -ge 65536 ] && [ "$big" -lt $((65536 + 10240)) ]'

# Both: size parts inside 10-minute parts.
mkdir "$TMP/b"
"$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/b/f.csv" --rotate-size 64k --rotate-every 10m 2>/dev/null
for f in "$TMP"/b/f.*.csv; do grep "$ROW" "$f"; done >"$TMP/b.rows"
check_that "both: every row, names on 10-minute boundaries" \
	'cmp -s "$TMP/b.rows" "$TMP/all.rows" && ! ls "$TMP/b" | grep -v "^f\.[0-9]\{8\}-[0-9][0-9][0-5]000\.[0-9]\{4\}\.csv$"'

# Live: a part is finished on the wall clock while the input is quiet,
# and the last one on SIGTERM; standard output is not rotated.
mkdir "$TMP/live"
if start_collector -o csv:"$TMP/live/f.csv" -o table --rotate-every 1s; then
	"$PROBE" -r "$ROOT/pcaps/demo.pcap" -n "127.0.0.1:$PORT" 2>/dev/null
	wait_for sh -c "ls '$TMP/live' | grep -q 'csv\$'"
	check "live: a part finished while the collector runs and is quiet" \
		sh -c "ls '$TMP/live' | grep -q '^f\.[0-9]\{8\}-[0-9]\{6\}\.csv$'"
	"$PROBE" -r "$ROOT/pcaps/demo.pcap" -n "127.0.0.1:$PORT" 2>/dev/null
	wait_for sh -c "[ \$(grep -c 'TCP\|UDP\|ICMP' '$TMP/collector.out') -ge 2 ]"
	stop_collector
	check "live: SIGTERM exits 0" [ $? -eq 0 ]
	check "live: no .part left after SIGTERM" [ -z "$(ls "$TMP/live" | grep part)" ]
	live_rows=$(cat "$TMP"/live/f.*.csv | grep -c "$ROW")
	table_rows=$(grep -c ' -> ' "$TMP/collector.out")
	check "live: the parts hold the rows the unrotated table printed ($live_rows)" \
		[ "$live_rows" -gt 0 -a "$live_rows" = "$table_rows" ]
else
	not_ok "live: collector started"
fi

# Refused, with one line and exit 1.
refuse() {
	local name=$1; shift
	"$COLLECT" "$@" >"$TMP/r.out" 2>"$TMP/r.err"
	local rc=$?
	check_that "refused: $name ($(head -1 "$TMP/r.err"))" \
		'[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/r.err")" -eq 1 ] && [ ! -s "$TMP/r.out" ]'
}
refuse "--rotate-every 0" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-every 0
refuse "--rotate-every 5x" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-every 5x
refuse "--rotate-every 2y" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-every 400d
refuse "--rotate-size -1" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-size -1
refuse "--rotate-size 1T" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-size 1T
refuse "rotation without a file" -r "$TMP/exp.pcap" -o csv --rotate-every 5m
refuse "rotation into a missing directory" -r "$TMP/exp.pcap" -o csv:"$TMP/none/x.csv" --rotate-every 5m
refuse "--rotate-every without a value" -r "$TMP/exp.pcap" -o csv:"$TMP/x.csv" --rotate-every
check "refused runs left no file" [ ! -e "$TMP/x.csv" -a ! -e "$TMP/x.csv.part" ]
