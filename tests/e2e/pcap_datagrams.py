#!/usr/bin/env python3
"""pcap_datagrams.py - edit the export datagrams of a pcap (flowprobe -w),
to make loss the collector must see, and read what the datagrams hold.

  pcap_datagrams.py keep IN OUT I...     write the datagrams listed, in that
                                         order (0-based; a repeat repeats it)
  pcap_datagrams.py cat OUT IN...        the datagrams of several files
  pcap_datagrams.py count IN             datagrams in the file
  pcap_datagrams.py records IN [I...]    records the v1/v5 headers (or v9
                                         header) announce, in all or in those
  pcap_datagrams.py blast HOST PORT N C [FROM]
                                         send N NetFlow v5 datagrams of C
                                         records each, as fast as it can,
                                         numbered as datagrams FROM (default
                                         0), FROM + 1, ... of a stream

Ranges may be written A-B (inclusive).  Frames are copied whole: only
their order changes.
"""
import socket
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    head, recs, i = data[:24], [], 24
    while i + 16 <= len(data):
        incl, = struct.unpack_from("<I", data, i + 8)
        recs.append(data[i:i + 16 + incl])
        i += 16 + incl
    return head, recs


def payload(frame):
    """The UDP payload of an Ethernet/IPv4-or-IPv6/UDP frame."""
    p = frame[16 + 14:]
    if p[0] >> 4 == 4:
        return p[(p[0] & 15) * 4 + 8:]
    return p[40 + 8:]


def indices(args):
    out = []
    for a in args:
        if "-" in a:
            lo, hi = a.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(a))
    return out


def records(frame):
    p = payload(frame)
    return struct.unpack_from("!H", p, 2)[0]


def blast(host, port, n, c, first):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rec = struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH", bytes([192, 0, 2, 1]), bytes([198, 51, 100, 1]),
                      bytes(4), 0, 0, 1, 100, 500, 900, 1234, 80, 0, 0x10, 6, 0, 0, 0, 0, 0, 0)
    body = rec * c
    for i in range(first, first + n):
        hdr = struct.pack("!HHIIIIBBH", 5, c, 1000, 1700000000, 0, i * c, 0, 0, 0)
        s.sendto(hdr + body, (host, port))


def main():
    op, args = sys.argv[1], sys.argv[2:]
    if op == "keep":
        head, recs = read(args[0])
        with open(args[1], "wb") as f:
            f.write(head)
            for i in indices(args[2:]):
                f.write(recs[i])
    elif op == "cat":
        out = None
        for path in args[1:]:
            head, recs = read(path)
            if out is None:
                out = open(args[0], "wb")
                out.write(head)
            for r in recs:
                out.write(r)
        out.close()
    elif op == "count":
        print(len(read(args[0])[1]))
    elif op == "records":
        recs = read(args[0])[1]
        pick = indices(args[1:]) if args[1:] else range(len(recs))
        print(sum(records(recs[i]) for i in pick))
    elif op == "blast":
        blast(args[0], int(args[1]), int(args[2]), int(args[3]),
              int(args[4]) if len(args) > 4 else 0)
    else:
        sys.exit("pcap_datagrams.py: unknown operation " + op)


if __name__ == "__main__":
    main()
