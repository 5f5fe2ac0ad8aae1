#!/usr/bin/env bash
# flowfile.sh - flowcollect's own flow file (-o flows): stored over UDP
# or from a capture, read back with -r, every flow as it was (the CSV of
# the read-back equals the CSV made at the time, byte for byte); outputs
# to files (-o FORMAT:PATH); damaged flow files and bad outputs refused
# with one line and exit 1, after the flows before the damage.
source "$(dirname "$0")/lib.sh"

# From captures of exports: each format, crafted captures of ours.
for spec in "demo 5" "big_batch 9" "encap 10" "frag6_ah 10" "frag6_ah 9" "demo 1" "mpls_keyed 10 -x 3"; do
	set -- $spec
	name=$1 v=$2
	shift 2
	"$PROBE" -r "$ROOT/pcaps/$name.pcap" -v "$v" "$@" -w "$TMP/$name.$v.exp" 2>/dev/null
	"$COLLECT" -r "$TMP/$name.$v.exp" -o "flows:$TMP/$name.$v.flows" -o "csv:$TMP/$name.$v.csv" \
		-o table >"$TMP/$name.$v.table" 2>/dev/null
	"$COLLECT" -r "$TMP/$name.$v.flows" -o csv >"$TMP/$name.$v.back.csv" 2>"$TMP/$name.$v.back.err"
	rows=$(($(wc -l <"$TMP/$name.$v.csv") - 4))
	check "$name v$v: flow file read back gives the same CSV ($rows flows)" \
		cmp -s "$TMP/$name.$v.csv" "$TMP/$name.$v.back.csv"
	[ "$rows" -gt 0 ] || not_ok "$name v$v: flows in the CSV"
done
check "mpls_keyed -x 3: label stacks kept in the flow file" grep -q ",100-5-0,200-0-0,300-0-1," "$TMP/mpls_keyed.10.back.csv"
check "-o table to stdout alongside files: the demo's table" cmp -s "$TMP/demo.5.table" "$ROOT/pcaps/demo.expected"
check "read back: per-exporter records, no datagrams" \
	grep -q "^exporter 1 127.0.0.1 v9 domain 0: 0 datagrams, 32 records," "$TMP/big_batch.9.back.err"

# Over UDP: what a listening collector stores reads back as what it
# printed.
start_collector -o "flows:$TMP/udp.flows" -o csv || not_ok "collector start"
"$PROBE" -r "$ROOT/pcaps/encap.pcap" -v 10 -n "127.0.0.1:$PORT" 2>/dev/null
wait_for udp_drained "$PORT"
stop_collector
"$COLLECT" -r "$TMP/udp.flows" -o csv >"$TMP/udp.back.csv" 2>/dev/null
check "UDP: the flow file reads back as the CSV printed live" cmp -s "$TMP/collector.out" "$TMP/udp.back.csv"
check "UDP: as from the capture of the same exports" cmp -s "$TMP/udp.back.csv" "$TMP/encap.10.csv"

# Damage: cut in a record, and a record length of 0.  The flows before
# are output, one line says where, exit 1.
f=$TMP/big_batch.9.flows
size=$(stat -c %s "$f")
head -c $((size - 3)) "$f" >"$TMP/cut.flows"
"$COLLECT" -r "$TMP/cut.flows" -o csv >"$TMP/cut.csv" 2>"$TMP/cut.err"
rc=$?
check "cut short: exit 1" [ "$rc" = 1 ]
check "cut short: one line saying so" grep -q "^flowcollect: flow file \".*cut.flows\" is damaged after 31 flows (cut short in a record)$" "$TMP/cut.err"
check "cut short: the 31 whole flows are output" [ "$(grep -c '^20' "$TMP/cut.csv")" = 31 ]
python3 - "$f" "$TMP/zero.flows" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
first = d[16] | d[17] << 8
d[16 + first] = 0            # the second record's length: 0
d[16 + first + 1] = 0
open(sys.argv[2], "wb").write(d)
PY
"$COLLECT" -r "$TMP/zero.flows" -o csv >"$TMP/zero.csv" 2>"$TMP/zero.err"
rc=$?
check_that "zero-length record: exit 1, the flow before it output" \
	'[ "$rc" = 1 ] && [ "$(grep -c "^20" "$TMP/zero.csv")" = 1 ]' 
check "zero-length record: one line saying so" \
	grep -q "is damaged after 1 flows (a record that does not hold its fields)$" "$TMP/zero.err"
printf 'FPFLOWS1\x04\x00' >"$TMP/head.flows"
"$COLLECT" -r "$TMP/head.flows" >/dev/null 2>"$TMP/head.err"
rc=$?
check_that "damaged header: exit 1, one line" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/head.err")" = 1 ] && grep -q "^flowcollect: flow file \".*\": damaged header$" "$TMP/head.err"' 

# Bad outputs, refused before anything is read.
"$COLLECT" -r "$TMP/demo.5.exp" -o "csv:$TMP/no/such/dir/x.csv" >/dev/null 2>"$TMP/o1.err"
rc=$?
check_that "-o csv:PATH in a missing directory: exit 1, one line" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/o1.err")" = 1 ] && grep -q "^flowcollect: cannot write \".*x.csv\": No such file or directory$" "$TMP/o1.err"' 
"$COLLECT" -r "$TMP/demo.5.exp" -o xml >/dev/null 2>"$TMP/o2.err"
rc=$?
check_that "-o xml (unknown): exit 1, one line naming the formats" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/o2.err")" = 1 ] && grep -q "expected one of table, csv, json, flows," "$TMP/o2.err"' 
"$COLLECT" -r "$TMP/demo.5.exp" -o "csv:$TMP/a.csv" -o "flows:$TMP/a.csv" >/dev/null 2>"$TMP/o3.err"
rc=$?
check_that "the same path twice: exit 1" '[ "$rc" = 1 ] && grep -q "is given twice" "$TMP/o3.err"' 
if [ -w /dev/full ]; then
	"$COLLECT" -r "$TMP/demo.5.exp" -o csv:/dev/full >/dev/null 2>"$TMP/o4.err"
	rc=$?
	check_that "a full disk: exit 1, said" '[ "$rc" = 1 ] && grep -q "^flowcollect: cannot write \"/dev/full\": No space left on device$" "$TMP/o4.err"' 
fi
