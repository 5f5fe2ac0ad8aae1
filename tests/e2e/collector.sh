#!/usr/bin/env bash
# collector.sh - the collector's bookkeeping: records missing by sequence
# number, counted per exporter, and the loss report (late, repeated and
# undecodable datagrams, restarts, the kernel's drops on a full socket);
# export over IPv6; malformed datagrams are counted, not fatal.
source "$(dirname "$0")/lib.sh"

# The crafted big_batch capture exports 33 records in 3 datagrams.
"$PROBE" -r "$ROOT/pcaps/big_batch.pcap" -t udp=5 -t expint=60 -w "$TMP/big.pcap" 2>/dev/null
datagrams=$(tshark -r "$TMP/big.pcap" 2>/dev/null | wc -l)

"$COLLECT" -r "$TMP/big.pcap" >/dev/null 2>"$TMP/err"
check "no records missing in a whole export ($datagrams datagrams)" \
	grep -q "^exporter 1 127.0.0.1 v5 domain 0: $datagrams datagrams, 33 records, 0 missing, 0 reordered, 0 bad datagrams$" "$TMP/err"

# Three datagrams whose sequence numbers jump: 0 (+3 records), 3 (+3),
# then 36: 30 records missing.  Built by hand from the v5 layout.
python3 - "$TMP/gap.bin" <<'PY'
import struct, sys
out = open(sys.argv[1], "wb")
for seq in (0, 3, 36):
    hdr = struct.pack("!HHIIIIBBH", 5, 3, 1000, 1700000000, 0, seq, 0, 0, 0)
    rec = struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH", bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1]),
                      bytes(4), 0, 0, 1, 100, 500, 900, 1234, 80, 0, 0x10, 6, 0, 0, 0, 0, 0, 0)
    d = hdr + rec * 3
    out.write(struct.pack("!H", len(d)) + d)
PY
start_collector -o table || not_ok "collector start"
python3 - "$TMP/gap.bin" "$PORT" <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i = 0
while i < len(data):
    n, = struct.unpack_from("!H", data, i)
    s.sendto(data[i + 2:i + 2 + n], ("127.0.0.1", int(sys.argv[2])))
    i += 2 + n
s.sendto(b"\x00\x05\x00", ("127.0.0.1", int(sys.argv[2])))   # 3 bytes: truncated
PY
stop_collector
check "sequence gap of 30 records counted, truncated datagram counted" \
	grep -q "^exporter 1 127.0.0.1 v5 domain 0: 3 datagrams, 9 records, 30 missing, 0 reordered, 1 bad datagrams$" "$TMP/collector.err"
check "loss report: 30 of 39 records missing (76.92%), 1 undecodable" \
	grep -q "^  loss: 30 of 39 records missing by sequence number (76\.92%); undecodable datagrams: 1$" "$TMP/collector.err"
check "the 9 decoded records are shown" grep -q "^Summary: 9 flows, 9 packets, 900 octets$" "$TMP/collector.out"

# IPv6 transport: probe -> [::1] -> collector listening on ::1.
if "$COLLECT" -p 0 -b ::1 >"$TMP/v6.out" 2>"$TMP/v6.err" & then
	pid=$!
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^flowcollect: listening on UDP port \([0-9]*\)$/\1/p' "$TMP/v6.err")
		[ -n "$port" ] && break
		sleep 0.05
	done
	"$PROBE" -r "$ROOT/pcaps/demo.pcap" -n "[::1]:$port" 2>/dev/null
	kill -TERM "$pid"
	wait "$pid"
	check "export over IPv6 to [::1]" grep -q "^exporter 1 ::1 v5 domain 0: 1 datagrams, 10 records, 0 missing" "$TMP/v6.err"
	check "IPv6 export carries the demo's flows" cmp -s "$TMP/v6.out" "$ROOT/pcaps/demo.expected"
fi

# The loss report, from a real v5 export (bench/gencap's fixed seed: the
# same export every run) with datagrams taken out, moved, repeated, and
# the whole export sent twice over (a restart).  What is missing is what
# the datagrams taken out announce in their headers, as python reads them.
EDIT="python3 $ROOT/tests/e2e/pcap_datagrams.py"
"$ROOT/$BUILD/gencap" -n 20000 -f 600 -S 7 -o "$TMP/gen.pcap" 2>/dev/null
"$PROBE" -r "$TMP/gen.pcap" -w "$TMP/gen.v5" 2>/dev/null
n=$($EDIT count "$TMP/gen.v5")
total=$($EDIT records "$TMP/gen.v5")
lost=$($EDIT records "$TMP/gen.v5" 3 4 10)
pct=$(python3 -c "print('%.2f' % ($lost * 100 / $total))")
$EDIT keep "$TMP/gen.v5" "$TMP/drop.v5" 0-2 5-9 11-$((n - 1))
"$COLLECT" -r "$TMP/drop.v5" -o csv:/dev/null 2>"$TMP/drop.err"
check_that "3 of $n datagrams taken out: $lost of $total records missing ($pct%)" \
	'[ "$lost" -gt 0 ] && [ "$n" -gt 12 ] &&
	 grep -q "^exporter 1 127.0.0.1 v5 domain 0: $((n - 3)) datagrams, $((total - lost)) records, $lost missing, 0 reordered, 0 bad datagrams$" "$TMP/drop.err" &&
	 grep -q "^  loss: $lost of $total records missing by sequence number ($pct%)$" "$TMP/drop.err"'

# Datagram 5 after 8: counted missing at 6, taken off when it comes.
$EDIT keep "$TMP/gen.v5" "$TMP/late.v5" 0-4 6-8 5 9-$((n - 1))
"$COLLECT" -r "$TMP/late.v5" -o csv:/dev/null 2>"$TMP/late.err"
check_that "a datagram 3 late: nothing missing, 1 late" \
	'grep -q "^exporter 1 127.0.0.1 v5 domain 0: $n datagrams, $total records, 0 missing, 1 reordered, 0 bad datagrams$" "$TMP/late.err" &&
	 grep -q "^  loss: 0 of $total records missing by sequence number (0.00%); late or repeated datagrams: 1$" "$TMP/late.err"'

again=$($EDIT records "$TMP/gen.v5" 4)
$EDIT keep "$TMP/gen.v5" "$TMP/dup.v5" 0-4 4 5-$((n - 1))
"$COLLECT" -r "$TMP/dup.v5" -o csv:/dev/null 2>"$TMP/dup.err"
check_that "a datagram twice: nothing missing, 1 repeated" \
	'grep -q "^exporter 1 127.0.0.1 v5 domain 0: $((n + 1)) datagrams, $((total + again)) records, 0 missing, 1 reordered, 0 bad datagrams$" "$TMP/dup.err" &&
	 grep -q "^  loss: 0 of $((total + again)) records missing by sequence number (0.00%); late or repeated datagrams: 1$" "$TMP/dup.err"'

$EDIT cat "$TMP/twice.v5" "$TMP/gen.v5" "$TMP/gen.v5"
"$COLLECT" -r "$TMP/twice.v5" -o csv:/dev/null 2>"$TMP/twice.err"
check_that "the export twice over: one sequence restart, nothing missing" \
	'grep -q "^  loss: 0 of $((2 * total)) records missing by sequence number (0.00%); sequence restarts: 1$" "$TMP/twice.err"'

# v9 numbers datagrams: 2 taken out, their records estimated.
"$PROBE" -r "$TMP/gen.pcap" -v 9 -w "$TMP/gen.v9" 2>/dev/null
n9=$($EDIT count "$TMP/gen.v9")
$EDIT keep "$TMP/gen.v9" "$TMP/drop.v9" 0-2 4-6 8-$((n9 - 1))
"$COLLECT" -r "$TMP/drop.v9" -o csv:/dev/null 2>"$TMP/drop9.err"
m9=$(sed -n "s/^exporter 1 127.0.0.1 v9 domain 0: $((n9 - 2)) datagrams, [0-9]* records, \([0-9]*\) missing, 0 reordered, 0 bad datagrams$/\1/p" "$TMP/drop9.err")
check_that "v9: 2 of $n9 datagrams taken out: ${m9:-?} records missing, estimated from 2 datagrams" \
	'[ -n "$m9" ] && [ "$m9" -gt 0 ] &&
	 grep -q "^  loss: $m9 of [0-9]* records missing by sequence number ([0-9.]*%), estimated from 2 datagrams missing$" "$TMP/drop9.err"'

# Loss at both ends: a burst into a stopped collector overflows its
# socket's receive queue.  The kernel's count of what it dropped, and the
# records missing by sequence number once one more datagram comes, both
# account for every datagram sent; SIGUSR1 reports the count too.
burst=60000
start_collector -o csv:/dev/null || not_ok "collector start"
kill -STOP "$COLLECTOR_PID"
$EDIT blast 127.0.0.1 "$PORT" $burst 29
kill -CONT "$COLLECTOR_PID"
wait_for udp_drained "$PORT"
$EDIT blast 127.0.0.1 "$PORT" 1 29 $burst
wait_for udp_drained "$PORT"
kill -USR1 "$COLLECTOR_PID"
wait_for grep -q "dropped by the kernel" "$TMP/collector.err"
stop_collector
got=$(sed -n 's/^exporter 1 127.0.0.1 v5 domain 0: \([0-9]*\) datagrams.*/\1/p' "$TMP/collector.err" | tail -1)
dropped=$(sed -n "s/^flowcollect: \([0-9]*\) datagrams dropped by the kernel, the UDP socket's receive queue full$/\1/p" "$TMP/collector.err" | tail -1)
check_that "a burst of $((burst + 1)) datagrams into a stopped collector: ${dropped:-?} dropped by the kernel, ${got:-?} received" \
	'[ -n "$dropped" ] && [ "$dropped" -gt 0 ] && [ $((dropped + got)) = $((burst + 1)) ] &&
	 [ "$(grep -c "dropped by the kernel" "$TMP/collector.err")" = 2 ]'
check_that "the records missing by sequence number are the dropped datagrams' ($((${dropped:-0} * 29)))" \
	'grep -q "^  loss: $((dropped * 29)) of $(((burst + 1) * 29)) records missing by sequence number" "$TMP/collector.err"'
check "reading a file, no kernel line" bash -c "! grep -q 'dropped by the kernel' '$TMP/drop.err'"
