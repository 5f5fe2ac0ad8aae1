#!/usr/bin/env bash
# malformed.sh - damaged and odd captures, real (../shared/pcaps) and made
# here from a copy of test.pcap.  For each, the probe's exit status and
# first stderr line word for word, and never a sanitizer report.  Three
# outcomes:
#   - no packet can be read: one line, "cannot read capture file", exit 1,
#     nothing exported;
#   - damaged part way: "is damaged after N packets: ...; exporting the
#     flows read before it", statistics, exit 1; N is what tshark reads
#     before the fault, and so are the packets in the statistics
#     (processed + non-IP), and the flows exported equal tshark's count of
#     that readable part (tshark_flows.py);
#   - readable with odd packets: statistics, exit 0, the same two counts
#     against tshark over the whole file.
# And flowcollect -r on each file (they hold no NetFlow): what it found,
# its exit status, no crash.
source "$(dirname "$0")/lib.sh"

require_shared "malformed captures" tshark python3

# Byte surgery on classic pcap and pcapng files, by record number.
cat >"$TMP/surgery.py" <<'PY'
import struct, sys

def records(d):
    """(number, offset, caplen) of each record of a little-endian pcap."""
    off, n = 24, 0
    while off + 16 <= len(d):
        n += 1
        caplen, = struct.unpack_from("<I", d, off + 8)
        yield n, off, caplen
        off += 16 + caplen

cmd, path = sys.argv[1], sys.argv[2]
d = bytearray(open(path, "rb").read())
if cmd == "offset":             # offset FILE K: where record K starts
    k = int(sys.argv[3])
    print(next(off for n, off, _ in records(d) if n == k))
elif cmd == "last":             # last FILE: number, offset and caplen of the last record
    print(*list(records(d))[-1])
elif cmd == "snaplen":          # snaplen FILE N: the header's snaplen := N
    struct.pack_into("<I", d, 16, int(sys.argv[3]))
    open(path, "wb").write(d)
elif cmd == "shorten-len":      # shorten-len FILE K D: record K's len := caplen - D
    k, delta = int(sys.argv[3]), int(sys.argv[4])
    n, off, caplen = next(r for r in records(d) if r[0] == k)
    struct.pack_into("<I", d, off + 12, caplen - delta)
    open(path, "wb").write(d)
elif cmd == "usec":             # usec FILE K V: record K's fraction field := V
    k, v = int(sys.argv[3]), int(sys.argv[4])
    n, off, caplen = next(r for r in records(d) if r[0] == k)
    struct.pack_into("<I", d, off + 4, v)
    open(path, "wb").write(d)
elif cmd == "pcapng":           # pcapng IN OUT: the same packets as pcapng
    linktype, = struct.unpack_from("<I", d, 20)
    snaplen, = struct.unpack_from("<I", d, 16)
    out = struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28)
    out += struct.pack("<IIHHII", 1, 20, linktype, 0, snaplen, 20)
    for n, off, caplen in records(d):
        sec, usec, _, length = struct.unpack_from("<IIII", d, off)
        data = bytes(d[off + 16:off + 16 + caplen])
        data += bytes(-len(data) % 4)
        ts = sec * 1000000 + usec
        blen = 32 + len(data)
        out += struct.pack("<IIIIIII", 6, blen, 0, ts >> 32, ts & 0xffffffff, caplen, length)
        out += data + struct.pack("<I", blen)
    open(sys.argv[3], "wb").write(out)
elif cmd == "block":            # block FILE K: where the K-th packet block starts
    k, off, n = int(sys.argv[3]), 0, 0
    while off < len(d):
        btype, blen = struct.unpack_from("<II", d, off)
        if btype == 6:
            n += 1
            if n == k:
                print(off)
                break
        off += blen
PY
surgery() { python3 "$TMP/surgery.py" "$@"; }

# frames CAPTURE: the frames tshark reads (up to a fault, if any).
frames() { tshark -r "$1" -n -T fields -e frame.number 2>/dev/null | wc -l; }

# sanitizer_free FILE: no ASan/UBSan report in it.
sanitizer_free() { ! grep -qE 'Sanitizer|runtime error' "$1"; }

# run_probe NAME CAPTURE [ARGS...]: flowprobe -r CAPTURE -w NAME.exp; its
# stderr in $TMP/NAME.err, its exit status in RC.
run_probe() {
	local name=$1 cap=$2
	shift 2
	rm -f "$TMP/$name.exp"
	"$PROBE" -r "$cap" -w "$TMP/$name.exp" "$@" >/dev/null 2>"$TMP/$name.err"
	RC=$?
}

# stat_of NAME WHAT: a number from the statistics in $TMP/NAME.err.
stat_of() {
	case $2 in
	processed) sed -n 's/^Packets processed: \([0-9]*\)$/\1/p' "$TMP/$1.err" ;;
	non-ip) sed -n 's/^Ignored packets: [0-9]* (\([0-9]*\) non-IP, [0-9]* too short)$/\1/p' "$TMP/$1.err" ;;
	bad) sed -n 's/^Ignored packets: [0-9]* ([0-9]* non-IP, \([0-9]*\) too short)$/\1/p' "$TMP/$1.err" ;;
	esac
}

# expect_first NAME RC "LINE": the probe's exit status and first stderr
# line, and no sanitizer report.
expect_first() {
	local name=$1 want_rc=$2 want=$3 got
	got=$(head -1 "$TMP/$name.err")
	if [ "$RC" -eq "$want_rc" ] && [ "$got" = "$want" ] && sanitizer_free "$TMP/$name.err"; then
		ok "$name: exit $want_rc, first line as expected"
	else
		note "exit $RC (wanted $want_rc); stderr:"
		sed 's/^/#   /' "$TMP/$name.err" | head -8
		note "wanted: $want"
		not_ok "$name: exit $want_rc, first line as expected"
	fi
}

# expect_unreadable NAME CAPTURE "REASON": one line, exit 1, no export.
expect_unreadable() {
	local name=$1 cap=$2 why=$3
	run_probe "$name" "$cap"
	expect_first "$name" 1 "flowprobe: cannot read capture file \"$cap\": $why"
	check "$name: that one line only, nothing exported" \
		test "$(wc -l <"$TMP/$name.err")" -eq 1 -a ! -e "$TMP/$name.exp"
}

# expect_count NAME READABLE FRAMES: the statistics ran to their end, and
# the packets they count (processed + non-IP) are FRAMES, which is also
# tshark's count of READABLE (the part of the capture before any fault).
expect_count() {
	local name=$1 readable=$2 want=$3 t p x
	t=$(frames "$readable")
	p=$(stat_of "$name" processed)
	x=$(stat_of "$name" non-ip)
	if [ "$t" -eq "$want" ] && [ -n "$p" ] && [ -n "$x" ] && [ $((p + x)) -eq "$want" ] &&
	   tail -1 "$TMP/$name.err" | grep -q '^Flow table memory: [0-9]* bytes$'; then
		ok "$name: $want packets read ($p processed, $x non-IP), as tshark reads"
	else
		note "tshark reads $t; statistics: ${p:-?} processed, ${x:-?} non-IP; wanted $want"
		tail -3 "$TMP/$name.err" | sed 's/^/#   /'
		not_ok "$name: $want packets read, as tshark reads"
	fi
}

# expect_flows NAME READABLE: the flows exported (decoded by the collector
# into $TMP/NAME.table) equal tshark's count of READABLE.
expect_flows() {
	local name=$1 readable=$2
	"$COLLECT" -r "$TMP/$name.exp" >"$TMP/$name.table" 2>"$TMP/$name.cerr"
	if python3 "$ROOT/tests/e2e/tshark_flows.py" "$readable" "$TMP/$name.table" >"$TMP/$name.cmp" &&
	   sanitizer_free "$TMP/$name.cerr"; then
		ok "$name: flows exported equal tshark's count ($(tail -1 "$TMP/$name.cmp" | sed 's/^# //'))"
	else
		cat "$TMP/$name.cmp"
		not_ok "$name: flows exported equal tshark's count"
	fi
}

# expect_damaged NAME CAPTURE N "REASON" READABLE: damaged after N packets.
expect_damaged() {
	local name=$1 cap=$2 n=$3 why=$4 readable=$5 pk=packets
	[ "$n" -eq 1 ] && pk=packet
	run_probe "$name" "$cap"
	expect_first "$name" 1 \
		"flowprobe: capture file \"$cap\" is damaged after $n $pk: $why; exporting the flows read before it"
	expect_count "$name" "$readable" "$n"
	expect_flows "$name" "$readable"
}

# expect_clean NAME CAPTURE N: read to its end, exit 0, N packets.
expect_clean() {
	local name=$1 cap=$2 n=$3
	run_probe "$name" "$cap"
	expect_first "$name" 0 "Number of active flows: 0"
	expect_count "$name" "$cap" "$n"
	expect_flows "$name" "$cap"
}

# expect_bad NAME N: N packets counted bad (too short or a bad IP header),
# as many as tshark finds an IPv4 header in but cannot read it.
expect_bad() {
	local name=$1 cap=$2 want=$3 b t
	b=$(stat_of "$name" bad)
	t=$(tshark -r "$cap" -n -Y 'ip && !ip.proto' 2>/dev/null | wc -l)
	if [ "$b" = "$want" ] && [ "$t" -eq "$want" ]; then
		ok "$name: $want bad IPv4 headers, as tshark finds"
	else
		note "ours ${b:-?}, tshark $t, wanted $want"
		not_ok "$name: $want bad IPv4 headers, as tshark finds"
	fi
}

# expect_collector NAME CAPTURE RC "LINE": flowcollect -r on the capture
# itself: exit status, first stderr line, no flow, no sanitizer report.
expect_collector() {
	local name=$1 cap=$2 want_rc=$3 want=$4 rc got
	"$COLLECT" -r "$cap" >"$TMP/$name.cout" 2>"$TMP/$name.cerr"
	rc=$?
	got=$(head -1 "$TMP/$name.cerr")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ] && sanitizer_free "$TMP/$name.cerr" &&
	   { [ "$rc" -ne 0 ] || tail -1 "$TMP/$name.cout" | grep -q '^Summary: 0 flows, 0 packets, 0 octets$'; }; then
		ok "$name: collector exit $want_rc, says what it found"
	else
		note "collector exit $rc (wanted $want_rc); stderr:"
		sed 's/^/#   /' "$TMP/$name.cerr" | head -5
		tail -1 "$TMP/$name.cout" | sed 's/^/#   stdout: /'
		note "wanted: $want"
		not_ok "$name: collector exit $want_rc, says what it found"
	fi
}

# nothing_lost NAME CAPTURE: what tshark reads in a capture we refuse
# holds no IPv4 flow, the only kind v5 exports.
: >"$TMP/no.table"
nothing_lost() {
	if python3 "$ROOT/tests/e2e/tshark_flows.py" "$2" "$TMP/no.table" >"$TMP/$1.lost"; then
		ok "$1: tshark reads $(frames "$2") frames there, no IPv4 flow among them"
	else
		cat "$TMP/$1.lost"
		not_ok "$1: tshark reads no IPv4 flow there"
	fi
}

S=$SHARED_PCAPS

# ---- real captures ----

# Nanosecond magic, version 2.0, snaplen 0, link type field 0x40000000.
# libpcap (like tshark) reads a version before 2.3 with caplen and len
# swapped, as such files were written, so the first record is 197 bytes
# captured of 524,501; snaplen 0 means libpcap's maximum, 262144; the link
# type is LT_LINKTYPE(0x40000000) = NULL, the top bits being an FCS length
# nothing uses.  Its family word is no protocol (non-IP).  Then 2 bytes of
# a second record header, and the end: tshark reads the same one frame.
f=fuzz-2021-10-13.pcap
expect_damaged "$f" "$S/$f" 1 \
	"truncated dump file; tried to read 16 header bytes, only got 2 (the file ends inside the record header of packet 2)" \
	"$S/$f"
expect_collector "$f" "$S/$f" 1 \
	"flowcollect: capture file \"$S/$f\" is damaged after 1 packet: truncated dump file; tried to read 16 header bytes, only got 2 (the file ends inside the record header of packet 2); decoding the datagrams read before it"

# A readable file of fuzzed packets: bogus versions and header lengths,
# fragments, UDP lengths past the datagram.  All 691 frames read; the 7
# IPv4 headers tshark cannot read are our bad ones; 292 one-way 5-tuples.
f=fuzz-2006-06-26-2594.pcap
expect_clean "$f" "$S/$f" 691
expect_bad "$f" "$S/$f" 7
# Every unfragmented UDP datagram (tshark counts 521) is offered to the
# decoder, and none is NetFlow.
udp=$(tshark -r "$S/$f" -n -Y 'udp && ip.frag_offset == 0 && ip.flags.mf == 0' 2>/dev/null | wc -l)
check "$f: tshark counts 521 unfragmented UDP datagrams" test "$udp" -eq 521
expect_collector "$f" "$S/$f" 0 "flowcollect: 521 of 521 datagrams could not be decoded"

# 126 interface blocks of mixed link types and snaplens: valid pcapng,
# which tshark reads (18 IPv6 packets, not exportable in v5 anyway), but
# libpcap 1.10 gives up at the second interface block, before any packet.
f=gap-data-missing.pcapng
why="an interface has a snapshot length 8192 different from the snapshot length of the first interface (libpcap reads a pcapng file only if all its interfaces share one link type and snapshot length)"
expect_unreadable "$f" "$S/$f" "$why"
nothing_lost "$f" "$S/$f"
check "$f: the 18 frames tshark reads are IPv6" \
	test "$(python3 "$ROOT/tests/e2e/tshark_flows.py" --ipv6-packets "$S/$f")" -eq 18
expect_collector "$f" "$S/$f" 1 "flowcollect: cannot read capture file \"$S/$f\": $why"

# The section header block's option runs past the block: libpcap and
# tshark (0 frames) both refuse the file.
f=shb-option-too-long.pcapng
why="block total length in header and trailer don't match (a pcapng block before the first packet is corrupt)"
expect_unreadable "$f" "$S/$f" "$why"
check "$f: tshark reads no frame either" test "$(frames "$S/$f")" -eq 0
expect_collector "$f" "$S/$f" 1 "flowcollect: cannot read capture file \"$S/$f\": $why"

# Version 2.5, which does not exist (the format is 2.4): libpcap refuses
# it.  tshark ignores the minor version and reads one IPv6 packet, which
# v5 could not have exported.
f=pcap-invalid-version-2.pcap
expect_unreadable "$f" "$S/$f" "unsupported pcap savefile version 2.5"
nothing_lost "$f" "$S/$f"
expect_collector "$f" "$S/$f" 1 \
	"flowcollect: cannot read capture file \"$S/$f\": unsupported pcap savefile version 2.5"

# Snaplen 1 and a record of 8 captured bytes: the format forbids it
# (capture.c says why we stop there; libpcap alone would hand over 1
# byte).  No packet precedes it.  tshark reads the 8 bytes: an Ethernet
# header cut short, no IP, so no flow is lost.
f=trunc-hdr.pcap
why="the record header of packet 1 is corrupt: captured length 8 is more than the file's snapshot length of 1"
expect_unreadable "$f" "$S/$f" "$why"
nothing_lost "$f" "$S/$f"
expect_collector "$f" "$S/$f" 1 "flowcollect: cannot read capture file \"$S/$f\": $why"

# Odd packets in readable files.
f=ip4-trunc.pcap			# cut by snaplen inside the IPv4 header
expect_clean "$f" "$S/$f" 1
expect_bad "$f" "$S/$f" 1
expect_collector "$f" "$S/$f" 0 \
	"flowcollect: the one packet in \"$S/$f\" is not a UDP datagram: no export to decode"

f=ipv4_invalid_hdr_length.pcap		# IPv4 header length 16 < 20
expect_clean "$f" "$S/$f" 1
expect_bad "$f" "$S/$f" 1
expect_collector "$f" "$S/$f" 0 \
	"flowcollect: the one packet in \"$S/$f\" is not a UDP datagram: no export to decode"

f=empty.pcap				# a header, no records
expect_clean "$f" "$S/$f" 0
expect_collector "$f" "$S/$f" 0 "flowcollect: capture file \"$S/$f\" holds no packets"

f=truncated-header.pcap			# snaplen 68: octets from the IP header
expect_clean "$f" "$S/$f" 24
expect_collector "$f" "$S/$f" 0 \
	"flowcollect: none of the 24 packets in \"$S/$f\" is a UDP datagram: no export to decode"

# Microsecond fields of 1,000,000 and 2^31.  The field is unsigned 32 bits
# (draft-ietf-opsawg-pcap) and must be under 1,000,000; we read a larger
# one as that many microseconds, carried into the seconds (libpcap itself
# reads it signed: 2^31 came back 2147 s early).  tshark agrees for
# 1,000,000 but computes usec * 1000 in 32 bits, so 2^31 µs wraps to
# exactly 0 ns (2^31 * 1000 = 500 * 2^32): its count cannot check the
# third packet's time.  So: the whole file against tshark with the third
# packet's field set to 2147483 (over a second, no wrap), and the real
# file's flows against their exact times.
f=timestamp_invalid_micro.pcap
cp "$S/$f" "$TMP/usec.pcap"
surgery usec "$TMP/usec.pcap" 3 2147483
expect_clean "usec-2147483" "$TMP/usec.pcap" 3
run_probe "$f" "$S/$f"
expect_first "$f" 0 "Number of active flows: 0"
expect_count "$f" "$S/$f" 3
"$COLLECT" -r "$TMP/$f.exp" >"$TMP/$f.table" 2>/dev/null
cat >"$TMP/usec.want" <<'EOF'
Date first seen (UTC)    Duration Proto      Src IP Addr:Port    Dst IP Addr:Port      Flags    Tos   In   Packets       Bytes
2014-12-09 17:16:11.000     0.000 TCP        137.116.81.94:80 -> 131.155.215.69:46656  ...A..S.   0    0         1          60
2014-12-09 17:16:09.999  2147.484 TCP    131.155.215.69:46656 -> 137.116.81.94:80      ...A..S.   0    0         2         112
Summary: 2 flows, 3 packets, 172 octets
EOF
if cmp -s "$TMP/$f.table" "$TMP/usec.want"; then
	ok "$f: 1,000,000 µs is +1 s, 2^31 µs is +2147.483648 s"
else
	diff "$TMP/usec.want" "$TMP/$f.table" | sed 's/^/# /'
	not_ok "$f: 1,000,000 µs is +1 s, 2^31 µs is +2147.483648 s"
fi
expect_collector "$f" "$S/$f" 0 \
	"flowcollect: none of the 3 packets in \"$S/$f\" is a UDP datagram: no export to decode"

# ---- damaged here, from test.pcap (179 packets, snaplen 262144) ----
T=$S/test.pcap

# Cut inside packet 68's data (it starts at 28477: 16 + 1507 bytes of it).
head -c 30000 "$T" >"$TMP/cut.pcap"
why="truncated dump file; tried to read 1514 captured bytes, only got 1507 (the file ends inside packet 68)"
expect_damaged "cut in packet data" "$TMP/cut.pcap" 67 "$why" "$TMP/cut.pcap"
# The same from a pipe, and with a filter: the count is of records in
# the file, whatever the filter keeps (it counted only kept ones).
run_probe "cut, from a pipe" - < <(cat "$TMP/cut.pcap")
expect_first "cut, from a pipe" 1 \
	"flowprobe: capture file \"-\" is damaged after 67 packets: $why; exporting the flows read before it"
expect_count "cut, from a pipe" "$TMP/cut.pcap" 67
expect_flows "cut, from a pipe" "$TMP/cut.pcap"
run_probe "cut, filtered" "$TMP/cut.pcap" udp
expect_first "cut, filtered" 1 \
	"flowprobe: capture file \"$TMP/cut.pcap\" is damaged after 67 packets: $why; exporting the flows read before it"

# Cut 7 bytes into packet 68's record header.
head -c $(($(surgery offset "$T" 68) + 7)) "$T" >"$TMP/cuthdr.pcap"
expect_damaged "cut in a record header" "$TMP/cuthdr.pcap" 67 \
	"truncated dump file; tried to read 16 header bytes, only got 7 (the file ends inside the record header of packet 68)" \
	"$TMP/cuthdr.pcap"

# Cut inside packet 1: nothing readable.
head -c 60 "$T" >"$TMP/cut1.pcap"
expect_unreadable "cut in packet 1" "$TMP/cut1.pcap" \
	"truncated dump file; tried to read 93 captured bytes, only got 20 (the file ends inside packet 1)"

# Nothing at all.
: >"$TMP/zero.pcap"
expect_unreadable "empty file" "$TMP/zero.pcap" \
	"truncated dump file; tried to read 4 file header bytes, only got 0 (the file is empty)"

# Snaplen 1000 in the header: packet 21 is the first of 1514 bytes.
# tshark does not compare caplen with snaplen and reads all 179; the
# readable part is the file up to packet 21.
cp "$T" "$TMP/snap.pcap"
surgery snaplen "$TMP/snap.pcap" 1000
head -c "$(surgery offset "$TMP/snap.pcap" 21)" "$TMP/snap.pcap" >"$TMP/snap.part"
expect_damaged "caplen over snaplen" "$TMP/snap.pcap" 20 \
	"the record header of packet 21 is corrupt: captured length 1514 is more than the file's snapshot length of 1000" \
	"$TMP/snap.part"

# Packet 100 (66 bytes captured) claims a length of 56.  tshark reads on;
# the readable part is the file up to packet 100.
cp "$T" "$TMP/len.pcap"
surgery shorten-len "$TMP/len.pcap" 100 10
head -c "$(surgery offset "$TMP/len.pcap" 100)" "$TMP/len.pcap" >"$TMP/len.part"
expect_damaged "caplen over len" "$TMP/len.pcap" 99 \
	"the record header of packet 100 is corrupt: captured length 66 is more than the packet's length of 56" \
	"$TMP/len.part"

# pcapng cut 40 bytes into packet 31's block (108 bytes: 8 of header,
# then 100 it reads in one go, of which 32 are there); and inside
# packet 1's.
surgery pcapng "$T" "$TMP/t.pcapng"
head -c $(($(surgery block "$TMP/t.pcapng" 31) + 40)) "$TMP/t.pcapng" >"$TMP/cut.pcapng"
expect_damaged "pcapng cut in a block" "$TMP/cut.pcapng" 30 \
	"truncated pcapng dump file; tried to read 100 bytes, only got 32 (the file ends inside the block after packet 30)" \
	"$TMP/cut.pcapng"
head -c $(($(surgery block "$TMP/t.pcapng" 1) + 40)) "$TMP/t.pcapng" >"$TMP/cut1.pcapng"
expect_unreadable "pcapng cut in block 1" "$TMP/cut1.pcapng" \
	"truncated pcapng dump file; tried to read 120 bytes, only got 32 (the file ends inside a block before the first packet)"
# The whole pcapng reads as the pcap does.
expect_clean "pcapng whole" "$TMP/t.pcapng" 179

# The collector on an export file cut 20 bytes before its end (inside the
# last datagram): every datagram before it decoded.
"$PROBE" -r "$S/synscan.pcap" -w "$TMP/exp.pcap" 2>/dev/null
read -r last off caplen <<<"$(surgery last "$TMP/exp.pcap")"
size=$(wc -c <"$TMP/exp.pcap")
head -c $((size - 20)) "$TMP/exp.pcap" >"$TMP/expcut.pcap"
head -c "$off" "$TMP/exp.pcap" >"$TMP/expcut.part"
"$COLLECT" -r "$TMP/expcut.part" >"$TMP/expcut.want" 2>/dev/null
expect_collector_cut() {
	local rc got
	"$COLLECT" -r "$TMP/expcut.pcap" >"$TMP/expcut.out" 2>"$TMP/expcut.err"
	rc=$?
	got=$(head -1 "$TMP/expcut.err")
	want="flowcollect: capture file \"$TMP/expcut.pcap\" is damaged after $((last - 1)) packets: truncated dump file; tried to read $caplen captured bytes, only got $((caplen - 20)) (the file ends inside packet $last); decoding the datagrams read before it"
	if [ "$rc" -eq 1 ] && [ "$got" = "$want" ] && sanitizer_free "$TMP/expcut.err" &&
	   cmp -s "$TMP/expcut.out" "$TMP/expcut.want" && [ "$(frames "$TMP/expcut.pcap")" -eq $((last - 1)) ] &&
	   ! grep -q '^Summary: 0 flows' "$TMP/expcut.out"; then
		ok "collector: export file cut in datagram $last, the $((last - 1)) before it decoded ($(tail -1 "$TMP/expcut.out"))"
	else
		note "exit $rc; stderr: $got"
		note "wanted: $want"
		diff "$TMP/expcut.want" "$TMP/expcut.out" | head -5 | sed 's/^/# /'
		not_ok "collector: export file cut in datagram $last, the ones before it decoded"
	fi
}
expect_collector_cut
