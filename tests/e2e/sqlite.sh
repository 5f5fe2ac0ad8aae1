#!/usr/bin/env bash
# sqlite.sh - -o sqlite:PATH end to end.  Real captures exported to
# nfcapd over loopback and to a -w file: the GDP paper's duration query
# on our database equals nfdump's td summed per source address; every row
# of flows gives back our CSV row, every column; the exporters table
# counts the rows; the same exports give the same .dump.  A collector
# stopped by SIGTERM mid-stream keeps every flow it reported, one killed
# outright keeps a consistent database; bad paths are refused with one
# line and exit 1.
source "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null || ! python3 -c 'import sqlite3' 2>/dev/null; then
	skip sqlite "the sqlite3 shell or python3's sqlite3 is not installed (make test-deps)"
	exit 0
fi
CHECK="python3 $ROOT/tests/e2e/sqlite_check.py"
NAMES="$ROOT/collector/proto_names.h"

# --- bad paths, the schema ------------------------------------------------
# expect_refusal NAME MESSAGE ARGS...: exit 1 and exactly MESSAGE on stderr.
expect_refusal() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$TMP/r.out" 2>"$TMP/r.err"
	rc=$?
	if [ "$rc" = 1 ] && [ "$(cat "$TMP/r.err")" = "$want" ] && [ ! -s "$TMP/r.out" ]; then
		ok "$name"
	else
		note "exit $rc, stderr: $(cat "$TMP/r.err")"
		not_ok "$name"
	fi
}

"$PROBE" -r "$ROOT/pcaps/demo.pcap" -w "$TMP/demo.exp" 2>/dev/null
expect_refusal "-o sqlite without a path" \
	'flowcollect: -o sqlite writes a file: give its path (-o sqlite:PATH)' \
	"$COLLECT" -r "$TMP/demo.exp" -o sqlite
expect_refusal "-o sqlite: in a directory that does not exist" \
	"flowcollect: cannot write \"$TMP/none/x.db\": No such file or directory" \
	"$COLLECT" -r "$TMP/demo.exp" -o "sqlite:$TMP/none/x.db"
expect_refusal "-o sqlite: a directory" \
	"flowcollect: cannot write \"$TMP\": Is a directory" \
	"$COLLECT" -r "$TMP/demo.exp" -o "sqlite:$TMP"
"$COLLECT" -r "$TMP/demo.exp" -o csv >"$TMP/notdb.csv" 2>/dev/null
cp "$TMP/notdb.csv" "$TMP/notdb.orig"
expect_refusal "-o sqlite: a file that is not a database" \
	"flowcollect: cannot use \"$TMP/notdb.csv\": file is not a database" \
	"$COLLECT" -r "$TMP/demo.exp" -o "sqlite:$TMP/notdb.csv"
check "... and it is left as it was" cmp -s "$TMP/notdb.csv" "$TMP/notdb.orig"
sqlite3 "$TMP/other.db" 'CREATE TABLE flows (a, b)'
expect_refusal "-o sqlite: another program's database" \
	"flowcollect: cannot use \"$TMP/other.db\": another program's database, not flowcollect's (application_id 0): refusing to add to it" \
	"$COLLECT" -r "$TMP/demo.exp" -o "sqlite:$TMP/other.db"
expect_refusal "--print-schema of a format without one" \
	'flowcollect: invalid --print-schema "csv": expected clickhouse, clickhouse-distributed or sqlite' \
	"$COLLECT" --print-schema csv

# The printed schema is the one written: a database made from it is
# appended to.
"$COLLECT" --print-schema sqlite >"$TMP/schema.sql"
sqlite3 "$TMP/printed.db" <"$TMP/schema.sql"
"$COLLECT" -r "$TMP/demo.exp" -o "sqlite:$TMP/printed.db" 2>/dev/null
rc=$?
n=$(sqlite3 "$TMP/printed.db" 'SELECT count(*) FROM flows')
check_that "--print-schema makes a database -o sqlite adds to ($n rows)" '[ "$rc" = 0 ] && [ "$n" -gt 0 ]'
for word in flows exporters Flow flows_first flows_last flows_src flows_dst; do
	grep -q "^CREATE [A-Z]* $word " "$TMP/schema.sql" || note "no $word in the schema"
done
check "--print-schema: the tables, indexes and view" \
	[ "$(grep -c '^CREATE ' "$TMP/schema.sql")" = 7 ]

# --- real captures against nfdump ------------------------------------------
require_shared "sqlite" nfcapd nfdump

# nfcapd_of NAME VERSION: the probe's export of NAME to nfcapd over
# loopback (nfdump -o csv of it in $TMP/NAME.vV.nfdump) and to a -w file.
nfcapd_of() {
	local name=$1 v=$2 port dir
	port=$(free_port)
	dir="$TMP/nfcapd.$name.v$v"
	mkdir -p "$dir"
	nfcapd -b 127.0.0.1 -p "$port" -w "$dir" >"$TMP/nfcapd.log" 2>&1 &
	local nfpid=$!
	wait_for udp_bound "$port" || note "nfcapd did not bind port $port"
	"$PROBE" -r "$SHARED_PCAPS/$name.pcap" -v "$v" -n "127.0.0.1:$port" -w "$TMP/$name.v$v.exp" 2>/dev/null
	wait_for udp_drained "$port" || note "nfcapd did not drain its queue"
	sleep 0.2			# the last datagram read is still being stored
	kill -INT "$nfpid"
	wait "$nfpid"
	local files
	files=$(ls "$dir"/nfcapd.* 2>/dev/null | grep -v current)
	[ -n "$files" ] || return 1
	for f in $files; do nfdump -r "$f" -o csv; done >"$TMP/$name.v$v.nfdump"
}

for run in test.5 dns.5 KakaoTalk_talk.5 1kxun.5 synscan.5 1kxun.10 dns.10; do
	name=${run%.*} v=${run##*.}
	if ! nfcapd_of "$name" "$v"; then
		note "nfcapd wrote no file: $(cat "$TMP/nfcapd.log")"
		not_ok "sqlite $name v$v: nfcapd's file"
		continue
	fi
	db="$TMP/$name.v$v.db"
	"$COLLECT" -r "$TMP/$name.v$v.exp" -o "sqlite:$db" -o "csv:$TMP/$name.v$v.csv" 2>"$TMP/$name.err"
	rc=$?
	$CHECK gdp "$db" >"$TMP/ours.gdp"
	$CHECK nfdump <"$TMP/$name.v$v.nfdump" >"$TMP/nfdump.gdp"
	n=$(wc -l <"$TMP/ours.gdp")
	if [ "$rc" = 0 ] && [ "$n" -gt 0 ] && cmp -s "$TMP/ours.gdp" "$TMP/nfdump.gdp"; then
		ok "sqlite $name v$v: SUM(LAST-FIRST) per IP_SOURCE equals nfdump's td per sa ($n sources)"
	else
		diff "$TMP/nfdump.gdp" "$TMP/ours.gdp" | head -6 | sed 's/^/# /'
		not_ok "sqlite $name v$v: SUM(LAST-FIRST) per IP_SOURCE equals nfdump's td per sa (exit $rc)"
	fi

	# Every column: our CSV made again from the rows.
	sed -e '1d' -e '/^Summary$/,$d' "$TMP/$name.v$v.csv" >"$TMP/csv.rows"
	$CHECK csv "$db" "$NAMES" >"$TMP/db.rows"
	rows=$(wc -l <"$TMP/csv.rows")
	if [ "$rows" -gt 0 ] && cmp -s "$TMP/csv.rows" "$TMP/db.rows"; then
		ok "sqlite $name v$v: every row and column is our CSV's ($rows rows)"
	else
		diff "$TMP/csv.rows" "$TMP/db.rows" | head -6 | sed 's/^/# /'
		not_ok "sqlite $name v$v: every row and column is our CSV's"
	fi
	want=$(awk -F, 'NR > 1 && $1 == "Summary" { exit } NR > 1 { n++; p += $12; b += $13 } END { print n + 0, p + 0, b + 0 }' "$TMP/$name.v$v.csv")
	got=$(sqlite3 "$db" "SELECT count(*) || ' ' || sum(packets) || ' ' || sum(bytes) FROM flows")
	check "sqlite $name v$v: rows, packets, bytes as the CSV's ($got)" [ "$got" = "$want" ]
	reported=$(sed -n 's/^exporter 1 .*: [0-9]* datagrams, \([0-9]*\) records.*/\1/p' "$TMP/$name.err")
	got=$(sqlite3 "$db" "SELECT records || ' ' || datagrams FROM exporters")
	check_that "sqlite $name v$v: the exporters table counts the rows ($got)" \
		"[ \"\${got%% *}\" = \"\${want%% *}\" ] && [ \"\${got%% *}\" = '$reported' ]"
done

# --- the same exports, the same database ------------------------------------
exp="$TMP/1kxun.v10.exp"
"$COLLECT" -r "$exp" -o "sqlite:$TMP/again1.db" 2>/dev/null
"$COLLECT" -r "$exp" -o "sqlite:$TMP/again2.db" 2>/dev/null
sqlite3 "$TMP/again1.db" .dump >"$TMP/again1.dump"
sqlite3 "$TMP/again2.db" .dump >"$TMP/again2.dump"
check_that "sqlite: the same exports twice give the same .dump ($(grep -c '^INSERT INTO flows' "$TMP/again1.dump") rows)" \
	'[ "$(grep -c "^INSERT INTO flows" "$TMP/again1.dump")" -gt 0 ] && cmp -s "$TMP/again1.dump" "$TMP/again2.dump"'
check "sqlite: closed, the database is one file" [ ! -e "$TMP/again1.db-wal" ]

# Appended: the rows go on, the exporter is a second one, the sums double.
"$COLLECT" -r "$exp" -o "sqlite:$TMP/again1.db" 2>/dev/null
got=$(sqlite3 "$TMP/again1.db" "SELECT count(*) || ' ' || count(DISTINCT exporter_id) || ' ' || max(id) FROM flows")
rows=$(grep -c '^INSERT INTO flows' "$TMP/again1.dump")
check "sqlite: a second run appends ($got)" [ "$got" = "$((2 * rows)) 2 $((2 * rows))" ]
got=$(sqlite3 "$TMP/again1.db" "SELECT group_concat(id || ':' || records) FROM exporters")
check "sqlite: ... its exporter numbered after the first ($got)" [ "$got" = "1:$rows,2:$rows" ]

# --- stopped mid-stream ------------------------------------------------------
# A 100-thousand-packet stream (bench/gencap, as formats.sh), paced to
# about 3 seconds; the collector is stopped after 1.
GENCAP="$ROOT/$BUILD/gencap"
if ! "$GENCAP" -n 100k -f 10k -S 1 -o "$TMP/gen.pcap" 2>/dev/null; then
	not_ok "sqlite: $GENCAP cannot make the capture"
	exit 0
fi
"$PROBE" -r "$TMP/gen.pcap" -v 10 -w "$TMP/gen.exp" 2>/dev/null
total=$("$COLLECT" -r "$TMP/gen.exp" -o csv 2>/dev/null | sed -n '$p' | cut -d, -f1)

# stream_then SIGNAL: a listening collector into $TMP/live.db, the stream
# started, SIGNAL after a second; sets rc and the records it reported.
stream_then() {
	rm -f "$TMP/live.db" "$TMP/live.db-wal" "$TMP/live.db-shm"
	start_listener live -o "sqlite:$TMP/live.db" || { note "no listener: $(cat "$TMP/live.err")"; return 1; }
	"$PROBE" -r "$TMP/gen.pcap" -v 10 -n "127.0.0.1:$live_PORT" --pace 600 2>/dev/null &
	local probe=$!
	sleep 1
	kill "-$1" "$live_PID"
	{ wait "$live_PID"; } 2>/dev/null	# no "Killed" from the shell
	rc=$?
	kill "$probe" 2>/dev/null
	wait "$probe" 2>/dev/null
	reported=$(sed -n 's/^exporter 1 .*: [0-9]* datagrams, \([0-9]*\) records.*/\1/p' "$TMP/live.err")
}

if stream_then TERM; then
	got=$(sqlite3 "$TMP/live.db" 'PRAGMA integrity_check; SELECT count(*) FROM flows; SELECT records FROM exporters' | tr '\n' ' ')
	check_that "sqlite: SIGTERM mid-stream: exit 0, consistent, every flow reported stored ($got of $total)" \
		"[ '$rc' = 0 ] && [ '$got' = 'ok $reported $reported ' ] && [ '$reported' -gt 0 ] && [ '$reported' -lt '$total' ]"
fi

# Killed outright: what was committed is there, consistent, the
# exporters table as current as the rows.
if stream_then KILL; then
	got=$(sqlite3 "$TMP/live.db" 'PRAGMA integrity_check; SELECT count(*) = (SELECT records FROM exporters), count(*) > 0, count(*) < '"$total"' FROM flows' | tr '\n' ' ')
	check_that "sqlite: SIGKILL mid-stream: consistent, the rows committed counted ($got)" \
		"[ '$rc' = 137 ] && [ '$got' = 'ok 1|1|1 ' ]"
fi

# A write that fails (a file size limit, 2 MiB, below the first batch):
# said when it happens, exit 1, the database consistent, without the batch.
(ulimit -f 2048; trap '' XFSZ; exec "$COLLECT" -r "$TMP/gen.exp" -o "sqlite:$TMP/full.db") >/dev/null 2>"$TMP/full.err"
rc=$?
printf '%s\n' "flowcollect: cannot write \"$TMP/full.db\": cannot commit: disk I/O error (File too large); no more flows are stored in it" \
	"flowcollect: -o sqlite:$TMP/full.db lost rows (see above)" >"$TMP/full.want"
grep '^flowcollect' "$TMP/full.err" >"$TMP/full.said"
got=$(sqlite3 "$TMP/full.db" 'PRAGMA integrity_check; SELECT count(*) FROM flows' 2>&1 | tr '\n' ' ')
check_that "sqlite: a write that fails: said, exit 1, the database consistent (exit $rc, $got)" \
	"[ '$rc' = 1 ] && cmp -s '$TMP/full.said' '$TMP/full.want' && [ '$got' = 'ok 0 ' ]"
[ "$rc" = 1 ] && cmp -s "$TMP/full.said" "$TMP/full.want" || sed 's/^/# /' "$TMP/full.err"

# --- rotated ------------------------------------------------------------------
# --rotate-every: a database a part, each counting its own exporters'
# records; together the rows of one run.
mkdir "$TMP/rot"
"$COLLECT" -r "$TMP/gen.exp" -o "sqlite:$TMP/rot/f.db" --rotate-every 2m 2>/dev/null
rc=$?
parts=$(ls "$TMP/rot")
bad=""
rows=0
for f in "$TMP"/rot/f.*.db; do
	got=$(sqlite3 "$f" 'PRAGMA integrity_check; SELECT count(*) = (SELECT sum(records) FROM exporters) FROM flows; SELECT count(*) FROM flows' | tr '\n' ' ')
	case $got in "ok 1 "*) rows=$((rows + ${got##ok 1 })) ;; *) bad="$bad $(basename "$f")($got)" ;; esac
done
note "parts: $(echo $parts)"
check_that "sqlite --rotate-every: parts, each consistent and counting its own rows, $rows in all${bad:+:$bad}" \
	"[ '$rc' = 0 ] && [ \$(echo '$parts' | grep -c '^f\.[0-9]\{8\}-[0-9]\{6\}\.db\$') -ge 2 ] && [ -z '$bad' ] && [ '$rows' = '$total' ]"
