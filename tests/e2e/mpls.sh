#!/usr/bin/env bash
# mpls.sh - flowprobe -x end to end: flows keyed on their MPLS label
# stacks, the labels exported in v9 and IPFIX (IEs 70..79) and read back.
#
#   - pcaps/mpls_keyed.pcap (craftpcap.c's mpls_labels) at -x 3, v9 and
#     IPFIX: flowcollect -o csv gives exactly the rows below, mpls1..mpls3
#     as label-exp-bos and mpls4..mpls10 0-0-0;
#   - the same exports sent to nfcapd: nfdump 1.7.1 -o csv prints the
#     same rows, every column (but tr) equal to ours;
#   - tshark decodes the -w file with no malformed frame, no expert info
#     >= warning and no data without its template, and reads the same
#     label, EXP and bottom of stack in every record;
#   - real captures with labels (mpls-basic, test, mpls-in-vlan) at -x 3:
#     nfdump equals ours; the packets of each (5-tuple, ToS, first three
#     label entries) as tshark dissects the capture equal our records';
#     softflowd 1.1.0 -x 3 (whose labels are in its key whatever -x says)
#     exports the same labelled records;
#   - -x with v5: accepted, one warning line, the flows still split by
#     label (the v5 records: 8, as golden mpls_keyed shows them).
# -x out of range is bad_input.sh's.
source "$(dirname "$0")/lib.sh"

CAP="$ROOT/pcaps/mpls_keyed.pcap"
OPTS="-t tcp.rst=5 -t expint=1"

# sa,da,sp,dp,pr,ipkt,ibyt,mpls1..mpls4 of each record, in export order
# (craftpcap.c, mpls_labels: C and C' at the scan at 7, then the rest
# by deadline at the end of the file).
cat >"$TMP/want.csv" <<'EOF'
192.0.2.70,198.51.100.80,40070,80,TCP,1,40,100-0-0,200-0-0,300-0-1,0-0-0
198.51.100.80,192.0.2.70,80,40070,TCP,1,40,600-0-1,0-0-0,0-0-0,0-0-0
192.0.2.70,198.51.100.80,6270,6280,UDP,1,62,100-0-0,200-0-0,301-0-1,0-0-0
192.0.2.70,198.51.100.80,6270,6280,UDP,1,63,100-5-0,200-0-0,300-0-1,0-0-0
192.0.2.70,198.51.100.80,6270,6280,UDP,1,64,100-0-0,200-0-0,300-0-0,0-0-0
192.0.2.70,198.51.100.80,6270,6280,UDP,1,65,0-0-0,0-0-0,0-0-0,0-0-0
198.51.100.80,192.0.2.70,6280,6270,UDP,1,100,600-0-1,0-0-0,0-0-0,0-0-0
2001:db8::70,2001:db8::80,6270,6280,UDP,1,70,700-0-0,2-0-1,0-0-0,0-0-0
2001:db8::70,2001:db8::80,6270,6280,UDP,1,71,0-0-0,0-0-0,0-0-0,0-0-0
192.0.2.70,198.51.100.80,6270,6280,UDP,3,187,100-0-0,200-0-0,300-0-1,0-0-0
EOF

# pick CSV: those columns of every flow row of an nfdump-style CSV
# (header, rows, then the Summary block; tr may be cut off).
pick() {
	awk -F, 'NF >= 47 && $1 != "ts" {print $4","$5","$6","$7","$8","$12","$13","$32","$33","$34","$35}' "$1"
}
# rest_zero CSV: mpls5..mpls10 of every flow row are 0-0-0
rest_zero() {
	awk -F, 'NF == 48 && $1 != "ts" {for (i = 36; i <= 41; i++) if ($i != "0-0-0") bad = 1} END {exit bad}' "$1"
}

# same NAME WANT GOT: ok when the files are equal, the diff otherwise
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1"
	else
		diff "$2" "$3" | head -8 | sed 's/^/# /'
		not_ok "$1"
	fi
}

# nfcapd_export DIR ARGS...: nfcapd on a free loopback port writing into
# DIR, the probe run with ARGS and -n to it, nfcapd stopped once its
# queue is drained; the probe's status in DIR.rc.
nfcapd_export() {
	local dir=$1 port pid
	shift
	mkdir -p "$dir"
	port=$(free_port)
	nfcapd -b 127.0.0.1 -p "$port" -w "$dir" >"$dir.log" 2>&1 &
	pid=$!
	wait_for udp_bound "$port" || note "nfcapd did not bind port $port"
	"$@" -n "127.0.0.1:$port" >/dev/null 2>"$dir.err"
	echo $? >"$dir.rc"
	wait_for udp_drained "$port" || note "nfcapd did not drain its queue"
	sleep 0.2			# the last datagram read is still being stored
	kill -INT "$pid"
	wait "$pid"
}

# nfdump_csv DIR OUT: the flows nfcapd stored, as nfdump -o csv, tr cut
nfdump_csv() {
	local f files
	files=$(ls "$1"/nfcapd.2* 2>/dev/null)
	[ -n "$files" ] || { note "nfcapd wrote no file: $(cat "$1.log")"; : >"$2"; return 1; }
	for f in $files; do nfdump -r "$f" -o csv; done | cut -d, -f1-47 >"$2"
}

# ---- the crafted capture, -x 3, v9 and IPFIX ----------------------------

for v in 10 9; do
	"$PROBE" -r "$CAP" -x 3 -v "$v" $OPTS -w "$TMP/x3.v$v.w" 2>"$TMP/x3.v$v.err"
	"$COLLECT" -r "$TMP/x3.v$v.w" -o csv >"$TMP/x3.v$v.csv" 2>/dev/null
	pick "$TMP/x3.v$v.csv" >"$TMP/x3.v$v.got"
	same "mpls csv -x 3 -v $v: labels as label-exp-bos" "$TMP/want.csv" "$TMP/x3.v$v.got"
	check "mpls csv -x 3 -v $v: mpls5..mpls10 are 0-0-0" rest_zero "$TMP/x3.v$v.csv"
done

# -x 10, the most: the four-label stack whole, exit 0, tshark content
"$PROBE" -r "$CAP" -x 10 -v 10 $OPTS -w "$TMP/x10.w" 2>/dev/null
rc=$?
"$COLLECT" -r "$TMP/x10.w" -o csv >"$TMP/x10.csv" 2>/dev/null
if [ "$rc" = 0 ] && pick "$TMP/x10.csv" | grep -q ',UDP,1,64,100-0-0,200-0-0,300-0-0,400-0-1$' &&
   [ -z "$(tshark -r "$TMP/x10.w" -d udp.port==2055,cflow -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]; then
	ok "mpls -x 10: a stack of four exported whole"
else
	note "exit $rc"
	pick "$TMP/x10.csv" | sed 's/^/# /' | head -5
	not_ok "mpls -x 10: a stack of four exported whole"
fi

# Without -x no label is exported: every mpls column 0-0-0, and one
# record for the 7 IPv4 packets of A (golden mpls_unkeyed).
"$PROBE" -r "$CAP" -v 10 $OPTS -w "$TMP/x0.w" 2>/dev/null
"$COLLECT" -r "$TMP/x0.w" -o csv >"$TMP/x0.csv" 2>/dev/null
pick "$TMP/x0.csv" >"$TMP/x0.got"
if [ "$(wc -l <"$TMP/x0.got")" = 5 ] && ! grep -q -v ',0-0-0,0-0-0,0-0-0,0-0-0$' "$TMP/x0.got" &&
   grep -q '^192.0.2.70,198.51.100.80,6270,6280,UDP,7,441,' "$TMP/x0.got"; then
	ok "mpls csv without -x: no labels, flows not split"
else
	sed 's/^/# /' "$TMP/x0.got"
	not_ok "mpls csv without -x: no labels, flows not split"
fi

# -b: a side with several label stacks pairs one of its flows with the
# reverse; the others go alone, none lost: all 12 packets in the records
"$PROBE" -r "$CAP" -x 3 -v 10 -b $OPTS -w "$TMP/bi.w" 2>/dev/null
"$COLLECT" -r "$TMP/bi.w" -o csv >"$TMP/bi.csv" 2>/dev/null
n=$(awk -F, 'NF == 48 && $1 != "ts" {n += $12 + $14} END {print n + 0}' "$TMP/bi.csv")
check "mpls -b -x 3: every packet in a biflow record ($n of 12)" test "$n" = 12

# ---- tshark reads the same labels --------------------------------------

cat >"$TMP/labels.py" <<'PY'
"""labels.py PDML: sa,da,sp,dp,ibyt and mpls1..mpls4 of every data record
tshark decoded, as label-exp-bos (0-0-0 past the record's sections)."""
import sys
import xml.etree.ElementTree as ET

for _, el in ET.iterparse(sys.argv[1]):
    if el.tag != "proto" or el.get("name") != "cflow":
        continue
    for flow in el.iter("field"):
        if not (flow.get("show") or "").startswith("Flow "):
            continue
        v, labels = {}, []
        for f in flow.iter("field"):
            name = f.get("name")
            if name == "cflow.mpls_label":
                labels.append([f.get("show")])
            elif name in ("cflow.mpls_exp", "cflow.mpls_bos") and labels:
                labels[-1].append(f.get("show"))
            else:
                v.setdefault(name, f.get("show"))
        if "cflow.octets" not in v:
            continue  # the options record
        labels = ["-".join(x) for x in labels] + ["0-0-0"] * 4
        print(",".join([v.get("cflow.srcaddr") or v.get("cflow.srcaddrv6"),
                        v.get("cflow.dstaddr") or v.get("cflow.dstaddrv6"),
                        v.get("cflow.srcport", "0"), v.get("cflow.dstport", "0"),
                        v["cflow.octets"]] + labels[:4]))
    el.clear()
PY
cut -d, -f1-4,7-11 "$TMP/want.csv" >"$TMP/want.tshark"
for v in 10 9; do
	w="$TMP/x3.v$v.w"
	tshark -r "$w" -d udp.port==2055,cflow \
		-Y '_ws.malformed || _ws.expert.severity >= 6291456 || cflow.no_template_found' \
		>"$TMP/gate.v$v" 2>"$TMP/tshark.err"
	n=$(tshark -r "$w" -d udp.port==2055,cflow 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ] && [ ! -s "$TMP/gate.v$v" ]; then
		ok "mpls tshark -x 3 -v $v: $n frames, none malformed or warned"
	else
		sed 's/^/# /' "$TMP/gate.v$v" | head -4
		not_ok "mpls tshark -x 3 -v $v: $n frames, none malformed or warned"
	fi
	tshark -r "$w" -d udp.port==2055,cflow -T pdml 2>/dev/null >"$TMP/x3.v$v.pdml"
	# ICMP has no ports in tshark's record (none here): sp,dp as they are
	python3 "$TMP/labels.py" "$TMP/x3.v$v.pdml" >"$TMP/x3.v$v.tshark"
	same "mpls tshark -x 3 -v $v: the same label, EXP and bottom of stack" \
		"$TMP/want.tshark" "$TMP/x3.v$v.tshark"
done

# ---- nfdump reads the same labels --------------------------------------

if ! command -v nfcapd >/dev/null || ! command -v nfdump >/dev/null; then
	skip "mpls nfdump" "nfcapd/nfdump is not installed (make test-deps)"
else
	for v in 10 9; do
		d="$TMP/nfcapd.v$v"
		nfcapd_export "$d" "$PROBE" -r "$CAP" -x 3 -v "$v" $OPTS -w "$d.w"
		nfdump_csv "$d" "$d.csv"
		pick "$d.csv" >"$d.got"
		same "mpls nfdump -x 3 -v $v: the same labels" "$TMP/want.csv" "$d.got"
		"$COLLECT" -r "$d.w" -o csv 2>/dev/null | cut -d, -f1-47 >"$d.ours"
		same "mpls nfdump -x 3 -v $v: every column equals ours" "$d.csv" "$d.ours"
	done
fi

# ---- v5: accepted, labels keyed, none exported --------------------------

"$PROBE" -r "$CAP" -x 3 $OPTS -w "$TMP/v5.w" >/dev/null 2>"$TMP/v5.err"
rc=$?
warn=$(grep -c '^flowprobe:' "$TMP/v5.err")
if [ "$rc" = 0 ] && [ "$(head -1 "$TMP/v5.err")" = \
     "flowprobe: warning: -x 3: NetFlow v5 records have no MPLS label fields; flows are still keyed on the labels" ] &&
   [ "$warn" = 1 ]; then
	ok "mpls -x 3 with v5: accepted, one warning"
else
	note "exit $rc; stderr:"
	head -3 "$TMP/v5.err" | sed 's/^/#   /'
	not_ok "mpls -x 3 with v5: accepted, one warning"
fi
"$COLLECT" -r "$TMP/v5.w" >"$TMP/v5.table" 2>/dev/null
check "mpls -x 3 with v5: flows split by label (8 records)" \
	grep -q '^Summary: 8 flows, 10 packets, 621 octets$' "$TMP/v5.table"

# ---- real captures -------------------------------------------------------

if ! have_shared; then
	skip "mpls real captures" "../shared/pcaps is absent"
	exit 0
fi

cat >"$TMP/perstack.py" <<'PY'
"""perstack.py CAPTURE CSV NAMES_H: packets per (src, dst, sport, dport,
protocol, ToS, first three label entries) as tshark dissects CAPTURE
(outer IPv4 header only, reached through link layers, as the probe
meters it) against our records (CSV); '# ' lines for what differs."""
import collections, re, subprocess, sys

capture, csv, names_h = sys.argv[1:4]
LINK = {"eth", "ethertype", "vlan", "mpls", "sll", "pppoes", "ppp", "chdlc"}
F = ["frame.protocols", "ip.src", "ip.dst", "ip.proto", "ip.dsfield", "tcp.srcport",
     "tcp.dstport", "udp.srcport", "udp.dstport", "icmp.type", "icmp.code",
     "mpls.label", "mpls.exp", "mpls.bottom"]
cmd = ["tshark", "-r", capture, "-n", "-o", "ip.defragment:FALSE", "-Y", "ip",
       "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=\t"]
for f in F:
    cmd += ["-e", f]
want = collections.Counter()
for line in subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines():
    v = dict(zip(F, line.split("\t")))
    chain = v["frame.protocols"].split(":")
    i = 0
    while i < len(chain) and chain[i] in LINK:
        i += 1
    if i == len(chain) or chain[i] != "ip":
        continue
    first = lambda n: (v.get(n) or "").split(";")[0]
    proto = int(first("ip.proto"))
    sp = dp = 0
    if proto == 6:
        sp, dp = int(first("tcp.srcport") or 0), int(first("tcp.dstport") or 0)
    elif proto == 17:
        sp, dp = int(first("udp.srcport") or 0), int(first("udp.dstport") or 0)
    elif proto == 1 and first("icmp.type"):
        dp = int(first("icmp.type")) * 256 + int(first("icmp.code") or 0)
    labels = [x for x in (v.get("mpls.label") or "").split(";") if x]
    exps = (v.get("mpls.exp") or "").split(";")
    bos = (v.get("mpls.bottom") or "").split(";")
    stack = ["%s-%s-%d" % (labels[k], exps[k], bos[k] in ("1", "True")) for k in range(min(3, len(labels)))]
    stack += ["0-0-0"] * (3 - len(stack))
    want[(first("ip.src"), first("ip.dst"), sp, dp, proto, int(first("ip.dsfield"), 0))
         + tuple(stack)] += 1
names = {n.strip(): int(k) for k, n in re.findall(r'\[(\d+)\] = "([^"]*)"', open(names_h).read())}
got = collections.Counter()
for line in open(csv):
    p = line.rstrip("\n").split(",")
    if len(p) != 48 or p[0] == "ts" or ":" in p[3]:
        continue
    pr = names.get(p[7], int(p[7]) if p[7].isdigit() else -1)
    got[(p[3], p[4], int(p[5]), int(p[6]), pr, int(p[10])) + tuple(p[31:34])] += int(p[11])
bad = [k for k in set(want) | set(got) if want[k] != got[k]]
for k in sorted(bad, key=str)[:8]:
    print("# %s: tshark %d, ours %d" % (k, want[k], got[k]))
labelled = sum(1 for k in got if k[6] != "0-0-0")
print("# %d keys, %d labelled, %d differ" % (len(got), labelled, len(bad)))
sys.exit(1 if bad or labelled == 0 else 0)
PY

# labelled CSV: sa,da,sp,dp,pr,mpls1..mpls3 of the rows with labels, once each
labelled() {
	awk -F, 'NF >= 47 && $1 != "ts" && $32 != "0-0-0" {print $4","$5","$6","$7","$8","$32","$33","$34}' "$1" | sort -u
}

for name in mpls-basic test mpls-in-vlan; do
	cap="$SHARED_PCAPS/$name.pcap"
	d="$TMP/real.$name"
	if command -v nfcapd >/dev/null; then
		nfcapd_export "$d" "$PROBE" -r "$cap" -x 3 -v 10 -w "$d.w"
	else
		"$PROBE" -r "$cap" -x 3 -v 10 -w "$d.w" 2>/dev/null
	fi
	"$COLLECT" -r "$d.w" -o csv >"$d.ours.csv" 2>/dev/null
	if python3 "$TMP/perstack.py" "$cap" "$d.ours.csv" "$ROOT/collector/proto_names.h" >"$d.cmp"; then
		ok "mpls tshark per label stack $name ($(tail -1 "$d.cmp" | sed 's/^# //'))"
	else
		cat "$d.cmp"
		not_ok "mpls tshark per label stack $name"
	fi
	if command -v nfcapd >/dev/null; then
		nfdump_csv "$d" "$d.csv"
		cut -d, -f1-47 "$d.ours.csv" >"$d.ours"
		same "mpls nfdump equals ours $name" "$d.csv" "$d.ours"
	fi
	# softflowd: its records with labels (those it keys whatever -x
	# says; its unlabelled replies are conversations of their own)
	if command -v softflowd >/dev/null && command -v nfcapd >/dev/null; then
		s="$TMP/softflowd.$name"
		nfcapd_export "$s" softflowd -r "$cap" -x 3 -v 10 -A milli -c none -d
		nfdump_csv "$s" "$s.csv"
		labelled "$s.csv" >"$s.got"
		labelled "$d.ours.csv" >"$d.labelled"
		same "mpls softflowd -x 3 labels equal ours $name" "$d.labelled" "$s.got"
	else
		skip "mpls softflowd -x 3 labels equal ours $name" "softflowd or nfcapd is not installed"
	fi
done
