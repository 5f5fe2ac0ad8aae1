#!/usr/bin/env bash
# clickhouse.sh - flowcollect -o clickhouse into a real ClickHouse (Debian's
# clickhouse-server 18.16), started here on free loopback ports in a
# scratch directory as the clickhouse user.  The schema is the one
# --print-schema clickhouse prints.  For real captures exported in v5, v9
# and IPFIX, the table's count(), sum(packets), sum(bytes) and top-10
# sources by bytes equal what the CSV output of the same exports says,
# and the top 10 equals what --stats (-s srcip/bytes) computes.
# A server that is down, without a spool: the rows are reported dropped
# and the exit status is 1, without a crash (tests/e2e/clickhouse_spool.sh
# checks the spool, the replay and the split of refused rows).
source "$(dirname "$0")/lib.sh"

require_shared "clickhouse" python3 curl
if [ ! -x /usr/sbin/clickhouse-server ] || ! command -v clickhouse-client >/dev/null; then
	skip "clickhouse" "clickhouse-server/clickhouse-client are not installed (make test-deps)"
	exit 0
fi
if ! id clickhouse >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	skip "clickhouse" "no clickhouse user or no setpriv to run the server as it"
	exit 0
fi

source "$ROOT/tests/ch_server.sh"
trap 'ch_stop; rm -rf "$TMP"' EXIT
if ! ch_start; then
	not_ok "clickhouse server starts"
	exit 0
fi
ok "clickhouse server starts on 127.0.0.1:$HTTP"

"$COLLECT" --print-schema clickhouse >"$TMP/schema.sql"
check "the printed schema creates the table" \
	clickhouse-client --host 127.0.0.1 --port "$NATIVE" --multiquery <"$TMP/schema.sql"

# The CSV's totals and top 10 sources by bytes (ties by address), as
# the table's queries print them: "count packets bytes", "addr bytes".
csv_totals() {
	awk -F, 'NR > 1 && $1 == "Summary" {exit} NR > 1 {n++; p += $12; b += $13}
		END {printf "%d\t%d\t%d\n", n, p, b}' "$1"
}
csv_top() {
	awk -F, 'NR > 1 && $1 == "Summary" {exit} NR > 1 {b[$4] += $13}
		END {for (a in b) printf "%s\t%d\n", a, b[a]}' "$1" |
		sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -10
}
# Addresses print as IPv4 for a mapped one, as the CSV does.
TOTALS_SQL="SELECT count(), sum(packets), sum(bytes) FROM flows.flows FINAL"
TOP_SQL="SELECT if(substring(src_addr, 1, 12) = unhex('00000000000000000000FFFF'),
	IPv4NumToString(reinterpretAsUInt32(reverse(substring(src_addr, 13, 4)))),
	IPv6NumToString(src_addr)) AS a, sum(bytes) AS b
	FROM flows.flows FINAL GROUP BY a ORDER BY b DESC, a LIMIT 10"
STATS_SQL="SELECT if(substring(src_addr, 1, 12) = unhex('00000000000000000000FFFF'),
	IPv4NumToString(reinterpretAsUInt32(reverse(substring(src_addr, 13, 4)))),
	IPv6NumToString(src_addr)) AS a, count(), sum(packets), sum(bytes) AS b
	FROM flows.flows FINAL GROUP BY src_addr ORDER BY b DESC, src_addr LIMIT 10"

# same_as_csv NAME CSV: the table holds what the CSV says.
same_as_csv() {
	local name=$1 csv=$2
	csv_totals "$csv" >"$TMP/want.tot"
	q "$TOTALS_SQL" >"$TMP/got.tot"
	if [ "$(awk '{print $1}' "$TMP/want.tot")" -gt 0 ] && cmp -s "$TMP/want.tot" "$TMP/got.tot"; then
		ok "clickhouse count, packets, bytes equal the CSV's $name ($(tr '\t' ' ' <"$TMP/got.tot"))"
	else
		note "csv: $(cat "$TMP/want.tot")  clickhouse: $(cat "$TMP/got.tot")"
		not_ok "clickhouse count, packets, bytes equal the CSV's $name"
	fi
	csv_top "$csv" >"$TMP/want.top"
	q "$TOP_SQL" >"$TMP/got.top"
	if [ -s "$TMP/want.top" ] && cmp -s "$TMP/want.top" "$TMP/got.top"; then
		ok "clickhouse top-10 sources by bytes equal the CSV's $name"
	else
		diff "$TMP/want.top" "$TMP/got.top" | head -6 | sed 's/^/# /'
		not_ok "clickhouse top-10 sources by bytes equal the CSV's $name"
	fi
	# The same top 10 as --stats computes it (flowcollect -s srcip/bytes:
	# flows, packets, bytes; equal bytes ranked by address, IPv4 first).
	"$COLLECT" -r "$TMP/exp.pcap" -s srcip/bytes -n 10 -o csv 2>/dev/null |
		awk -F, 'NR > 1 && NF == 14 {printf "%s\t%s\t%s\t%s\n", $5, $6, $8, $10}' >"$TMP/want.stats"
	q "$STATS_SQL" >"$TMP/got.stats"
	if [ -s "$TMP/want.stats" ] && cmp -s "$TMP/want.stats" "$TMP/got.stats"; then
		ok "clickhouse top-10 sources by bytes equal --stats's $name"
	else
		diff "$TMP/want.stats" "$TMP/got.stats" | head -6 | sed 's/^/# /'
		not_ok "clickhouse top-10 sources by bytes equal --stats's $name"
	fi
}

# Exports made by the probe, read by the collector with both outputs; a
# small batch so that every capture takes several POSTs, made by 0 (this
# thread), 2 (the default) or 4 sender threads.
for spec in 1kxun:5:0 1kxun:10:4 dns_fragmented:9:2 echo-connections:10:0 fuzz-2006-06-26-2594:9:2; do
	name=${spec%%:*} v=${spec#*:} par=${spec##*:}
	v=${v%%:*}
	q "TRUNCATE TABLE flows.flows" >/dev/null
	"$PROBE" -r "$SHARED_PCAPS/$name.pcap" -v "$v" -w "$TMP/exp.pcap" 2>/dev/null
	if "$COLLECT" -r "$TMP/exp.pcap" -o csv:"$TMP/flows.csv" -o clickhouse:"$URL" \
		--ch-batch 100 --ch-parallel "$par" 2>"$TMP/err" &&
		grep -q "^clickhouse $URL: \([0-9]*\) rows sent, \1 confirmed, 0 spooled, .* [1-9][0-9]* POSTs, 0 failed$" "$TMP/err"; then
		ok "collector exits 0 with -o clickhouse $name v$v --ch-parallel $par"
	else
		sed 's/^/# /' "$TMP/err" | tail -3
		not_ok "collector exits 0 with -o clickhouse $name v$v --ch-parallel $par"
	fi
	same_as_csv "$name v$v" "$TMP/flows.csv"
done

# The identity makes a batch sent twice one batch: the same exports sent
# again (background merges may already have removed some of the copies),
# read with FINAL, are the rows of once.
"$COLLECT" -r "$TMP/exp.pcap" -o clickhouse:"$URL" --ch-batch 100 2>"$TMP/again.err"
once=$(cut -f1 "$TMP/want.tot")
check_that "a second copy of every batch is removed by FINAL ($once rows)" \
	'grep -q "^clickhouse $URL: $once rows sent, $once confirmed, 0 spooled, 0 replayed, 0 rejected, 0 dropped; 0 waiting in memory, 0 in the spool; [0-9]* POSTs, 0 failed$" "$TMP/again.err" &&
	 [ "$(q "SELECT count() FROM flows.flows FINAL")" = "$once" ] &&
	 [ "$(q "SELECT count() FROM (SELECT exporter, domain, sequence, position FROM flows.flows FINAL
		GROUP BY exporter, domain, sequence, position)")" = "$once" ]'

# Live: probe -> UDP -> listening collector -> ClickHouse, with a
# database and table of our own naming.
"$COLLECT" --print-schema clickhouse --ch-table fp_live.f >"$TMP/live.sql"
clickhouse-client --host 127.0.0.1 --port "$NATIVE" --multiquery <"$TMP/live.sql"
start_collector -o csv:"$TMP/live.csv" -o clickhouse:"$URL" --ch-table fp_live.f
"$PROBE" -r "$SHARED_PCAPS/dns.pcap" -v 10 -n "127.0.0.1:$PORT" 2>/dev/null
wait_for udp_drained "$PORT"
stop_collector
check_that "live collector: the table in --ch-table holds the CSV's rows" \
	'[ "$(q "SELECT count(), sum(bytes) FROM fp_live.f" | tr "\t" " ")" = "$(csv_totals "$TMP/live.csv" | cut -f1,3 | tr "\t" " ")" ] &&
	 [ "$(q "SELECT count() FROM fp_live.f")" -gt 0 ]'

# A server that is down (a port nobody listens on), no spool: the rows
# are said dropped, the exit status is 1, no crash.
down=$(tcp_port)
"$COLLECT" -r "$TMP/exp.pcap" -o clickhouse:"http://127.0.0.1:$down/" --ch-retries 1 \
	>/dev/null 2>"$TMP/down.err"
rc=$?
check_that "server down: exit status 1 and the loss said" \
	'[ "$rc" = 1 ] && grep -q "^flowcollect: clickhouse http://127.0.0.1:$down/: the server does not take rows (.*onnect.*): batches wait (67108864 bytes in memory, then dropped)" "$TMP/down.err" &&
	 grep -q "^flowcollect: clickhouse http://127.0.0.1:$down/: $once rows dropped at exit: the server does not take them" "$TMP/down.err" &&
	 grep -q "^clickhouse http://127.0.0.1:$down/: $once rows sent, 0 confirmed, 0 spooled, 0 replayed, 0 rejected, $once dropped" "$TMP/down.err"'
[ "$rc" = 1 ] || sed 's/^/# /' "$TMP/down.err"

# A table that does not exist: a server's error, not the rows': the
# batches wait (here the spool, for the next run), the reason is shown.
"$COLLECT" -r "$TMP/exp.pcap" -o clickhouse:"$URL" --ch-table nowhere.t --ch-retries 0 \
	--ch-spool "$TMP/nowhere.spool" >/dev/null 2>"$TMP/http.err"
rc=$?
check_that "HTTP error: exit status 1, the server's reason said, the rows kept in the spool" \
	'[ "$rc" = 1 ] && grep -q "does not take rows (HTTP 404: Code: 81, .*nowhere" "$TMP/http.err" &&
	 grep -q "$once rows kept in the spool $TMP/nowhere.spool: the next run sends them" "$TMP/http.err" &&
	 [ -s "$TMP/nowhere.spool" ]'
[ "$rc" = 1 ] || sed 's/^/# /' "$TMP/http.err"

# Bad options: one line, exit 1.
"$COLLECT" -r "$TMP/exp.pcap" -o clickhouse:ftp://x/ >/dev/null 2>"$TMP/bad.err"
rc=$?
check_that "a URL that is not http(s) is refused" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/bad.err")" = 1 ] && grep -q "expected an HTTP address" "$TMP/bad.err"'
"$COLLECT" -r "$TMP/exp.pcap" -o clickhouse:"$URL" --ch-parallel 5 >/dev/null 2>"$TMP/bad.err"
rc=$?
check_that "--ch-parallel 5 is refused" \
	'[ "$rc" = 1 ] && [ "$(cat "$TMP/bad.err")" = "flowcollect: invalid --ch-parallel \"5\": expected 0 to 4" ]'
"$COLLECT" --print-schema clickhouse --ch-table "x;DROP" >/dev/null 2>"$TMP/bad.err"
rc=$?
check_that "a --ch-table that is not DATABASE.TABLE is refused" \
	'[ "$rc" = 1 ] && grep -q "expected DATABASE.TABLE" "$TMP/bad.err"'
