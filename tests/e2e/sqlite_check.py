#!/usr/bin/env python3
"""sqlite_check.py - read -o sqlite databases for tests/e2e/sqlite.sh.

  sqlite_check.py gdp DB        the GDP paper's duration query on the Flow
                                view, a line "source milliseconds" per
                                source address (IPv4 integers as dotted
                                quads), sorted
  sqlite_check.py nfdump        the same from nfdump -o csv on standard
                                input: td (seconds, 3 decimals) summed per
                                sa, in milliseconds
  sqlite_check.py csv DB NAMES  every row of flows as flowcollect -o csv
                                prints it (collector/sink_csv.c), from the
                                columns alone; NAMES is proto_names.h

Written apart from the C code: the only thing read from it is the table
of protocol names.
"""
import ipaddress
import re
import sqlite3
import sys
import time
from collections import defaultdict


def addr_text(v):
    return str(ipaddress.IPv4Address(v)) if isinstance(v, int) else v


def gdp(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT IP_SOURCE, SUM(LAST-FIRST) FROM Flow GROUP BY IP_SOURCE")
    for src, ms in sorted((addr_text(s), ms) for s, ms in rows):
        print(src, ms)


def nfdump():
    sums = defaultdict(int)
    lines = iter(sys.stdin.read().splitlines())
    header = next(lines)
    ta, sa = header.split(",").index("td"), header.split(",").index("sa")
    for line in lines:
        # One file after another: each with its header and summary.
        if line == header:
            continue
        if line == "Summary":
            next(lines)
            next(lines)
            continue
        f = line.split(",")
        secs, _, frac = f[ta].partition(".")
        assert len(frac) == 3, f[ta]
        sums[f[sa]] += int(secs) * 1000 + int(frac)
    for src in sorted(sums):
        print(src, sums[src])


def csv_time(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000))


def secs3(ms):
    sign = "-" if ms < 0 else ""
    return "%s%d.%03d" % (sign, abs(ms) // 1000, abs(ms) % 1000)


def flags(bits):
    return "".join(c if bits & (0x80 >> i) else "." for i, c in enumerate("CEUAPRSF"))


def mpls(v):
    return "%d-%d-%d" % (v >> 4, (v >> 1) & 7, v & 1)


def csv(db, names_h):
    names = {int(n): s for n, s in re.findall(r'\[(\d+)\] = "([^"]*)"', open(names_h).read())}
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    zero_mac = "00:00:00:00:00:00"
    for r in con.execute("SELECT * FROM flows ORDER BY id"):
        f = [csv_time(r["first_ms"]), csv_time(r["last_ms"]), secs3(r["last_ms"] - r["first_ms"]),
             r["src_addr"], r["dst_addr"], r["src_port"], r["dst_port"],
             names.get(r["protocol"], str(r["protocol"])), flags(r["tcp_flags"]), 0, r["tos"],
             r["packets"], r["bytes"], r["rev_packets"], r["rev_bytes"], r["in_if"], r["out_if"],
             r["src_as"], r["dst_as"], r["src_mask"], r["dst_mask"], 0, 0, r["next_hop"],
             "0.0.0.0", r["vlan"], 0, r["src_mac"], zero_mac, r["dst_mac"], zero_mac]
        f += [mpls(r["mpls%d" % i]) for i in range(1, 11)]
        f += ["    0.000"] * 3
        f += [r["exporter_addr"], "%d/%d" % (r["engine_type"], r["engine_id"]),
              r["exporter_id"] or 0,
              "%s.%03d" % (csv_time(r["export_ms"]), r["export_ms"] % 1000)]
        print(",".join(str(x) for x in f))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gdp":
        gdp(sys.argv[2])
    elif cmd == "nfdump":
        nfdump()
    elif cmd == "csv":
        csv(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: sqlite_check.py gdp DB | nfdump | csv DB NAMES")
