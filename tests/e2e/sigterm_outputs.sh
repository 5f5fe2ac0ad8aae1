#!/usr/bin/env bash
# sigterm_outputs.sh - a collector stopped with SIGTERM in the middle of
# a stream leaves every output complete and readable, holding every
# record it received before the signal: the counts in its own report.
# (The SQLite databases are read with the sqlite3 shell.)
source "$(dirname "$0")/lib.sh"

GENCAP="$ROOT/$BUILD/gencap"
ROW='^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] '

"$GENCAP" -n 60000 -f 2000 -d 300 -S 3 -o "$TMP/gen.pcap" 2>/dev/null

for rotate in "" "--rotate-size 32k"; do
	label=${rotate:-plain}
	d="$TMP/out.${rotate:+rot}"
	mkdir -p "$d"
	# shellcheck disable=SC2086
	if ! start_collector -o csv:"$d/f.csv" -o flows:"$d/f.flows" -o table:"$d/f.txt" \
		-o json:"$d/f.json" -o sqlite:"$d/f.db" $rotate; then
		not_ok "$label: collector started"
		continue
	fi
	# 300 datagrams a second: the stream lasts far longer than the wait.
	"$PROBE" -r "$TMP/gen.pcap" -v 10 -t general=30 -n "127.0.0.1:$PORT" --pace 300 2>/dev/null &
	probe=$!
	sleep 1.5
	stop_collector
	rc=$?
	kill "$probe" 2>/dev/null
	wait "$probe" 2>/dev/null
	records=$(sed -n 's/^exporter .*: [0-9]* datagrams, \([0-9]*\) records,.*/\1/p' "$TMP/collector.err")
	note "$label: $records records received before SIGTERM"
	check "$label: SIGTERM exits 0" [ "$rc" = 0 ]
	check_that "$label: mid-stream (records: ${records:-none})" '[ "${records:-0}" -gt 30 ] && [ "$records" -lt 50000 ]'
	check "$label: no .part left" [ -z "$(ls "$d" | grep part)" ]

	cat "$d"/f*.csv | grep "$ROW" >"$TMP/csv.rows"
	check "$label: CSV holds every record ($(wc -l <"$TMP/csv.rows"))" [ "$(wc -l <"$TMP/csv.rows")" = "${records:-x}" ]
	bad=""
	for f in "$d"/f*.csv; do
		[ "$(tail -3 "$f" | head -1)" = Summary ] && [ "$(tail -1 "$f" | cut -d, -f1)" = "$(grep -c "$ROW" "$f")" ] || bad="$bad $(basename "$f")"
	done
	check "$label: every CSV ends with its Summary${bad:+:$bad}" [ -z "$bad" ]
	bad=""
	for f in "$d"/f*.flows; do
		"$COLLECT" -r "$f" -o csv 2>/dev/null | grep "$ROW" || bad="$bad $(basename "$f")"
	done >"$TMP/flows.rows"
	check "$label: the flow files read back whole, to the CSV's rows${bad:+:$bad}" \
		cmp -s "$TMP/flows.rows" "$TMP/csv.rows"
	json=$(cat "$d"/f*.json | python3 -c 'import json, sys
print(sum(1 for line in sys.stdin if json.loads(line)))' 2>&1)
	check "$label: the JSON lines parse, one a record ($json)" [ "$json" = "${records:-x}" ]
	rows=0 bad=""
	for f in "$d"/f*.db; do
		got=$(sqlite3 "$f" 'PRAGMA integrity_check; SELECT count(*) FROM flows' 2>&1 | tr '\n' ' ')
		case $got in "ok "*) rows=$((rows + ${got#ok })) ;; *) bad="$bad $(basename "$f")" ;; esac
	done
	if command -v sqlite3 >/dev/null; then
		check "$label: the databases are consistent and hold every record ($rows)${bad:+:$bad}" \
			[ "$rows" = "${records:-x}" -a -z "$bad" ]
	else
		skip "$label: the databases" "the sqlite3 shell is not installed (make test-deps)"
	fi
	table=$(cat "$d"/f*.txt | grep -c ' -> ')
	sums=$(cat "$d"/f*.txt | awk '/^Summary: / {n += $2} END {print n + 0}')
	check "$label: the table holds every record, its Summary lines say so ($table, $sums)" \
		[ "$table" = "${records:-x}" -a "$sums" = "$table" ]
done
