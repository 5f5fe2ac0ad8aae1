#!/usr/bin/env bash
# reuseport.sh - several flowcollect processes sharing one port with
# --reuseport.  Ten probes, each its own exporter (its own -e address on
# 127.0.0.x, a real capture, v5, v9 or IPFIX), send to two collectors on
# one UDP port and write their exports to -w files.  The kernel gives
# each exporter to one collector: the union of the two collectors' CSV
# rows equals, row for row, what one collector reading the -w files
# prints; no exporter's rows are split between the two; the per-exporter
# counters (datagrams, records, records missing by sequence number) equal
# the reference's.  The same with IPFIX over TCP, and both again with
# --reuseport=2 (by address: four addresses send from a second port too,
# and one exporter is ::1), where each address's rows must all be in the
# process the hash of the address names (computed here as steer.c does).
# Without --reuseport a second collector on a port is refused: one line,
# exit 1.
source "$(dirname "$0")/lib.sh"

require_shared "reuseport" python3

# udp_all_drained PORT: every socket bound to PORT has an empty queue.
udp_all_drained() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" {n++; split($5, q, ":"); if (q[2] != "00000000") busy++}
		END {exit !(n > 0 && busy == 0)}' /proc/net/udp
}

# tcp_all_closed PORT: no connection to PORT is left (each was accepted,
# read to its end and closed by a collector; only the listeners remain).
tcp_all_closed() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" && $4 != "0A" {n++} END {exit n > 0}' \
		/proc/net/tcp /proc/net/tcp6
}

# rows CSV...: the flow rows without the header, the summary and the
# exporter id (column 47: each process numbers its exporters itself).
rows() {
	awk -F, -v OFS=, 'FNR == 1 {body = 1; next} $1 == "Summary" {body = 0} body {$47 = "-"; print}' "$@" |
		LC_ALL=C sort
}
# exporters ERR...: the per-exporter counter lines, without the id and
# a TCP connection's port (the -w file's frames are UDP).
exporters() {
	sed -n 's/^exporter [0-9]* //p' "$@" | sed 's| tcp/[0-9]* | |' | LC_ALL=C sort
}
# addrs CSV: the exporter addresses (ra) of its rows.
addrs() { rows "$1" | cut -d, -f45 | sort -u; }

# Refusals first: a port that is taken.
start_listener solo
"$COLLECT" -p "$solo_PORT" -b 127.0.0.1 >"$TMP/second.out" 2>"$TMP/second.err"
rc=$?
check_that "without --reuseport a taken port is refused: one line, exit 1, no output" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/second.err")" = 1 ] && [ ! -s "$TMP/second.out" ] &&
	 grep -qx "flowcollect: cannot listen on UDP port $solo_PORT: Address already in use (to share a port, start every flowcollect on it with --reuseport)" "$TMP/second.err"'
"$COLLECT" -p "$solo_PORT" -b 127.0.0.1 --reuseport >/dev/null 2>"$TMP/second.err"
rc=$?
check_that "--reuseport cannot join a port taken without it" \
	'[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/second.err")" = 1 ] && grep -q "taken by a process without --reuseport" "$TMP/second.err"'
kill -TERM "$solo_PID"; wait "$solo_PID"
"$COLLECT" -r /dev/null --reuseport >/dev/null 2>"$TMP/second.err"
rc=$?
check_that "--reuseport without -p is refused" \
	'[ "$rc" = 1 ] && grep -qx "flowcollect: --reuseport shares a listening port: it needs -p PORT" "$TMP/second.err"'

# Ten exporters: capture, version, one each.
SPECS="1kxun:9 reddit:10 gnutella:5 KakaoTalk_talk:9 synscan:10 echo-connections:5
	ipsec_isakmp_esp:9 rtsp:10 dns:5 ntp:9"

# steer ADDRESS N: the process --reuseport=N gives ADDRESS to (steer.c).
steer() {
	python3 -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1]).packed
w = 0
for i in range(0, len(a), 4):
    w ^= int.from_bytes(a[i:i + 4], "big")
print((((w * 0x9e3779b1) & 0xffffffff) >> 16) % int(sys.argv[2]))' "$1" "$2"
}

# run_group PROTO [N]: two collectors on one port (--reuseport, or
# --reuseport=N), the ten probes at once, the checks.  With N, four more
# probes send from four of the addresses again (another source port,
# domain 7), one from ::1, and each address's rows must be where steer
# says.
run_group() {
	local proto=$1 steered=${2:-} i=0 spec name v pids="" extra=10
	local P=${1^^}${2:+ by address}
	local opt=--reuseport${steered:+=$steered}
	start_listener a -P "$proto" "$opt" -b :: -o csv:"$TMP/a.csv"
	start_listener b -P "$proto" "$opt" -b :: -o csv:"$TMP/b.csv" -p "$a_PORT"
	if [ -z "$a_PORT" ] || [ "$b_PORT" != "$a_PORT" ]; then
		sed 's/^/# /' "$TMP/a.err" "$TMP/b.err"
		not_ok "$P: two collectors listen on one port with --reuseport"
		kill "$a_PID" "$b_PID" 2>/dev/null
		return
	fi
	ok "$P: two collectors listen on port $a_PORT with --reuseport"
	rm -f "$TMP"/ref*.csv "$TMP"/ref*.err "$TMP"/exp*.pcap
	for spec in $SPECS; do
		i=$((i + 1))
		name=${spec%%:*} v=${spec##*:}
		[ "$proto" = tcp ] && v=10	# IPFIX is the one over TCP
		"$PROBE" -r "$SHARED_PCAPS/$name.pcap" -v "$v" -P "$proto" -e "127.0.0.$((i + 1))" \
			-n "127.0.0.1:$a_PORT" -w "$TMP/exp$i.pcap" >/dev/null 2>&1 &
		pids="$pids $!"
	done
	if [ -n "$steered" ]; then
		for i in 1 2 3 4; do
			"$PROBE" -r "$SHARED_PCAPS/dns.pcap" -v 10 --domain 7 -P "$proto" -e "127.0.0.$((i + 1))" \
				-n "127.0.0.1:$a_PORT" -w "$TMP/exp$((10 + i)).pcap" >/dev/null 2>&1 &
			pids="$pids $!"
		done
		"$PROBE" -r "$SHARED_PCAPS/1kxun.pcap" -v 10 -P "$proto" -e ::1 \
			-n "[::1]:$a_PORT" -w "$TMP/exp15.pcap" >/dev/null 2>&1 &
		pids="$pids $!"
		extra=15
	fi
	# shellcheck disable=SC2086
	wait $pids
	[ "$proto" = udp ] && wait_for udp_all_drained "$a_PORT"
	[ "$proto" = tcp ] && wait_for tcp_all_closed "$a_PORT"
	kill -TERM "$a_PID" "$b_PID"
	wait "$a_PID"; local rca=$?
	wait "$b_PID"; local rcb=$?
	check_that "$P: both collectors exit 0" '[ "$rca" = 0 ] && [ "$rcb" = 0 ]'

	# The reference: one collector reading each probe's -w file.
	for i in $(seq 1 "$extra"); do
		"$COLLECT" -r "$TMP/exp$i.pcap" -o csv:"$TMP/ref$i.csv" 2>"$TMP/ref$i.err" >/dev/null
	done
	rows "$TMP"/ref*.csv >"$TMP/want.rows"
	rows "$TMP/a.csv" "$TMP/b.csv" >"$TMP/got.rows"
	local n
	n=$(wc -l <"$TMP/want.rows")
	if [ "$n" -gt 1000 ] && cmp -s "$TMP/want.rows" "$TMP/got.rows"; then
		ok "$P: the two collectors' rows are one collector's, row for row ($n rows)"
	else
		diff "$TMP/want.rows" "$TMP/got.rows" | head -5 | cut -c1-200 | sed 's/^/# /'
		note "want $n rows, got $(wc -l <"$TMP/got.rows")"
		not_ok "$P: the two collectors' rows are one collector's, row for row"
	fi
	exporters "$TMP"/ref*.err >"$TMP/want.exp"
	exporters "$TMP/a.err" "$TMP/b.err" >"$TMP/got.exp"
	if [ "$(wc -l <"$TMP/want.exp")" = "$extra" ] && cmp -s "$TMP/want.exp" "$TMP/got.exp" &&
	   ! grep -v " 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/got.exp" >/dev/null; then
		ok "$P: each exporter's datagrams and records counted by one collector, none missing"
	else
		diff "$TMP/want.exp" "$TMP/got.exp" | head -6 | sed 's/^/# /'
		grep -v " 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/got.exp" | sed 's/^/# /'
		note "$(wc -l <"$TMP/want.exp") exporters in the reference, $extra probes"
		not_ok "$P: each exporter's datagrams and records counted by one collector, none missing"
	fi
	addrs "$TMP/a.csv" >"$TMP/a.addrs"
	addrs "$TMP/b.csv" >"$TMP/b.addrs"
	local na nb both
	na=$(wc -l <"$TMP/a.addrs") nb=$(wc -l <"$TMP/b.addrs")
	both=$(comm -12 "$TMP/a.addrs" "$TMP/b.addrs" | wc -l)
	check_that "$P: no exporter's rows split between the collectors ($na and $nb exporters)" \
		'[ "$both" = 0 ] && [ $((na + nb)) = $((extra == 15 ? 11 : 10)) ]'
	if [ -n "$steered" ]; then
		local wrong="" x
		for x in $(cat "$TMP/a.addrs"); do [ "$(steer "$x" 2)" = 0 ] || wrong="$wrong $x"; done
		for x in $(cat "$TMP/b.addrs"); do [ "$(steer "$x" 2)" = 1 ] || wrong="$wrong $x"; done
		check_that "$P: each address's rows where the hash of the address says" '[ -z "$wrong" ]'
		[ -z "$wrong" ] || note "misplaced:$wrong"
	fi
	# The hash has a per-boot secret and the probes' ports are the
	# kernel's choice: all ten on one collector is possible (2 in 1024).
	if [ "$na" -gt 0 ] && [ "$nb" -gt 0 ]; then
		ok "$P: both collectors got exporters"
	else
		skip "$P: both collectors got exporters" "the kernel's hash gave all ten to one (2 in 1024)"
	fi
}

run_group udp
run_group tcp
run_group udp 2
run_group tcp 2
