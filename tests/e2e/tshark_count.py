"""tshark_count.py - tshark's own count of a capture, per one-way 5-tuple.

An independent reference for the probe: tshark dissects the capture and
we sum, per (source, destination, source port, destination port,
protocol) of the outermost IPv4 or IPv6 header, the packets, the octets
(IPv4 total length; IPv6 40 + payload length) and the earliest and latest
packet times in milliseconds.  The rules are the probe's, stated from the
standards rather than from its code:

- the outermost network header counts, when it is reached through link
  layers only (an IP packet inside a tunnel or a pseudowire is payload);
- IPv6 extension headers (hop-by-hop, routing, fragment, destination
  options, AH) are walked, and the protocol is what follows them; ESP or
  anything else ends the walk;
- TCP, UDP, SCTP and DCCP give ports; ICMP and ICMPv6 give type * 256 +
  code as the destination port;
- a later fragment belongs to its datagram's flow (matched by addresses,
  protocol and identification): it takes the ports of the latest first
  fragment of that datagram seen up to 30 s before it (an identification
  is reused over time), else those of a first fragment arriving within 1 s
  after it, else ports 0.

Also records, per one-way address pair, whether it carried IPv4
fragments, IPv6 fragments or AH (the differential test compares those at
a coarser grain with softflowd, which keys them differently).
"""
import bisect
import subprocess

# Protocol names tshark prints for the link layers the probe decodes, up
# to IP.
LINK_LAYERS = {"eth", "ethertype", "vlan", "mpls", "sll", "null", "loop", "raw",
               "pppoes", "ppp", "ieee8021ad", "llc", "chdlc", "pflog", "nflog",
               "fddi", "wlan", "wlan_radio", "radiotap"}
# IPv6 headers walked to find the protocol, and where each keeps its
# next-header field.
IPV6_EXT = {"ipv6.hopopts": "ipv6.hopopts.nxt", "ipv6.routing": "ipv6.routing.nxt",
            "ipv6.fraghdr": "ipv6.fraghdr.nxt", "ipv6.dstopts": "ipv6.dstopts.nxt",
            "ah": "ah.next_header"}
PORTS = {6: ("tcp.srcport", "tcp.dstport"), 17: ("udp.srcport", "udp.dstport"),
         132: ("sctp.srcport", "sctp.dstport"), 33: ("dccp.srcport", "dccp.dstport")}
FIELDS = ["frame.time_epoch", "frame.protocols",
          "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.hdr_len", "ip.frag_offset", "ip.id", "ip.flags.mf",
          "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.plen",
          "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "sctp.srcport", "sctp.dstport", "dccp.srcport", "dccp.dstport",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
          "eth.src", "eth.dst"] + list(IPV6_EXT.values())


def epoch_ms(text):
    """'1278472582.246309000' -> 1278472582246, without float rounding."""
    sec, _, frac = text.partition(".")
    return int(sec) * 1000 + int((frac + "000")[:3])


def outer_network(chain):
    """Index of the first protocol after the link layers, or None."""
    i = 0
    while i < len(chain) and chain[i] in LINK_LAYERS:
        i += 1
    return i if i < len(chain) else None


def _tshark_rows(capture):
    cmd = ["tshark", "-r", capture, "-n", "-o", "ip.defragment:FALSE",
           "-o", "ipv6.defragment:FALSE", "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    # tshark exits non-zero on a capture cut short, after printing every
    # packet it could read: that part is what we count.
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        yield {k: (v.split("|") if v else []) for k, v in zip(FIELDS, line.split("\t"))}


def _first(v, name, default=""):
    return v[name][0] if v.get(name) else default


def _ipv6_protocol(v, chain, at):
    """The protocol after IPv6's extension headers, and the names of the
    headers walked."""
    used = {name: 0 for name in IPV6_EXT.values()}
    proto = int(_first(v, "ipv6.nxt", "0"))
    walked = set()
    for name in chain[at + 1:]:
        field = IPV6_EXT.get(name)
        if field is None:
            break
        values = v.get(field, [])
        if used[field] >= len(values):
            break
        proto = int(values[used[field]])
        used[field] += 1
        walked.add(name)
    return proto, walked


class Count:
    """flows: (src, dst, sport, dport, proto) -> [packets, octets, first_ms, last_ms]
    packets: packets counted; frag4, frag6, ah: one-way (src, dst) pairs;
    bad_ihl: IPv4 packets whose header length is below 20 bytes (not counted)."""

    REMEMBER_MS = 30000     # how long a first fragment's ports serve
    HOLD_MS = 1000          # how long a later fragment waits for its first

    def __init__(self, capture, macs=False):
        """macs: key flows by Ethernet source and destination too (-T ether)."""
        self.flows = {}
        self.packets = 0
        self.ipv6_packets = 0
        self.bad_ihl = 0
        self.frag4, self.frag6, self.ah = set(), set(), set()
        rows = []
        firsts = {}      # (src, dst, proto, id) -> [(time, ports)] of its first fragments
        for v in _tshark_rows(capture):
            chain = _first(v, "frame.protocols").split(":")
            at = outer_network(chain)
            if at is None or chain[at] not in ("ip", "ipv6"):
                continue
            if chain[at] == "ip":
                if v["ip.hdr_len"] and int(v["ip.hdr_len"][0]) < 20:
                    self.bad_ihl += 1
                    continue
                if not v["ip.proto"] or not v["ip.len"]:
                    continue
                src, dst = _first(v, "ip.src"), _first(v, "ip.dst")
                proto = int(_first(v, "ip.proto"))
                octets = int(_first(v, "ip.len"))
                later = _first(v, "ip.frag_offset", "0") != "0"
                more = _first(v, "ip.flags.mf") in ("1", "True")
                fid = _first(v, "ip.id")
                if later or more:
                    self.frag4.add((src, dst))
                icmp = ("icmp.type", "icmp.code") if proto == 1 else None
            else:
                if not v["ipv6.plen"]:
                    continue
                self.ipv6_packets += 1
                src, dst = _first(v, "ipv6.src"), _first(v, "ipv6.dst")
                proto, walked = _ipv6_protocol(v, chain, at)
                octets = 40 + int(_first(v, "ipv6.plen"))
                fraghdr = "ipv6.fraghdr" in walked
                later = fraghdr and _first(v, "ipv6.fraghdr.offset", "0") != "0"
                more = fraghdr and _first(v, "ipv6.fraghdr.more") in ("1", "True")
                fid = _first(v, "ipv6.fraghdr.ident")
                if later or more:
                    self.frag6.add((src, dst))
                if "ah" in walked:
                    self.ah.add((src, dst))
                icmp = ("icmpv6.type", "icmpv6.code") if proto == 58 else None
            sp = dp = 0
            if not later and proto in PORTS:
                s, d = PORTS[proto]
                if v[s] and v[d]:
                    sp, dp = int(v[s][0]), int(v[d][0])
            elif not later and icmp and v[icmp[0]]:
                dp = int(v[icmp[0]][0]) * 256 + int(_first(v, icmp[1], "0"))
            datagram = (src, dst, proto, fid)
            t = epoch_ms(_first(v, "frame.time_epoch"))
            if not later and more:
                firsts.setdefault(datagram, []).append((t, len(rows), (sp, dp)))
            if macs:
                src, dst = (src, _first(v, "eth.src")), (dst, _first(v, "eth.dst"))
            rows.append((src, dst, proto, sp, dp, later, datagram, octets, t))
        for i, (src, dst, proto, sp, dp, later, datagram, octets, t) in enumerate(rows):
            if later:
                sp, dp = self._ports_of(firsts.get(datagram, []), i, t)
            acc = self.flows.setdefault((src, dst, sp, dp, proto), [0, 0, t, t])
            acc[0] += 1
            acc[1] += octets
            acc[2] = min(acc[2], t)
            acc[3] = max(acc[3], t)
            self.packets += 1

    def _ports_of(self, firsts, i, t):
        """Ports for the later fragment at row i, time t, of a datagram
        whose first fragments are firsts [(time, row, ports)], in order."""
        j = bisect.bisect_left([row for _, row, _ in firsts], i)
        if j > 0 and t - firsts[j - 1][0] <= self.REMEMBER_MS:
            return firsts[j - 1][2]
        if j < len(firsts) and firsts[j][0] - t <= self.HOLD_MS:
            return firsts[j][2]
        return (0, 0)
