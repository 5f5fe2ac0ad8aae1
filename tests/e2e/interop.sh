#!/usr/bin/env bash
# interop.sh - the interop matrix: every export format (v1, v5, v9, IPFIX)
# of a few real captures and the demo, decoded by three independent peers.
#
# One probe run per format and capture sends to nfcapd and nfacctd at once
# (-n A,B) and writes the same datagrams to a pcap (-w) for tshark; -D
# gives every flow the probe expired (with µs times) and the statistics give
# the number of records it exported.  Each cell "interop vV PEER CAP":
#   tshark   no malformed frame, no expert info >= warning (sequence
#            warnings included), no data without its template; the data
#            records (options records apart), and the sums of their octets
#            and packets, equal the probe's
#   nfdump   nfcapd on loopback, stopped with SIGTERM; `nfdump -I` flows,
#            packets and bytes equal the probe's, and no sequence failure
#            but those nfcapd 1.7.1 counts after every IPFIX options record
#   nfacctd  print plugin, csv, one row per flow key and times (plus the
#            flows counter); the sums of FLOWS, PACKETS, BYTES equal the
#            probe's, and no sequence error logged; nfacctd 1.7.7 discards
#            v1 (collectors.md 4.1): one skip line
# v1 and v5 cannot carry IPv6: the probe counts those flows apart, so the
# reference is the IPv4 flows it expired.  "interop vV probe CAP" checks
# that the probe's -D lines and its statistics agree.
# Times: for one capture, v9 and IPFIX, every flow's first and last time as
# tshark (cflow.abstimestart/end), nfdump (fmt %ts/%te, ms) and nfacctd
# (timestamp_start/end, µs) report them equals the probe's, floored to the
# millisecond (IEs 152/153 carry whole milliseconds).
# Daemons: free loopback ports (bind-0 trick, the owner checked through
# /proc), readiness and drain read from /proc, never a blind sleep; nfacctd
# stops on SIGINT only and takes 2 s, so those stops overlap.
source "$(dirname "$0")/lib.sh"

require_shared "interop" tshark nfcapd nfdump nfacctd python3

CAPS=(gnutella 1kxun test synscan demo)	# demo: our crafted pcaps/demo.pcap
TIMES_CAP=1kxun				# the capture of the times checks
VERSIONS=(1 5 9 10)
T0=$(date +%s.%N)

cap_path() {
	if [ "$1" = demo ]; then echo "$ROOT/pcaps/demo.pcap"; else echo "$SHARED_PCAPS/$1.pcap"; fi
}
vname() { if [ "$1" = 10 ]; then echo ipfix; else echo "v$1"; fi; }

# Daemons started here, stopped on any exit: by PID, never by name, and
# only while the PID is still a child of this shell.
declare -A DAEMONS=()
mine() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }
reaped() { wait "$1"; local rc=$?; unset "DAEMONS[$1]"; return $rc; }
# stopped PID SECONDS: PID told to stop has ended (SIGKILL, it and its
# children, after SECONDS); its exit status.
stopped() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		case $(ps -o stat= -p "$1" 2>/dev/null) in
		'' | Z*) reaped "$1"; return ;;
		esac
		sleep 0.05
	done
	note "${DAEMONS[$1]} (pid $1) still running $2 s after it was told to stop: killed"
	# shellcheck disable=SC2046
	kill -KILL $(cat /proc/"$1"/task/*/children 2>/dev/null) "$1" 2>/dev/null
	reaped "$1"
}
cleanup() {
	local p
	for p in "${!DAEMONS[@]}"; do
		# nfacctd ends on SIGINT only (pmacct docs/SIGNALS); nfcapd on either.
		mine "$p" && kill -INT "$p" 2>/dev/null
	done
	for p in "${!DAEMONS[@]}"; do
		for _ in $(seq 1 60); do mine "$p" || break; sleep 0.05; done
		if mine "$p"; then
			# shellcheck disable=SC2046	# its plugin processes, by PID
			kill -KILL $(cat /proc/"$p"/task/*/children 2>/dev/null) "$p" 2>/dev/null
		fi
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# udp_field PORT N: field N of the /proc/net/udp line of the socket bound
# to 127.0.0.1:PORT (nothing while none is).  5: tx:rx queues, 10: inode.
udp_field() {
	awk -v p="0100007F:$(printf '%04X' "$1")" -v n="$2" '$2 == p {print $n; exit}' /proc/net/udp
}
# owns PID PORT: the socket bound to PORT is one of PID's descriptors.
owns() {
	local inode
	inode=$(udp_field "$2" 10)
	[ -n "$inode" ] && [ "$inode" != 0 ] || return 1
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ] && return 0
	done
	return 1
}
drained() { [ "$(udp_field "$1" 5 | cut -d: -f2)" = 00000000 ]; }
# idle PID: the daemon and its children have every thread asleep (waiting
# for input), checked twice: it has finished with what it read.
idle_once() {
	local p t st
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		for t in /proc/"$p"/task/*; do
			st=$(awk '{print $3}' "$t/stat" 2>/dev/null)
			[ -z "$st" ] || [ "$st" = S ] || return 1
		done
	done
}
idle() { idle_once "$1" && sleep 0.02 && idle_once "$1"; }

# start_nfcapd DIR: sets NFPID and NFPORT (retries on a port taken meanwhile).
start_nfcapd() {
	for _ in 1 2 3; do
		NFPORT=$(free_port)
		nfcapd -b 127.0.0.1 -p "$NFPORT" -B 4194304 -w "$1" >"$1.log" 2>&1 &
		NFPID=$!
		DAEMONS[$NFPID]=nfcapd
		wait_for owns "$NFPID" "$NFPORT" && return 0
		kill -TERM "$NFPID" 2>/dev/null
		stopped "$NFPID" 10
	done
	return 1
}

# start_nfacctd DIR: sets NAPID and NAPORT; output in DIR/flows.csv.
start_nfacctd() {
	for _ in 1 2 3; do
		NAPORT=$(free_port)
		cat >"$1/nfacctd.conf" <<-EOF
			daemonize: false
			nfacctd_ip: 127.0.0.1
			nfacctd_port: $NAPORT
			nfacctd_pipe_size: 4194304
			logfile: $1/nfacctd.log
			timestamps_utc: true
			nfacctd_disable_checks: false
			plugins: print[csv]
			print_output[csv]: csv
			print_output_file[csv]: $1/flows.csv
			print_refresh_time[csv]: 3600
			print_num_protos[csv]: true
			aggregate[csv]: src_host,dst_host,src_port,dst_port,proto,tos,timestamp_start,timestamp_end,flows
		EOF
		nfacctd -f "$1/nfacctd.conf" >"$1/nfacctd.out" 2>&1 &
		NAPID=$!
		DAEMONS[$NAPID]=nfacctd
		wait_for owns "$NAPID" "$NAPORT" && return 0
		kill -INT "$NAPID" 2>/dev/null
		stopped "$NAPID" 15
	done
	return 1
}

cat >"$TMP/interop.py" <<'PY'
"""Parse the probe's -D/statistics, tshark PDML, nfdump and nfacctd output;
compare.  Usage: interop.py probe|cell|times ... (see the shell script)."""
import collections, csv, datetime, ipaddress, re, sys
import xml.etree.ElementTree as ET

ICMP = (1, 58)


def key(src, dst, sp, dp, proto, tos):
    proto = int(proto)
    if proto in ICMP:  # each peer puts type/code somewhere else
        sp = dp = 0
    return (ipaddress.ip_address(src.strip()).compressed,
            ipaddress.ip_address(dst.strip()).compressed,
            int(sp), int(dp), proto, int(tos))


def rec(k, pkts, octs, start=None, end=None):
    return {"key": k, "pkts": int(pkts), "octs": int(octs), "start": start, "end": end}


def us_of(text, fmt):
    """Microseconds since the epoch of a UTC time string."""
    d = datetime.datetime.strptime(text.strip(), fmt).replace(tzinfo=datetime.timezone.utc)
    return (d - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)


EXPIRED = re.compile(r"^EXPIRED: \[(.*?)\]:(\d+) > \[(.*?)\]:(\d+) proto:(\d+) tos:0x([0-9a-f]+) "
                     r"if:\d+ octets:(\d+) packets:(\d+) start:(\S+) finish:(\S+)")


def probe(path, version):
    """Flows the probe exported (v1/v5: IPv4 only) and its statistics."""
    flows, v6, st = [], 0, {}
    for line in open(path, errors="replace"):
        m = EXPIRED.match(line)
        if m:
            s, sp, d, dp, pr, tos, octs, pkts, t0, t1 = m.groups()
            r = rec(key(s, d, sp, dp, pr, int(tos, 16)), pkts, octs,
                    us_of(t0, "%Y-%m-%dT%H:%M:%S.%f") // 1000, us_of(t1, "%Y-%m-%dT%H:%M:%S.%f") // 1000)
            if ":" in s and version in (1, 5):
                v6 += 1
            else:
                flows.append(r)
            continue
        m = re.match(r"^Flows exported: (\d+) \((\d+) records\) in (\d+) packets \((\d+) failures\)", line)
        if m:
            st["flows"], st["records"], st["datagrams"], st["failures"] = map(int, m.groups())
        m = re.match(r"^IPv6 flows not exportable in v\d+: (\d+)", line)
        if m:
            st["v6"] = int(m.group(1))
    return flows, v6, st


def tshark(path):
    """Flow data records of a PDML file (options records apart)."""
    flows, options = [], 0
    per_message = []  # options data records in each message, in order
    opt_ids = set()
    setre = re.compile(r"^(?:Flow)?Set \d+ \[id=(\d+)\](?: \(([^)]*)\))?(?:: ([\d,]+))?")
    for _, el in ET.iterparse(path):
        if el.tag != "proto" or el.get("name") != "cflow":
            continue
        version = int(el.find("field[@name='cflow.version']").get("show"))
        if version in (1, 5):
            blocks = [(None, f) for f in el if (f.get("show") or "").startswith("pdu ")]
        else:
            blocks = []
            for s in el:
                m = setre.match(s.get("show") or "")
                if not m:
                    continue
                sid = int(m.group(1))
                if sid in (1, 3) and m.group(3):  # options template set
                    opt_ids.update(int(x) for x in m.group(3).split(","))
                if sid >= 256:
                    blocks += [(sid, f) for f in s if re.match(r"^Flow \d+$", f.get("show") or "")]
        per_message.append(0)
        for sid, b in blocks:
            if sid in opt_ids:
                options += 1
                per_message[-1] += 1
                continue
            v = {}
            for f in b.iter("field"):
                v.setdefault(f.get("name"), f)
            g = lambda n, d="0": v[n].get("show") if n in v else d
            src = g("cflow.srcaddr", None) or g("cflow.srcaddrv6")
            dst = g("cflow.dstaddr", None) or g("cflow.dstaddrv6")
            t0 = int(v["cflow.abstimestart"].get("value"), 16) if "cflow.abstimestart" in v else None
            t1 = int(v["cflow.abstimeend"].get("value"), 16) if "cflow.abstimeend" in v else None
            flows.append(rec(key(src, dst, g("cflow.srcport"), g("cflow.dstport"), g("cflow.protocol"),
                                 int(g("cflow.tos"), 16)),
                             g("cflow.packets"), g("cflow.octets"), t0, t1))
        el.clear()
    tshark.per_message = per_message
    return flows, options


def nfdump(path):
    """Lines of -o 'fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%tos|%pkt|%byt' -N -6 -q."""
    flows = []
    for line in open(path):
        p = [x.strip() for x in line.split("|")]
        if len(p) != 10:
            continue
        dp = p[5].split(".")[0]  # ICMP: type.code
        flows.append(rec(key(p[2], p[3], p[4], dp, p[6], p[7]), p[8], p[9],
                         us_of(p[0], "%Y-%m-%d %H:%M:%S.%f") // 1000, us_of(p[1], "%Y-%m-%d %H:%M:%S.%f") // 1000))
    return flows


def nfdump_info(path):
    info = {}
    for line in open(path):
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return (int(info.get("Flows", -1)), int(info.get("Packets", -1)), int(info.get("Bytes", -1))), \
        int(info.get("Sequence failures", -1))


def nfacctd(path):
    flows, nflows = [], 0
    with open(path) as f:
        for r in csv.DictReader(f):
            t0, t1 = (us_of(r[c], "%Y-%m-%d %H:%M:%S.%f") for c in ("TIMESTAMP_START", "TIMESTAMP_END"))
            x = rec(key(r["SRC_IP"], r["DST_IP"], r["SRC_PORT"], r["DST_PORT"], r["PROTOCOL"], r["TOS"]),
                    r["PACKETS"], r["BYTES"], t0, t1)
            x["flows"] = int(r["FLOWS"])
            x["us"] = (t0, t1)
            nflows += x["flows"]
            flows.append(x)
    return flows, nflows


def diff(ref, got, fields, limit=4):
    """'# ' lines: the first per-flow differences between two multisets."""
    a = collections.Counter(tuple(r[f] for f in fields) for r in ref)
    b = collections.Counter(tuple(r[f] for f in fields) for r in got)
    out = []
    for name, c in (("probe only", a - b), ("peer only", b - a)):
        items = list(c.elements())
        if items:
            out.append("# %d %s (%s), e.g.:" % (len(items), name, ",".join(fields)))
            out += ["#   %s" % (x,) for x in sorted(items, key=str)[:limit]]
    return out


def main():
    cmd, peer, version, probe_err = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    args = sys.argv[5:]
    flows, v6, st = probe(probe_err, version)
    ref = (len(flows), sum(r["pkts"] for r in flows), sum(r["octs"] for r in flows))
    lines, ok = [], True

    if "records" not in st:
        print("# no statistics from flowprobe in %s" % probe_err)
        sys.exit(1)
    if cmd == "probe":
        want_v6 = st.get("v6", 0) if version in (1, 5) else 0
        lines.append("# records %s (-D: %d), IPv6 not exportable %d (-D: %d), send failures %s"
                     % (st.get("records"), len(flows), want_v6, v6, st.get("failures")))
        ok = st.get("records") == len(flows) and want_v6 == v6 and st.get("failures") == 0 and len(flows) > 0
    elif cmd == "cell":
        if peer == "tshark":
            pdml, gate = args
            got, options = tshark(pdml)
            bad = [l for l in open(gate) if l.strip()]
            if bad:
                ok = False
                lines.append("# %d frames fail the gate (malformed, expert >= warning, no template):" % len(bad))
                lines += ["#   " + l.rstrip()[:160] for l in bad[:4]]
            res = (len(got), sum(r["pkts"] for r in got), sum(r["octs"] for r in got))
            extra = ", %d options records apart" % options
        elif peer == "nfdump":
            fmt, info, pdml = args
            got = nfdump(fmt)
            res, seqfail = nfdump_info(info)
            if res[0] != len(got):
                lines.append("# nfdump -I says %d flows, the listing has %d" % (res[0], len(got)))
            # nfcapd 1.7.1 checks the IPFIX sequence against the flow records
            # it processed (collectors.md 1.1), while RFC 7011 3.1 (and
            # tshark) count every data record, options records too: each
            # message after one carrying an options record is a "failure".
            tshark(pdml)
            known = sum(1 for n in tshark.per_message[:-1] if n) if version == 10 else 0
            if seqfail != known:
                ok = False
                lines.append("# nfcapd counted %d sequence failures (%d expected)" % (seqfail, known))
            elif known:
                lines.append("# known: nfcapd counted %d IPFIX sequence failures, one after each message "
                             "with an options record (it counts flow records only; RFC 7011 3.1 and tshark "
                             "count all data records)" % known)
            extra = ""
        else:
            got, nflows = nfacctd(args[0])
            seq = [l for l in open(args[1], errors="replace") if "expecting flow" in l]
            if seq:  # nfacctd_disable_checks: false
                ok = False
                lines.append("# nfacctd logged %d sequence errors, e.g. %s" % (len(seq), seq[0].strip()))
            res = (nflows, sum(r["pkts"] for r in got), sum(r["octs"] for r in got))
            extra = ", %d rows" % len(got)
        lines.insert(0, "# probe: %d records, %d packets, %d octets; %s: %d, %d, %d%s"
                     % (ref + (peer,) + tuple(res) + (extra,)))
        if res != ref:
            ok = False
            lines += diff(flows, got, ("key", "pkts", "octs"))
    elif cmd == "times":
        if peer == "tshark":
            got, _ = tshark(args[0])
        elif peer == "nfdump":
            got = nfdump(args[0])
        else:
            got, _ = nfacctd(args[0])
            # printed to the µs: a whole number of milliseconds
            frac = [r for r in got if r["us"][0] % 1000 or r["us"][1] % 1000]
            if frac:
                ok = False
                lines.append("# %d rows with times not whole ms, e.g. %s" % (len(frac), frac[0]))
        for r in got:
            if peer == "nfacctd":
                r["start"], r["end"] = r["start"] // 1000, r["end"] // 1000
        if len(flows) == 0 or diff(flows, got, ("key", "start", "end")):
            ok = False
            lines += diff(flows, got, ("key", "start", "end"))
        lines.insert(0, "# %d flows, first/last ms compared" % len(flows))
    print("\n".join(lines))
    sys.exit(0 if ok else 1)


try:
    main()
except (OSError, ValueError, KeyError, AttributeError, ET.ParseError) as e:
    print("# could not compare: %s: %s" % (type(e).__name__, e))
    sys.exit(1)
PY

# result NAME COMMAND...: "ok NAME", or the helper's "# " lines and "not ok NAME".
result() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		printf '%s\n' "$out" | grep '^# known: '
		ok "$name"
	else
		printf '%s\n' "$out" | grep '^#' | head -14
		printf '%s\n' "$out" | grep -v '^#' | head -4 | sed 's/^/# /'
		not_ok "$name"
	fi
}

PENDING=()	# nfacctd instances told to stop (SIGINT takes it 2 s): waited for later

for v in "${VERSIONS[@]}"; do
	for cap in "${CAPS[@]}"; do
		d="$TMP/v$v.$cap"
		mkdir -p "$d/nfcapd" "$d/nfacctd"
		dests=""
		if ! start_nfcapd "$d/nfcapd"; then
			note "nfcapd did not bind a port: $(head -3 "$d/nfcapd.log")"
			NFPID=""
		else
			dests="127.0.0.1:$NFPORT"
		fi
		NAPID=""
		if [ "$v" != 1 ]; then
			if start_nfacctd "$d/nfacctd"; then
				dests="${dests:+$dests,}127.0.0.1:$NAPORT"
			else
				note "nfacctd did not bind a port: $(tail -3 "$d/nfacctd/nfacctd.log" 2>/dev/null)"
				NAPID=""
			fi
		fi
		# -w frames the datagrams to the first destination's port
		"$PROBE" -r "$(cap_path "$cap")" -v "$v" -D ${dests:+-n "$dests"} -w "$d/export.pcap" \
			>/dev/null 2>"$d/probe.err"
		echo "$?" >"$d/probe.rc"
		for p in ${NFPID:+$NFPORT} ${NAPID:+$NAPORT}; do
			drops=$(udp_field "$p" 13)
			[ "${drops:-0}" = 0 ] || note "v$v $cap: the socket on port $p dropped $drops datagrams"
		done
		WPORT=${dests%%,*}; WPORT=${WPORT##*:}; WPORT=${WPORT:-2055}
		echo "$WPORT" >"$d/wport"
		if [ -n "$NFPID" ]; then
			wait_for drained "$NFPORT" || note "v$v $cap: nfcapd did not drain its socket"
			wait_for idle "$NFPID" || note "v$v $cap: nfcapd stayed busy"
			kill -TERM "$NFPID"
			stopped "$NFPID" 10
			echo "$?" >"$d/nfcapd.rc"
		fi
		if [ -n "$NAPID" ]; then
			wait_for drained "$NAPORT" || note "v$v $cap: nfacctd did not drain its socket"
			wait_for idle "$NAPID" || note "v$v $cap: nfacctd stayed busy"
			kill -INT "$NAPID"
			PENDING+=("$NAPID")
		fi
	done
done
for p in "${PENDING[@]}"; do stopped "$p" 15; done
T1=$(date +%s.%N)

# decode V CAP: every check of one probe run (prints its lines).
decode() {
	local v=$1 cap=$2 V d dec
	V=$(vname "$v")
	d="$TMP/v$v.$cap"
	result "interop $V probe $cap" python3 "$TMP/interop.py" probe - "$v" "$d/probe.err"
	[ "$(cat "$d/probe.rc")" = 0 ] || note "flowprobe exited $(cat "$d/probe.rc"): $(tail -2 "$d/probe.err")"

	# tshark: the -w file, decoded as cflow on the port it was framed to
	dec="udp.port==$(cat "$d/wport"),cflow"
	tshark -r "$d/export.pcap" -d "$dec" -T pdml >"$d/export.pdml" 2>"$d/tshark.err"
	tshark -r "$d/export.pcap" -d "$dec" \
		-Y '_ws.malformed || _ws.expert.severity >= 6291456 || cflow.no_template_found' \
		>"$d/gate.txt" 2>>"$d/tshark.err"
	result "interop $V tshark $cap" \
		python3 "$TMP/interop.py" cell tshark "$v" "$d/probe.err" "$d/export.pdml" "$d/gate.txt"

	if ! ls "$d/nfcapd"/nfcapd.2* >/dev/null 2>&1; then
		note "nfcapd wrote no file (exit $(cat "$d/nfcapd.rc" 2>/dev/null)): $(tail -3 "$d/nfcapd.log")"
		not_ok "interop $V nfdump $cap"
	else
		nfdump -r "$d/nfcapd" -I >"$d/nfdump.info" 2>&1
		nfdump -r "$d/nfcapd" -q -N -6 -o 'fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%tos|%pkt|%byt' >"$d/nfdump.txt" 2>&1
		result "interop $V nfdump $cap" \
			python3 "$TMP/interop.py" cell nfdump "$v" "$d/probe.err" "$d/nfdump.txt" "$d/nfdump.info" \
			"$d/export.pdml"
	fi

	if [ "$v" = 1 ]; then
		[ "$cap" = "${CAPS[0]}" ] &&
			skip "interop $V nfacctd (every capture)" "nfacctd does not read v1 (collectors.md 4.1: only 5, 9, 10)"
	elif [ ! -s "$d/nfacctd/flows.csv" ]; then
		note "nfacctd wrote no csv: $(grep -E 'ERROR|WARN' "$d/nfacctd/nfacctd.log" | head -3)"
		not_ok "interop $V nfacctd $cap"
	else
		result "interop $V nfacctd $cap" \
			python3 "$TMP/interop.py" cell nfacctd "$v" "$d/probe.err" "$d/nfacctd/flows.csv" "$d/nfacctd/nfacctd.log"
	fi

	if [ "$cap" = "$TIMES_CAP" ] && [ "$v" -ge 9 ]; then
		result "interop $V times tshark $cap" \
			python3 "$TMP/interop.py" times tshark "$v" "$d/probe.err" "$d/export.pdml"
		result "interop $V times nfdump $cap" \
			python3 "$TMP/interop.py" times nfdump "$v" "$d/probe.err" "$d/nfdump.txt"
		result "interop $V times nfacctd $cap" \
			python3 "$TMP/interop.py" times nfacctd "$v" "$d/probe.err" "$d/nfacctd/flows.csv"
	fi
}

# Decoding is independent per run: a few at once, printed in order.
jobs_max=$(nproc 2>/dev/null || echo 2)
[ "$jobs_max" -gt 4 ] && jobs_max=4
[ "$jobs_max" -lt 2 ] && jobs_max=2
for v in "${VERSIONS[@]}"; do
	for cap in "${CAPS[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
		decode "$v" "$cap" >"$TMP/v$v.$cap/result" 2>&1 &
	done
done
wait
declare -A MATRIX
for v in "${VERSIONS[@]}"; do
	for cap in "${CAPS[@]}"; do
		cat "$TMP/v$v.$cap/result"
		# cell: the check name without "interop " and the capture
		while read -r st name; do
			cell=${name#interop }
			cell=${cell% "$cap"}
			cell=${cell% "(every capture)"}
			case $st in
			ok) MATRIX[$cell]=${MATRIX[$cell]:-ok} ;;
			not) MATRIX[$cell]=FAIL ;;
			skip) MATRIX[$cell]=n/a ;;
			esac
		done < <(sed -n -e 's/^\(ok\) \(.*\)/\1 \2/p' -e 's/^not ok \(.*\)/not \1/p' \
			-e 's/^\(skip\) \([^:]*\):.*/\1 \2/p' "$TMP/v$v.$cap/result")
	done
done
T2=$(date +%s.%N)

note "interop matrix (${CAPS[*]}; times on $TIMES_CAP):"
note "$(printf '%-11s %-7s %-7s %-7s %-7s' format probe tshark nfdump nfacctd)"
for v in "${VERSIONS[@]}"; do
	V=$(vname "$v")
	note "$(printf '%-11s %-7s %-7s %-7s %-7s' "$V" "${MATRIX[$V probe]:--}" "${MATRIX[$V tshark]:--}" \
		"${MATRIX[$V nfdump]:--}" "${MATRIX[$V nfacctd]:--}")"
done
for v in 9 10; do
	V=$(vname "$v")
	note "$(printf '%-11s %-7s %-7s %-7s %-7s' "$V times" "" "${MATRIX[$V times tshark]:--}" \
		"${MATRIX[$V times nfdump]:--}" "${MATRIX[$V times nfacctd]:--}")"
done
note "$(awk -v a="$T0" -v b="$T1" -v c="$T2" 'BEGIN {printf "time: %.1f s exporting to the daemons, %.1f s decoding and comparing", b - a, c - b}')"
