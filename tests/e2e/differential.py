#!/usr/bin/env python3
"""differential.py CAPTURE OURS [SOFTFLOWD] - one capture, three counts.

OURS is flowprobe -D's standard error (its "EXPIRED:" lines, one per
one-way flow); SOFTFLOWD is softflowd -D's output for the same capture
(its "EXPIRED:" lines, one per two-way flow), or absent when softflowd
does not meter this capture.  Both ran with timeouts disabled, so a flow
is split only where its key differs.

Checks, each exact:
- ours against tshark (tshark_count.py), per one-way 5-tuple: packets
  and octets;
- ours against softflowd, per one-way 5-tuple: packets.  softflowd keys
  some traffic differently, and there the comparison is per one-way
  address pair and protocol (IPv4 fragments: softflowd gives later
  fragments a flow of their own, ports 0) or per one-way address pair
  (IPv6 fragments: softflowd's later fragments have protocol 0; AH:
  softflowd stops at AH, we walk past it).  Which pairs those are comes
  from tshark's view of the capture, not from either probe.  softflowd
  reads ports of TCP and UDP only (ICMP gives type and code): for other
  protocols (SCTP, DCCP) the comparison is per pair and protocol.  And
  softflowd meters IPv4 headers whose length field says less than 20
  bytes, which RFC 791 does not allow and we count as bad headers: its
  extra flows must hold exactly the packets tshark finds with such
  headers, and nothing else may differ.

Prints "# " lines for differences, then one line
"RESULT packets=N flows=N tuples=N tshark=ok|differs softflowd=ok|differs|-"
and exits 1 if anything differs.

differential.py --ether CAPTURE OURS: OURS ran at -T ether; per one-way
5-tuple and Ethernet source and destination, packets and octets must
equal tshark's.
"""
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from tshark_count import Count  # noqa: E402

OURS = re.compile(r"^EXPIRED: \[([^\]]*)\]:(\d+) > \[([^\]]*)\]:(\d+) proto:(\d+) "
                  r".* octets:(\d+) packets:(\d+) .*?(?: mac:([0-9a-f:]+)>([0-9a-f:]+))?$")
THEIRS = re.compile(r"^EXPIRED: seq:\d+ \[([^\]]*)\]:(\d+) <> \[([^\]]*)\]:(\d+) proto:(\d+) "
                    r"octets>:(\d+) packets>:(\d+) octets<:(\d+) packets<:(\d+) ")


def add(flows, key, packets, octets):
    acc = flows.setdefault(key, [0, 0])
    acc[0] += packets
    acc[1] += octets


def ours(path, macs=False):
    flows, lines = {}, 0
    for line in open(path, errors="replace"):
        m = OURS.match(line.rstrip("\n"))
        if m:
            s, sp, d, dp, p, o, n, smac, dmac = m.groups()
            if macs:
                s, d = (s, smac or ""), (d, dmac or "")
            add(flows, (s, d, int(sp), int(dp), int(p)), int(n), int(o))
            lines += 1
    return flows, lines


def softflowd(path):
    flows = {}
    for line in open(path, errors="replace"):
        m = THEIRS.match(line)
        if m:
            a, pa, b, pb, p, o1, n1, o2, n2 = m.groups()
            if int(n1):
                add(flows, (a, b, int(pa), int(pb), int(p)), int(n1), int(o1))
            if int(n2):
                add(flows, (b, a, int(pb), int(pa), int(p)), int(n2), int(o2))
    return flows


SOFTFLOWD_PORTS = {1, 6, 17, 58}


def coarsen(flows, count):
    """Regroup flows where softflowd's key differs from ours (see above)."""
    out = {}
    for (s, d, sp, dp, p), (n, _) in flows.items():
        if (s, d) in count.frag6 or (s, d) in count.ah:
            key = (s, d, "*", "*", "*")
        elif (s, d) in count.frag4 or p not in SOFTFLOWD_PORTS:
            key = (s, d, "*", "*", p)
        else:
            key = (s, d, sp, dp, p)
        out[key] = out.get(key, 0) + n
    return out


def compare(name, want, got, what, extra_allowed=0):
    """Count keys whose values differ; keys only in want may hold up to
    extra_allowed packets in all, if that is exactly what they hold."""
    only_want = [k for k in want if k not in got]
    if extra_allowed and sum(want[k] for k in only_want) == extra_allowed:
        print("# %s's %d packets with a header length below 20 bytes: %s"
              % (name, extra_allowed, ", ".join(map(str, only_want))))
        want = {k: v for k, v in want.items() if k in got}
    bad = 0
    for key in sorted(set(want) | set(got), key=str):
        if want.get(key) != got.get(key):
            bad += 1
            if bad <= 8:
                print("# %s %s: %s %s, ours %s" % (what, key, name, want.get(key), got.get(key)))
    if bad > 8:
        print("# ... %d %s differences in all" % (bad, what))
    return bad


def main():
    if sys.argv[1] == "--ether":
        # -T ether: ours against tshark, keyed by Ethernet addresses too.
        count = Count(sys.argv[2], macs=True)
        mine, nflows = ours(sys.argv[3], macs=True)
        bad = compare("tshark", {k: v[:2] for k, v in count.flows.items()}, mine,
                      "packets,octets")
        print("RESULT packets=%d flows=%d tuples=%d tshark=%s softflowd=-"
              % (sum(v[0] for v in mine.values()), nflows, len(mine), "differs" if bad else "ok"))
        sys.exit(1 if bad else 0)
    capture, ours_path = sys.argv[1], sys.argv[2]
    theirs_path = sys.argv[3] if len(sys.argv) > 3 else None
    count = Count(capture)
    mine, nflows = ours(ours_path)
    packets = sum(v[0] for v in mine.values())

    bad_tshark = compare("tshark", {k: v[:2] for k, v in count.flows.items()}, mine,
                         "packets,octets")
    verdict = "-"
    bad_theirs = 0
    if theirs_path:
        bad_theirs = compare("softflowd", coarsen(softflowd(theirs_path), count),
                             coarsen(mine, count), "packets", count.bad_ihl)
        verdict = "differs" if bad_theirs else "ok"
    print("RESULT packets=%d flows=%d tuples=%d tshark=%s softflowd=%s"
          % (packets, nflows, len(mine), "differs" if bad_tshark else "ok", verdict))
    sys.exit(1 if bad_tshark or bad_theirs else 0)


if __name__ == "__main__":
    main()
