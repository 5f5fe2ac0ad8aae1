#!/usr/bin/env bash
# datasets.sh - a dataset from a capture: the README's one-line pipe
# (flowprobe -w - | flowcollect -r -) gives, record for record and byte
# for byte, the dataset a listening collector makes of the same exports
# sent over UDP; run again, the pipe gives the same bytes.
source "$(dirname "$0")/lib.sh"

require_shared "datasets" python3

for name in test dns KakaoTalk_talk 1kxun synscan v6; do
	cap="$SHARED_PCAPS/$name.pcap"
	[ -f "$cap" ] || { skip "dataset $name" "no $name.pcap in ../shared/pcaps"; continue; }
	for v in 5 9 10; do
		[ "$name" = v6 ] && [ "$v" = 5 ] && continue	# v5 carries no IPv6
		"$PROBE" -r "$cap" -v "$v" -w - 2>/dev/null |
			"$COLLECT" -r - -o csv -o json:"$TMP/pipe.json" >"$TMP/pipe.csv" 2>/dev/null
		rows=$(($(wc -l <"$TMP/pipe.csv") - 4))
		if ! start_collector -o csv:"$TMP/udp.csv" -o json:"$TMP/udp.json"; then
			not_ok "dataset $name v$v: collector started"
			continue
		fi
		"$PROBE" -r "$cap" -v "$v" -n "127.0.0.1:$PORT" 2>/dev/null
		wait_for udp_drained "$PORT"
		stop_collector
		if [ "$rows" -gt 0 ] && cmp -s "$TMP/pipe.csv" "$TMP/udp.csv"; then
			ok "dataset $name v$v: the pipe equals UDP, byte for byte ($rows rows)"
		else
			diff "$TMP/pipe.csv" "$TMP/udp.csv" | head -4 | sed 's/^/# /'
			not_ok "dataset $name v$v: the pipe equals UDP ($rows rows)"
		fi
		check "dataset $name v$v: JSON too" cmp -s "$TMP/pipe.json" "$TMP/udp.json"
		"$PROBE" -r "$cap" -v "$v" -w - 2>/dev/null |
			"$COLLECT" -r - -o csv -o json:"$TMP/again.json" >"$TMP/again.csv" 2>/dev/null
		check_that "dataset $name v$v: the pipe again, the same bytes" \
			'cmp -s "$TMP/pipe.csv" "$TMP/again.csv" && cmp -s "$TMP/pipe.json" "$TMP/again.json"'
	done
done
