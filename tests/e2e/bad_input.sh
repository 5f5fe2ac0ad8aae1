#!/usr/bin/env bash
# bad_input.sh - wrong flags and files that are no capture: one clear
# line on stderr, asserted word for word, a non-zero exit, never a crash.
# Damaged and odd captures are malformed.sh's.
source "$(dirname "$0")/lib.sh"

# expect_error NAME "EXPECTED STDERR LINE" COMMAND...
expect_error() {
	local name=$1 want=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	local got
	got=$(head -1 "$TMP/err")
	if [ "$rc" -eq 1 ] && [ "$got" = "$want" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		ok "error: $name"
	else
		note "exit $rc; stderr:"
		sed 's/^/#   /' "$TMP/err" | head -5
		note "wanted: $want"
		not_ok "error: $name"
	fi
}

# A pcap header (microsecond magic, little-endian, v2.4) of link type $1.
pcap_header() {
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00'
	printf "$(printf '\\x%02x\\x%02x\\x00\\x00' $(($1 & 255)) $(($1 >> 8)))"
}

pcap_header 242 >"$TMP/ipoib.pcap"
printf 'this is not a capture file, just some text\n' >"$TMP/text.pcap"
pcap_header 1 >"$TMP/ok.pcap"

expect_error "missing file" \
	"flowprobe: cannot open capture file \"$TMP/none.pcap\": No such file or directory" \
	"$PROBE" -r "$TMP/none.pcap"
expect_error "directory" \
	"flowprobe: cannot open capture file \"$TMP\": Is a directory" "$PROBE" -r "$TMP"
expect_error "not a capture" \
	"flowprobe: cannot read capture file \"$TMP/text.pcap\": unknown file format (neither pcap nor pcapng)" \
	"$PROBE" -r "$TMP/text.pcap"
expect_error "unsupported link type" \
	"flowprobe: capture file \"$TMP/ipoib.pcap\": unsupported link type 242 (IPOIB)" \
	"$PROBE" -r "$TMP/ipoib.pcap"
# A real IP-over-InfiniBand capture: refused at start, before any packet.
if have_shared; then
	expect_error "unsupported link type, real capture" \
		"flowprobe: capture file \"$SHARED_PCAPS/ipoib.pcap\": unsupported link type 242 (IPOIB)" \
		"$PROBE" -r "$SHARED_PCAPS/ipoib.pcap"
else
	skip "unsupported link type, real capture" "../shared/pcaps is absent"
fi
expect_error "bad -t time" \
	'flowprobe: invalid -t "udp=5x": bad time "5x" (digits with s, m, h, d or w, e.g. 1h30m)' \
	"$PROBE" -r "$TMP/ok.pcap" -t udp=5x
expect_error "bad -t name" \
	'flowprobe: invalid -t "tcp.syn=5": unknown timeout "tcp.syn" (tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)' \
	"$PROBE" -r "$TMP/ok.pcap" -t tcp.syn=5
expect_error "-t general=0" \
	'flowprobe: invalid -t "general=0": the general timeout must be greater than zero' \
	"$PROBE" -r "$TMP/ok.pcap" -t general=0
expect_error "-t without =" \
	'flowprobe: invalid -t "udp": expected name=time, e.g. udp=5m' \
	"$PROBE" -r "$TMP/ok.pcap" -t udp
expect_error "bad -A" \
	'flowprobe: invalid -A "hour": expected sec, milli, micro, nano or uptime' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 -A hour
expect_error "--max-datagram below 512" \
	'flowprobe: invalid --max-datagram "100": expected bytes of UDP payload, 512 to 65507' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 --max-datagram 100
expect_error "bad --pace" \
	'flowprobe: invalid --pace "fast": expected datagrams a second, 0 (no pacing) to 10000000' \
	"$PROBE" -r "$TMP/ok.pcap" --pace fast
expect_error "bad --domain" \
	'flowprobe: invalid --domain "4294967296": expected a number, 0 to 4294967295' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 --domain 4294967296
expect_error "-P tcp without IPFIX" \
	'flowprobe: -P tcp carries IPFIX only: add -v 10' \
	"$PROBE" -r "$TMP/ok.pcap" -P tcp -n 127.0.0.1:4739
expect_error "-P sctp" \
	'flowprobe: export transport -P sctp is not available in this version (use udp or tcp)' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 -P sctp
expect_error "collector: bad -P" \
	'flowcollect: invalid -P "quic": expected udp or tcp' \
	"$COLLECT" -P quic -p 0
expect_error "bad -e" \
	'flowprobe: invalid -e "collector": expected an IPv4 or IPv6 address' \
	"$PROBE" -r "$TMP/ok.pcap" -e collector
expect_error "bad -n" \
	'flowprobe: invalid -n "collector": expected HOST:PORT or [IPV6]:PORT' \
	"$PROBE" -r "$TMP/ok.pcap" -n collector
expect_error "bad -n bracket" \
	'flowprobe: invalid -n "[::1:2055": expected HOST:PORT or [IPV6]:PORT' \
	"$PROBE" -r "$TMP/ok.pcap" -n '[::1:2055'
expect_error "bad -m" \
	'flowprobe: invalid -m "lots": expected a number of flows, at least 1' \
	"$PROBE" -r "$TMP/ok.pcap" -m lots
expect_error "-m 0" \
	'flowprobe: invalid -m "0": expected a number of flows, at least 1' \
	"$PROBE" -r "$TMP/ok.pcap" -m 0
# softflowd: "Invalid number of MPLS label", then its usage, exit 1
expect_error "-x 11" \
	'flowprobe: invalid -x "11": expected a number of MPLS labels, 0 to 10' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 -x 11
expect_error "-x -1" \
	'flowprobe: invalid -x "-1": expected a number of MPLS labels, 0 to 10' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 -x -1
expect_error "-x not a number" \
	'flowprobe: invalid -x "3x": expected a number of MPLS labels, 0 to 10' \
	"$PROBE" -r "$TMP/ok.pcap" -v 10 -x 3x
expect_error "bad -v" \
	'flowprobe: invalid -v "6": expected 1, 5, 9, 10 or psamp' "$PROBE" -r "$TMP/ok.pcap" -v 6
expect_error "no source" \
	'flowprobe: no packet source: give -r FILE or -i INTERFACE (see flowprobe -h)' "$PROBE" -n 127.0.0.1:2055
expect_error "unknown option" \
	'flowprobe: unknown option -Q (see flowprobe -h)' "$PROBE" -r "$TMP/ok.pcap" -Q
expect_error "missing argument" 'flowprobe: option -t needs an argument' "$PROBE" -r "$TMP/ok.pcap" -t
expect_error "missing argument, long option" 'flowprobe: option --pace needs an argument' \
	"$PROBE" -r "$TMP/ok.pcap" --pace
expect_error "argument to a long option without one" 'flowprobe: option --progress takes no argument' \
	"$PROBE" -r "$TMP/ok.pcap" --progress=yes
expect_error "bad filter" \
	"flowprobe: bad filter expression \"port eighty\": unknown port 'eighty'" \
	"$PROBE" -r "$TMP/ok.pcap" port eighty
expect_error "collector: bad -p" \
	'flowcollect: invalid -p "http": expected a UDP port, 0 to 65535' "$COLLECT" -p http
expect_error "collector: bad --reuseport=N" \
	'flowcollect: invalid --reuseport "1": expected 2 to 256' "$COLLECT" -p 0 --reuseport=1
expect_error "collector: --reuseport without -p" \
	'flowcollect: --reuseport shares a listening port: it needs -p PORT' \
	"$COLLECT" -r "$TMP/ok.pcap" --reuseport
expect_error "collector: bad --ch-cluster" \
	'flowcollect: invalid --ch-cluster "a-b": expected letters, digits and _ (up to 63)' \
	"$COLLECT" --print-schema clickhouse-distributed --ch-cluster a-b
expect_error "collector: bad --print-schema" \
	'flowcollect: invalid --print-schema "mysql": expected clickhouse, clickhouse-distributed or sqlite' \
	"$COLLECT" --print-schema mysql
expect_error "collector: missing file" \
	"flowcollect: cannot open capture file \"$TMP/none.pcap\": No such file or directory" \
	"$COLLECT" -r "$TMP/none.pcap"
expect_error "collector: not a capture" \
	"flowcollect: cannot read capture file \"$TMP/text.pcap\": unknown file format (neither pcap nor pcapng)" \
	"$COLLECT" -r "$TMP/text.pcap"
