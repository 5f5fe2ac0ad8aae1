#!/usr/bin/env python3
"""tshark_flows.py CAPTURE COLLECTOR_TABLE - compare flows with tshark.

An independent count: tshark dissects CAPTURE and we sum, per one-way
5-tuple of the outer IPv4 header, the packets, the IP total lengths, and
the earliest and latest packet times.  The collector's table (flowcollect
-o table output) is summed the same way (flows split by timeouts or ToS
add up).  Prints "# " lines for every difference and exits 1 if any.

tshark_flows.py --ipv6-packets CAPTURE prints how many packets have IPv6
as their outer network header (what v5 cannot export).
"""
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

FIELDS = ["frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ip.proto",
          "ip.len", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "sctp.srcport", "sctp.dstport", "dccp.srcport", "dccp.dstport",
          "icmp.type", "icmp.code", "ip.frag_offset", "ip.id", "ip.flags.mf"]
# Protocol names tshark prints for the link layers we decode, up to IP.
LINK_LAYERS = {"eth", "ethertype", "vlan", "mpls", "sll", "null", "loop", "raw",
               "pppoes", "ppp", "ieee8021ad", "llc", "chdlc", "pflog", "nflog",
               "fddi", "wlan", "wlan_radio", "radiotap"}
PORTS = {"6": ("tcp.srcport", "tcp.dstport"), "17": ("udp.srcport", "udp.dstport"),
         "132": ("sctp.srcport", "sctp.dstport"), "33": ("dccp.srcport", "dccp.dstport")}


def epoch_ms(text):
    """'1278472582.246309000' -> 1278472582246, without float rounding.

    tshark prints the nanoseconds in nine digits at least: a bogus
    fraction of a second or more (timestamp_invalid_micro.pcap, 1000000
    microseconds) comes out as '1418145370.1000000000', 1 s more, not .1.
    """
    sec, _, frac = text.partition(".")
    return int(sec) * 1000 + int(frac.ljust(9, "0")) // 1000000


def outer_network(chain):
    """The first protocol after the link layers, or None."""
    i = 0
    while i < len(chain) and chain[i] in LINK_LAYERS:
        i += 1
    return chain[i] if i < len(chain) else None


def ipv6_packets(capture):
    cmd = ["tshark", "-r", capture, "-n", "-T", "fields", "-e", "frame.protocols"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return sum(1 for line in out.splitlines() if outer_network(line.split(":")) == "ipv6")


def from_tshark(capture):
    cmd = ["tshark", "-r", capture, "-n", "-o", "ip.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-Y", "ip",
           "-T", "fields", "-E", "occurrence=f", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    # tshark exits non-zero on a capture cut short, after printing every
    # packet it could read: that part is what we compare.
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    rows = []
    firsts = {}      # (src, dst, proto, id) -> ports of its first fragment
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        # Meter the outermost network header only, only when it is IPv4 and
        # reached through link-layer headers (not inside a pseudowire).
        if outer_network(v["frame.protocols"].split(":")) != "ip":
            continue
        proto = v["ip.proto"]
        # An IPv4 header tshark could not read (version not 4, header
        # length under 20 bytes, cut before the protocol field) has no
        # fields: no datagram (RFC 791; RFC 1812 5.2.2 has a router discard
        # it), so no flow, as the probe counts it a bad or short packet.
        if proto == "" or v["ip.len"] == "":
            continue
        sp = dp = 0
        later_fragment = v["ip.frag_offset"] not in ("", "0")
        if not later_fragment and proto in PORTS:
            s, d = PORTS[proto]
            if v[s] and v[d]:
                sp, dp = int(v[s]), int(v[d])
        elif not later_fragment and proto == "1" and v["icmp.type"]:
            dp = int(v["icmp.type"]) * 256 + int(v["icmp.code"] or 0)
        datagram = (v["ip.src"], v["ip.dst"], proto, v["ip.id"])
        if not later_fragment and v["ip.flags.mf"] in ("1", "True"):
            firsts.setdefault(datagram, (sp, dp))
        rows.append((v, proto, sp, dp, later_fragment, datagram))
    # Later fragments belong to their datagram's flow: the ports of its
    # first fragment, wherever that is in the capture; ports 0 if none.
    flows = {}
    for v, proto, sp, dp, later_fragment, datagram in rows:
        if later_fragment:
            sp, dp = firsts.get(datagram, (0, 0))
        key = (v["ip.src"], v["ip.dst"], sp, dp, int(proto))
        t = epoch_ms(v["frame.time_epoch"])
        acc = flows.setdefault(key, [0, 0, t, t])
        acc[0] += 1
        acc[1] += int(v["ip.len"])
        acc[2] = min(acc[2], t)
        acc[3] = max(acc[3], t)
    return flows


def split_endpoint(text):
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
    else:
        host, _, port = text.rpartition(":")
    return host, int(port)


def from_collector(table, names):
    flows = {}
    for line in open(table):
        parts = line.split()
        if len(parts) != 12 or parts[5] != "->":
            continue
        day, clock, dur, proto, src, _, dst, _flags, _tos, _in, pkts, octs = parts
        first = datetime.strptime(day + " " + clock, "%Y-%m-%d %H:%M:%S.%f")
        first_ms = int(first.replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)
        sec, _, frac = dur.partition(".")
        last_ms = first_ms + int(sec) * 1000 + int(frac)
        sa, sp = split_endpoint(src)
        da, dp = split_endpoint(dst)
        key = (sa, da, sp, dp, names.get(proto, int(proto) if proto.isdigit() else -1))
        acc = flows.setdefault(key, [0, 0, first_ms, last_ms])
        acc[0] += int(pkts)
        acc[1] += int(octs)
        acc[2] = min(acc[2], first_ms)
        acc[3] = max(acc[3], last_ms)
    return flows


def main():
    if sys.argv[1] == "--ipv6-packets":
        print(ipv6_packets(sys.argv[2]))
        return
    capture, table = sys.argv[1], sys.argv[2]
    # The collector prints nfdump's protocol names: read them from its table.
    header = os.path.join(os.path.dirname(__file__), "../../collector/proto_names.h")
    names = {name.strip(): int(num) for num, name in
             re.findall(r'\[(\d+)\] = "([^"]*)"', open(header).read())}
    want = from_tshark(capture)
    got = from_collector(table, names)
    bad = 0
    for key in sorted(set(want) | set(got), key=str):
        if want.get(key) != got.get(key):
            bad += 1
            if bad <= 10:
                print("# %s: tshark %s, collector %s" % (key, want.get(key), got.get(key)))
    print("# %d five-tuples from tshark, %d from the collector, %d differ"
          % (len(want), len(got), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
