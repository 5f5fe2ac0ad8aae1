#!/usr/bin/env bash
# clickhouse_cluster.sh - flowcollect into a ClickHouse cluster of two
# shards (Debian's clickhouse-server 18.16, two servers on free loopback
# ports, one replica each, no ZooKeeper), read through the Distributed
# table --print-schema clickhouse-distributed creates.
#
# The usual way: two collectors share one UDP port (--reuseport=2: by
# exporter address), each inserting into its own shard's local table; ten
# probes, each its own exporter on a real capture (127.0.0.2 to .11: six
# go to the first collector, four to the second).  Then the other way: one collector inserting
# into the Distributed table, which spreads the rows by their identity.
# Both ways, count(), sum(packets), sum(bytes) through the Distributed
# table equal the CSV's, and both shards hold rows.
source "$(dirname "$0")/lib.sh"

require_shared "clickhouse_cluster" python3 curl
if [ ! -x /usr/sbin/clickhouse-server ] || ! command -v clickhouse-client >/dev/null; then
	skip "clickhouse_cluster" "clickhouse-server/clickhouse-client are not installed (make test-deps)"
	exit 0
fi
if ! id clickhouse >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	skip "clickhouse_cluster" "no clickhouse user or no setpriv to run the server as it"
	exit 0
fi

source "$ROOT/tests/ch_server.sh"
# Two servers: both configured with the cluster "flows" before either starts.
ch_ports; H1=$HTTP N1=$NATIVE I1=$INTER
ch_ports; H2=$HTTP N2=$NATIVE I2=$INTER
CLUSTER="<remote_servers><flows>
  <shard><replica><host>127.0.0.1</host><port>$N1</port></replica></shard>
  <shard><replica><host>127.0.0.1</host><port>$N2</port></replica></shard>
</flows></remote_servers>"
CH1="" CH2="" PID1="" PID2=""
stop_all() {
	CH=$CH1 CH_PID=$PID1 ch_stop
	CH=$CH2 CH_PID=$PID2 ch_stop
	rm -rf "$TMP"
}
trap stop_all EXIT
HTTP=$H1 NATIVE=$N1 INTER=$I1 ch_launch "$CLUSTER"; rc1=$?
CH1=$CH PID1=$CH_PID URL1=$URL
HTTP=$H2 NATIVE=$N2 INTER=$I2 ch_launch "$CLUSTER"; rc2=$?
CH2=$CH PID2=$CH_PID URL2=$URL
if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
	not_ok "two clickhouse servers start"
	exit 0
fi
ok "two clickhouse servers start (HTTP $H1 and $H2)"

# q1 / q2 SQL: a query on the first / the second server.
q1() { curl -sS --fail-with-body --data-binary "$1" "$URL1"; }
q2() { curl -sS --fail-with-body --data-binary "$1" "$URL2"; }

"$COLLECT" --print-schema clickhouse >"$TMP/local.sql"
"$COLLECT" --print-schema clickhouse-distributed >"$TMP/dist.sql"
for n in "$N1" "$N2"; do
	clickhouse-client --host 127.0.0.1 --port "$n" --multiquery <"$TMP/local.sql" &&
		clickhouse-client --host 127.0.0.1 --port "$n" --multiquery <"$TMP/dist.sql" ||
		echo "# schema on port $n failed"
done
check_that "the printed schemas create the local and the Distributed tables on both" \
	'[ "$(q1 "SELECT count() FROM system.tables WHERE database = '"'flows'"'")" = 2 ] &&
	 [ "$(q2 "SELECT count() FROM system.tables WHERE database = '"'flows'"'")" = 2 ] &&
	 [ "$(q1 "SELECT count() FROM system.clusters WHERE cluster = '"'flows'"'")" = 2 ]'

# csv_totals CSV...: "count packets bytes" of the rows, as the queries print.
csv_totals() {
	awk -F, 'FNR == 1 {body = 1; next} $1 == "Summary" {body = 0}
		body {n++; p += $12; b += $13} END {printf "%d\t%d\t%d\n", n, p, b}' "$@"
}
TOTALS="SELECT count(), sum(packets), sum(bytes) FROM flows.flows_all FINAL"
LOCAL="SELECT count() FROM flows.flows FINAL"

# totals_equal NAME CSV...: the Distributed table holds what the CSVs say,
# and each shard some of it.
totals_equal() {
	local name=$1 want got s1 s2
	shift
	want=$(csv_totals "$@")
	got=$(q1 "$TOTALS")
	s1=$(q1 "$LOCAL") s2=$(q2 "$LOCAL")
	if [ "$(echo "$want" | cut -f1)" -gt 1000 ] && [ "$want" = "$got" ] &&
	   [ "$((s1 + s2))" = "$(echo "$got" | cut -f1)" ]; then
		ok "$name: count, packets, bytes through the Distributed table equal the CSV's ($(echo "$got" | tr '\t' ' '))"
	else
		note "csv: $want  distributed: $got  shards: $s1 + $s2"
		not_ok "$name: count, packets, bytes through the Distributed table equal the CSV's"
	fi
	SHARD1=$s1 SHARD2=$s2
}

SPECS="1kxun:9 reddit:10 gnutella:5 KakaoTalk_talk:9 synscan:10 echo-connections:5
	ipsec_isakmp_esp:9 rtsp:10 dns:5 ntp:9"

# 1. Two collectors on one port, each into its own shard's local table.
start_listener a --reuseport=2 -o csv:"$TMP/a.csv" -o clickhouse:"$URL1" --ch-batch 500
start_listener b --reuseport=2 -o csv:"$TMP/b.csv" -o clickhouse:"$URL2" --ch-batch 500 -p "$a_PORT"
if [ -z "$a_PORT" ] || [ "$b_PORT" != "$a_PORT" ]; then
	sed 's/^/# /' "$TMP/a.err" "$TMP/b.err"
	not_ok "two collectors share a port, one shard each"
	exit 0
fi
i=0 pids=""
for spec in $SPECS; do
	i=$((i + 1))
	name=${spec%%:*} v=${spec##*:}
	"$PROBE" -r "$SHARED_PCAPS/$name.pcap" -v "$v" -e "127.0.0.$((i + 1))" \
		-n "127.0.0.1:$a_PORT" -w "$TMP/exp$i.pcap" >/dev/null 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
udp_all_drained() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" {n++; split($5, q, ":"); if (q[2] != "00000000") busy++}
		END {exit !(n > 0 && busy == 0)}' /proc/net/udp
}
wait_for udp_all_drained "$a_PORT"
kill -TERM "$a_PID" "$b_PID"
wait "$a_PID"; rca=$?
wait "$b_PID"; rcb=$?
check_that "two collectors on one port, one shard each: both exit 0" '[ "$rca" = 0 ] && [ "$rcb" = 0 ]'
[ "$rca" = 0 ] && [ "$rcb" = 0 ] || sed 's/^/# /' "$TMP/a.err" "$TMP/b.err" | grep -v "^# exporter\|^#   "
totals_equal "collectors per shard" "$TMP/a.csv" "$TMP/b.csv"
# The probes' own exports, read by one collector: the same totals.
for i in $(seq 1 10); do
	"$COLLECT" -r "$TMP/exp$i.pcap" -o csv:"$TMP/ref$i.csv" >/dev/null 2>&1
done
check_that "collectors per shard: the same totals as one collector reading the exports" \
	'[ "$(csv_totals "$TMP"/ref*.csv)" = "$(q1 "$TOTALS")" ]'
check_that "collectors per shard: each shard holds its collector's rows ($SHARD1 and $SHARD2)" \
	'[ "$SHARD1" = "$(csv_totals "$TMP/a.csv" | cut -f1)" ] && [ "$SHARD2" = "$(csv_totals "$TMP/b.csv" | cut -f1)" ]'
check_that "collectors per shard: six exporters' rows on the first shard, four on the second" \
	'[ "$(q1 "SELECT uniqExact(exporter) FROM flows.flows")" = 6 ] &&
	 [ "$(q2 "SELECT uniqExact(exporter) FROM flows.flows")" = 4 ] && [ "$SHARD2" -gt 0 ]'

# 2. One collector inserting into the Distributed table (synchronously:
# the answer then says the shards have the rows).
q1 "TRUNCATE TABLE flows.flows" >/dev/null
q2 "TRUNCATE TABLE flows.flows" >/dev/null
for i in $(seq 1 10); do
	"$COLLECT" -r "$TMP/exp$i.pcap" -o csv:"$TMP/d$i.csv" \
		-o clickhouse:"${URL1}?insert_distributed_sync=1" --ch-table flows.flows_all \
		--ch-batch 500 >/dev/null 2>"$TMP/d.err" || tail -3 "$TMP/d.err" | sed 's/^/# /'
done
totals_equal "into the Distributed table" "$TMP"/d*.csv
check_that "into the Distributed table: both shards got rows ($SHARD1 and $SHARD2)" \
	'[ "$SHARD1" -gt 0 ] && [ "$SHARD2" -gt 0 ]'
# The same exports again: every record's copy goes to the shard of the
# first, where FINAL removes it.
"$COLLECT" -r "$TMP/exp1.pcap" -o clickhouse:"${URL1}?insert_distributed_sync=1" \
	--ch-table flows.flows_all >/dev/null 2>"$TMP/again.err"
once=$(csv_totals "$TMP/d1.csv" | cut -f1)
check_that "into the Distributed table: a batch sent twice is counted once ($once rows)" \
	'grep -q "^clickhouse ${URL1}: $once rows sent, $once confirmed, .* 1 POSTs, 0 failed$" "$TMP/again.err" &&
	 [ "$(q1 "$TOTALS")" = "$(csv_totals "$TMP"/d*.csv)" ]'
