#!/usr/bin/env bash
# collector.sh - the collector's bookkeeping: records missing by sequence
# number, counted per exporter; export over IPv6; malformed datagrams are
# counted, not fatal.
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
