#!/usr/bin/env bash
# clickhouse_spool.sh - nothing lost when ClickHouse is down or refuses
# rows (flowcollect -o clickhouse with --ch-memory and --ch-spool), against
# a real clickhouse-server 18.16 on free loopback ports (tests/ch_server.sh).
#
#  (a) the server stopped in the middle of a paced live stream (probe ->
#      UDP -> collector) and started again: the table read with FINAL holds
#      every record of the collector's own CSV once (count, sums, every
#      row's fields; v5 identities 0..N-1 each once), the spool is gone,
#      and the counters add up (sent = confirmed, spooled = replayed > 0);
#  (b) a collector killed (-9) while the server is down leaves a spool; a
#      torn batch is added to its end; the next run cuts it off, says so,
#      and replays the rest: the table then holds every row;
#  (c) a server-side check refuses some rows (a materialized view with
#      throwIf; 18.16 then refuses the whole batch, HTTP 500): the batch is
#      split, exactly the refused rows are reported with their identity,
#      every other row is stored, and the exit status is 1.
source "$(dirname "$0")/lib.sh"

require_shared "clickhouse spool" python3 curl
if [ ! -x /usr/sbin/clickhouse-server ] || ! command -v clickhouse-client >/dev/null; then
	skip "clickhouse spool" "clickhouse-server/clickhouse-client are not installed (make test-deps)"
	exit 0
fi
if ! id clickhouse >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	skip "clickhouse spool" "no clickhouse user or no setpriv to run the server as it"
	exit 0
fi

source "$ROOT/tests/ch_server.sh"
trap 'ch_stop; [ -n "${PROBE_PID:-}" ] && kill "$PROBE_PID" 2>/dev/null;
	[ -n "${COLLECTOR_PID:-}" ] && kill -KILL "$COLLECTOR_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
if ! ch_start; then
	not_ok "clickhouse server starts"
	exit 0
fi

# ch_halt / ch_resume: stop the server and start it again on the same
# ports and data (ch_start's config).  A SIGTERM'ed 18.16 goes on serving
# a kept-alive connection that stays busy (the collector's, here for the
# whole stream): after 1 s it is killed, as an impatient operator or the
# OOM killer would, and the answers in flight are lost.
ch_halt() {
	local pid=$CH_PID
	kill -TERM "$pid" 2>/dev/null
	( sleep 1; kill -KILL "$pid" 2>/dev/null ) &
	wait "$pid" 2>/dev/null	# our child: kill -0 would see its zombie
	CH_PID=""
}
ch_resume() {
	setpriv --reuid=clickhouse --regid=clickhouse --init-groups -- \
		/usr/sbin/clickhouse-server --config-file="$CH/conf/config.xml" \
		--pidfile="$CH/data/server.pid" >>"$CH/log/stdout" 2>&1 &
	CH_PID=$!
	for _ in $(seq 1 200); do ch_ping && return 0; sleep 0.05; done
	return 1
}
sql() { clickhouse-client --host 127.0.0.1 --port "$NATIVE" --multiquery; }

# The rows of a CSV and of a table, one line each with the fields both
# have: start, end, addresses, ports, packets, bytes.
csv_rows() {
	awk -F, 'NR > 1 && $1 == "Summary" {exit} NR > 1 {print $1 "\t" $2 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $12 "\t" $13}' "$1" | sort
}
ADDR() {
	echo "if(substring($1, 1, 12) = unhex('00000000000000000000FFFF'),
		IPv4NumToString(reinterpretAsUInt32(reverse(substring($1, 13, 4)))), IPv6NumToString($1))"
}
table_rows() {
	q "SELECT toString(time_start, 'UTC'), toString(time_end, 'UTC'), $(ADDR src_addr), $(ADDR dst_addr),
		src_port, dst_port, packets, bytes FROM $1 FINAL FORMAT TabSeparated" | sort
}
# v5 numbers records: the header's sequence counts those sent before the
# datagram, position is 24 + 48 * the record's index in it.
IDX_SQL="sequence + intDiv(position - 24, 48)"
# idx_check TABLE N: the records 0..N-1 of the one exporter, each once.
idx_check() {
	[ "$(q "SELECT count(), uniqExact($IDX_SQL), min($IDX_SQL), max($IDX_SQL) FROM $1 FINAL" | tr '\t' ' ')" = "$2 $2 0 $(($2 - 1))" ]
}
# counters ERRFILE: the last counters line of -o clickhouse, as
# "sent confirmed spooled replayed rejected dropped memory spool".
counters() {
	sed -n 's/^clickhouse [^ ]*: \([0-9]*\) rows sent, \([0-9]*\) confirmed, \([0-9]*\) spooled, \([0-9]*\) replayed, \([0-9]*\) rejected, \([0-9]*\) dropped; \([0-9]*\) waiting in memory, \([0-9]*\) in the spool.*/\1 \2 \3 \4 \5 \6 \7 \8/p' "$1" | tail -1
}

# ---- (a) the server stopped and started again during a live stream ----
"$COLLECT" --print-schema clickhouse --ch-table fp_a.flows | sql
SPOOL="$TMP/a.spool"
start_collector -o csv:"$TMP/a.csv" -o clickhouse:"$URL" --ch-table fp_a.flows \
	--ch-batch 50 --ch-delay 100 --ch-memory 20k --ch-spool "$SPOOL"
# 2000 v5 records in 67 datagrams, 10 a second: about 6 s.
"$PROBE" -r "$SHARED_PCAPS/synscan.pcap" -v 5 -n "127.0.0.1:$PORT" --pace 10 2>/dev/null &
PROBE_PID=$!
sleep 0.5
ch_halt
sleep 1.5
kill -USR1 "$COLLECTOR_PID"
sleep 0.2
during=$(counters "$TMP/collector.err")
ch_resume || note "the server did not come back"
wait "$PROBE_PID"
PROBE_PID=""
wait_for udp_drained "$PORT"
# The queue goes on later rows and pauses (at most 5 s after the last failure).
for _ in $(seq 1 80); do [ -e "$SPOOL" ] || break; sleep 0.1; done
stop_collector
rc=$?
n=$(csv_rows "$TMP/a.csv" | wc -l)
c=$(counters "$TMP/collector.err")
note "$(grep "^clickhouse" "$TMP/collector.err" | tail -1)"
note "while down: $during; at the end: $c (sent confirmed spooled replayed rejected dropped memory spool)"
read -r sent conf spooled replayed rej drop mem left <<<"$c"
check_that "server restarted mid-stream: rows were spooled while it was down" \
	'[ "$(echo "$during" | cut -d" " -f3)" -gt 0 ] && [ "$spooled" -gt 0 ]'
check_that "server restarted mid-stream: exit 0, counters add up (sent = confirmed = $n, spooled = replayed)" \
	'[ "$rc" = 0 ] && [ "$n" -gt 1000 ] && [ "$sent" = "$n" ] && [ "$conf" = "$n" ] &&
	 [ "$spooled" = "$replayed" ] && [ "$rej$drop$mem$left" = 0000 ]'
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/collector.err" | tail -5
check_that "server restarted mid-stream: the spool is removed" '[ ! -e "$SPOOL" ]'
csv_rows "$TMP/a.csv" >"$TMP/a.want"
table_rows fp_a.flows >"$TMP/a.got"
if [ "$n" -gt 0 ] && cmp -s "$TMP/a.want" "$TMP/a.got"; then
	ok "server restarted mid-stream: FINAL holds every CSV row once ($n rows, every field compared)"
else
	diff "$TMP/a.want" "$TMP/a.got" | head -5 | sed 's/^/# /'
	not_ok "server restarted mid-stream: FINAL holds every CSV row once"
fi
check_that "server restarted mid-stream: each record's identity once, 0..$((n - 1))" 'idx_check fp_a.flows "$n"'
check_that "server restarted mid-stream: the message says the outage and the recovery" \
	'grep -q "the server does not take rows (.*): batches wait (20480 bytes in memory, then the spool $SPOOL)" "$TMP/collector.err" &&
	 grep -q "the server takes rows again after [0-9]* failed tries" "$TMP/collector.err"'

# ---- (b) a spool left by a killed collector, with a torn last batch ----
"$COLLECT" --print-schema clickhouse --ch-table fp_b.flows | sql
SPOOL="$TMP/b.spool"
"$PROBE" -r "$SHARED_PCAPS/1kxun.pcap" -v 5 -w "$TMP/b.pcap" 2>/dev/null
ch_halt
start_collector -o csv:"$TMP/b.csv" -o clickhouse:"$URL" --ch-table fp_b.flows \
	--ch-batch 40 --ch-delay 100 --ch-memory 0 --ch-spool "$SPOOL"
"$PROBE" -r "$SHARED_PCAPS/1kxun.pcap" -v 5 -n "127.0.0.1:$PORT" 2>/dev/null
wait_for udp_drained "$PORT"
n=$(csv_rows "$TMP/b.csv" | wc -l)
for _ in $(seq 1 50); do
	kill -USR1 "$COLLECTOR_PID"
	sleep 0.1
	c=$(counters "$TMP/collector.err")
	[ "$(echo "$c" | cut -d' ' -f1,3,7)" = "$n $n 0" ] && break
done
kill -KILL "$COLLECTOR_PID"
wait "$COLLECTOR_PID" 2>/dev/null
COLLECTOR_PID=""
check_that "killed while the server is down: its $n rows are in the spool" \
	'[ "$(echo "$c" | cut -d" " -f1,3,7,8)" = "$n $n 0 $n" ] && [ -s "$SPOOL" ]'
size=$(stat -c %s "$SPOOL")
head -c 100 "$SPOOL" >>"$SPOOL"	# a header and part of a batch: torn
ch_resume || note "the server did not come back"
start_collector -o clickhouse:"$URL" --ch-table fp_b.flows --ch-spool "$SPOOL"
for _ in $(seq 1 100); do [ -e "$SPOOL" ] || break; sleep 0.05; done
stop_collector
rc=$?
read -r sent conf spooled replayed rej drop mem left <<<"$(counters "$TMP/collector.err")"
check_that "the next run cuts the torn batch off and says so" \
	'grep -q "spool $SPOOL: a torn last batch (100 bytes at offset $size): cut off" "$TMP/collector.err"'
check_that "the next run replays the spool first: $n rows, then removes it" \
	'grep -q ": $n rows in [0-9]* batches in the spool $SPOOL from an earlier run: sent first" "$TMP/collector.err" &&
	 [ "$rc" = 0 ] && [ "$conf $replayed $sent" = "$n $n 0" ] && [ ! -e "$SPOOL" ]'
[ "$rc" = 0 ] || sed 's/^/# /' "$TMP/collector.err" | tail -5
csv_rows "$TMP/b.csv" >"$TMP/b.want"
table_rows fp_b.flows >"$TMP/b.got"
check_that "the replayed spool holds every row of the killed run's CSV, once" \
	'[ "$n" -gt 0 ] && cmp -s "$TMP/b.want" "$TMP/b.got" && idx_check fp_b.flows "$n"'

# A spool that is not ours to take: refused before anything is read.
mkdir "$TMP/dir.spool"
"$COLLECT" -r "$TMP/b.pcap" -o clickhouse:"$URL" --ch-spool "$TMP/dir.spool" >/dev/null 2>"$TMP/bad.err"
rc=$?
check_that "a --ch-spool that is not a file is refused" \
	'[ "$rc" = 1 ] && grep -q "spool $TMP/dir.spool: " "$TMP/bad.err"'

# ---- (c) rows the server refuses: the batch is split ----
# A check on the server: a front table (Null engine) whose materialized
# view refuses flows of more than 40 packets (throwIf: Code 395, the
# whole batch refused with HTTP 500), and stores the rest in fp_c.flows.
{
	"$COLLECT" --print-schema clickhouse --ch-table fp_c.flows
	"$COLLECT" --print-schema clickhouse --ch-table fp_c.front | sed '/^ENGINE/,$d'
	echo "ENGINE = Null;"
	echo "CREATE MATERIALIZED VIEW fp_c.chk TO fp_c.flows AS SELECT * FROM fp_c.front WHERE throwIf(packets > 40) = 0;"
} | sql
"$COLLECT" -r "$TMP/b.pcap" -o csv:"$TMP/c.csv" -o clickhouse:"$URL" --ch-table fp_c.front \
	--ch-batch 1000 >/dev/null 2>"$TMP/c.err"
rc=$?
n=$(csv_rows "$TMP/c.csv" | wc -l)
bad=$(awk -F, 'NR > 1 && $12 > 40' "$TMP/c.csv" | wc -l)
read -r sent conf spooled replayed rej drop mem left <<<"$(counters "$TMP/c.err")"
note "$n rows, $bad over 40 packets; counters: $sent $conf $spooled $replayed $rej $drop"
check_that "refused rows: exit 1, $bad rejected, $((n - bad)) confirmed" \
	'[ "$rc" = 1 ] && [ "$bad" -gt 0 ] && [ "$bad" -lt 10 ] && [ "$rej" = "$bad" ] && [ "$conf" = "$((n - bad))" ] && [ "$sent" = "$n" ]'
csv_rows <(awk -F, 'NR == 1 || $12 <= 40' "$TMP/c.csv") >"$TMP/c.want"
table_rows fp_c.flows >"$TMP/c.got"
check_that "refused rows: every other row is stored" 'cmp -s "$TMP/c.want" "$TMP/c.got"'
# The reported identities are the records missing from the table.
sed -n 's/.*row refused: exporter 127\.0\.0\.1 domain 0 sequence \([0-9]*\) position \([0-9]*\): HTTP 500: Code: 395, .*throwIf.*/\1 \2/p' "$TMP/c.err" |
	awk '{print $1 + ($2 - 24) / 48}' | sort -n >"$TMP/c.reported"
q "SELECT number FROM numbers($n) WHERE number NOT IN
	(SELECT toUInt64($IDX_SQL) FROM fp_c.flows) ORDER BY number" >"$TMP/c.missing"
check_that "refused rows: exactly the rows missing from the table are reported, with their identity" \
	'[ "$(wc -l <"$TMP/c.reported")" = "$bad" ] && cmp -s "$TMP/c.reported" "$TMP/c.missing"'
