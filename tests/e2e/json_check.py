#!/usr/bin/env python3
"""json_check.py NAMES JSON CSV LABEL VERSION - flowcollect -o json held
against -o csv of the same run (tests/e2e/json.sh).

Prints one line a check, "ok LABEL: ..." or "not ok LABEL: ..." (with
"# " details before it), as tests/e2e/lib.sh does:

  - every line is a JSON object whose values are integers or strings;
  - every key is an IANA IPFIX element name from NAMES (RFC 5103's
    "reverse" names included) or the one exception, exportTimeMilliseconds;
  - keys come in one order on every line;
  - as many flows as the CSV, and the same sums of packets and octets, the
    reverse direction's too (the CSV's ipkt/ibyt/opkt/obyt and Summary);
  - row by row, every field the CSV has equals the JSON's, a key the
    JSON leaves out counting as 0: nothing the CSV shows is lost;
  - every line says export version VERSION.
"""
import csv
import datetime
import ipaddress
import json
import os
import re
import sys

EXCEPTIONS = {"exportTimeMilliseconds"}  # RFC 7011's header Export Time: no IANA element



def protocol_numbers():
    """nfdump's names in the CSV's "pr" column, each with the numbers it
    stands for (IDPR is two), from the table the CSV sink prints them from
    (collector/proto_names.h)."""
    path = os.path.join(os.path.dirname(__file__), "../../collector/proto_names.h")
    numbers = {}
    with open(path) as f:
        for n, name in re.findall(r'\[(\d+)\] = "([^"]*)"', f.read()):
            numbers.setdefault(name.strip(), set()).add(int(n))
    return numbers


PROTOCOLS = protocol_numbers()


def iana_names(path):
    names = set()
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            number, name = line.split()
            int(number)
            names.add(name)
    # RFC 5103: "reverse", then the forward name with a capital first letter.
    return names | {"reverse" + n[0].upper() + n[1:] for n in names}


class Report:
    def __init__(self, label):
        self.label = label
        self.failed = False

    def check(self, name, problems):
        for p in problems[:5]:
            print("# " + p)
        if problems:
            self.failed = True
            print("not ok %s: %s (%d problems)" % (self.label, name, len(problems)))
        else:
            print("ok %s: %s" % (self.label, name))


def read_csv(path):
    rows, summary = [], None
    with open(path, newline="") as f:
        lines = f.read().split("\n")
    end = lines.index("Summary")
    rows = list(csv.DictReader(lines[:end]))
    summary = dict(zip(lines[end + 1].split(","), (int(x) for x in lines[end + 2].split(","))))
    return rows, summary


def utc(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")


def flags(bits):
    return "".join(c if bits & (0x80 >> i) else "." for i, c in enumerate("CEUAPRSF"))


def mpls(text):
    label, exp, bos = (int(x) for x in text.split("-"))
    return label << 4 | exp << 1 | bos


def addr_key(o, name):
    """The value of sourceIPv4Address or sourceIPv6Address (name "source")."""
    for v in ("IPv4", "IPv6"):
        if name + v + "Address" in o:
            return o[name + v + "Address"]
    return None


def compare(o, row):
    """The fields of one CSV row that differ from the JSON object's."""
    icmp = "icmpTypeCodeIPv4" in o or "icmpTypeCodeIPv6" in o
    g = o.get
    want = {
        "ts": utc(o["flowStartMilliseconds"]),
        "te": utc(o["flowEndMilliseconds"]),
        "td": "%.3f" % ((o["flowEndMilliseconds"] - o["flowStartMilliseconds"]) / 1000),
        "sa": ipaddress.ip_address(addr_key(o, "source")),
        "da": ipaddress.ip_address(addr_key(o, "destination")),
        "sp": g("sourceTransportPort", 0),
        "dp": g("icmpTypeCodeIPv4", g("icmpTypeCodeIPv6", 0)) if icmp
        else o["destinationTransportPort"],
        "pr": o["protocolIdentifier"],
        "flg": flags(o["tcpControlBits"]),
        "stos": o["ipClassOfService"],
        "ipkt": o["packetDeltaCount"], "ibyt": o["octetDeltaCount"],
        "opkt": g("reversePacketDeltaCount", 0), "obyt": g("reverseOctetDeltaCount", 0),
        "in": o["ingressInterface"], "out": o["egressInterface"],
        "sas": g("bgpSourceAsNumber", 0), "das": g("bgpDestinationAsNumber", 0),
        "smk": g("sourceIPv4PrefixLength", g("sourceIPv6PrefixLength", 0)),
        "dmk": g("destinationIPv4PrefixLength", g("destinationIPv6PrefixLength", 0)),
        "nh": ipaddress.ip_address(g("ipNextHopIPv4Address", g("ipNextHopIPv6Address", "0.0.0.0"))),
        "svln": g("vlanId", 0),
        "ismc": g("sourceMacAddress", "00:00:00:00:00:00"),
        "idmc": g("destinationMacAddress", "00:00:00:00:00:00"),
        "ra": ipaddress.ip_address(addr_key(o, "exporter")),
        "eng": "%d/%d" % (g("engineType", 0), g("engineId", 0)),
        "tr": "%s.%03d" % (utc(o["exportTimeMilliseconds"]), o["exportTimeMilliseconds"] % 1000),
    }
    names = ["mplsTopLabelStackSection"] + ["mplsLabelStackSection%d" % i for i in range(2, 11)]
    for i, name in enumerate(names):
        want["mpls%d" % (i + 1)] = g(name, 0)
    got = dict(row)
    for k in ("sa", "da", "nh", "ra"):
        got[k] = ipaddress.ip_address(got[k])
    for k in ("sp", "dp", "stos", "ipkt", "ibyt", "opkt", "obyt", "in", "out", "sas", "das",
              "smk", "dmk", "svln"):
        got[k] = int(got[k])
    pr = got["pr"].strip()
    if o["protocolIdentifier"] in (PROTOCOLS.get(pr) or {int(pr) if pr.isdigit() else -1}):
        got["pr"] = o["protocolIdentifier"]
    for i in range(1, 11):
        got["mpls%d" % i] = mpls(got["mpls%d" % i])
    return ["%s: csv %r, json %r" % (k, got[k], v) for k, v in want.items() if got[k] != v]


def main():
    names_path, json_path, csv_path, label, version = sys.argv[1:6]
    allowed = iana_names(names_path) | EXCEPTIONS
    r = Report(label)

    objs, bad = [], []
    with open(json_path) as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except ValueError as e:
                bad.append("line %d: %s" % (n, e))
                continue
            if not isinstance(o, dict) or not line.endswith("}\n"):
                bad.append("line %d: not one object on its line" % n)
                continue
            for k, v in o.items():
                if type(v) not in (int, str):
                    bad.append("line %d: %s is %r" % (n, k, v))
            objs.append(o)
    r.check("%d lines, each a JSON object of integers and strings" % len(objs), bad)

    keys = sorted({k for o in objs for k in o})
    r.check("%d keys, each an IANA element name or exportTimeMilliseconds" % len(keys),
            ["%s is not an IANA name" % k for k in keys if k not in allowed])

    # One order: no two keys appear in both orders.
    before, clash = set(), []
    for o in objs:
        ks = list(o)
        for i, a in enumerate(ks):
            for b in ks[i + 1:]:
                if (b, a) in before:
                    clash.append("%s and %s in both orders" % (a, b))
                before.add((a, b))
    r.check("keys in one order on every line", sorted(set(clash)))

    r.check("every flow says version %s" % version,
            ["line %d: %r" % (n, o.get("exportProtocolVersion"))
             for n, o in enumerate(objs, 1) if o.get("exportProtocolVersion") != int(version)])

    rows, summary = read_csv(csv_path)
    sums = {k: sum(o.get(k, 0) for o in objs) for k in
            ("packetDeltaCount", "octetDeltaCount", "reversePacketDeltaCount",
             "reverseOctetDeltaCount")}
    csv_sums = {k: sum(int(row[k]) for row in rows) for k in ("ipkt", "ibyt", "opkt", "obyt")}
    r.check("%d flows, as the CSV has" % len(objs),
            [] if len(objs) == len(rows) == summary["flows"]
            else ["json %d, csv %d rows, summary %d" % (len(objs), len(rows), summary["flows"])])
    problems = []
    for j, c in (("packetDeltaCount", "ipkt"), ("octetDeltaCount", "ibyt"),
                 ("reversePacketDeltaCount", "opkt"), ("reverseOctetDeltaCount", "obyt")):
        if sums[j] != csv_sums[c]:
            problems.append("%s %d, csv %s %d" % (j, sums[j], c, csv_sums[c]))
    if sums["packetDeltaCount"] + sums["reversePacketDeltaCount"] != summary["packets"]:
        problems.append("packets %d, csv summary %d" % (
            sums["packetDeltaCount"] + sums["reversePacketDeltaCount"], summary["packets"]))
    if sums["octetDeltaCount"] + sums["reverseOctetDeltaCount"] != summary["bytes"]:
        problems.append("octets %d, csv summary %d" % (
            sums["octetDeltaCount"] + sums["reverseOctetDeltaCount"], summary["bytes"]))
    r.check("%d packets, %d octets (reverse %d, %d), as the CSV sums them" % (
        sums["packetDeltaCount"], sums["octetDeltaCount"], sums["reversePacketDeltaCount"],
        sums["reverseOctetDeltaCount"]), problems)

    problems = []
    for n, (o, row) in enumerate(zip(objs, rows), 1):
        problems += ["flow %d: %s" % (n, p) for p in compare(o, row)]
    r.check("row by row, every CSV field equals the JSON's (absent keys as 0)", problems)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
