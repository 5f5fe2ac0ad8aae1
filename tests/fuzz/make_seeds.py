#!/usr/bin/env python3
"""make_seeds.py BUILD - the starting corpus for the fuzz targets, from our
own captures (pcaps/, made by tools/craftpcap.c) and our own exports of
them.  Written to tests/fuzz/corpus/{collector,packet}/; deterministic, so
running it again changes nothing.  (../shared's captures are other
projects' data and stay out of the project.)"""
import hashlib, os, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
DLTS = [0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 117, 127, 228, 229, 239, 276]

def frames(path):
    """(linktype, caplen bytes, wirelen) of each record of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0fffffff
    at = 24
    while at + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[at:at + 16])
        yield linktype, data[at + 16:at + 16 + incl], orig
        at += 16 + incl

def udp_payload(frame):
    """The UDP payload of our own -w export frames (Ethernet/IPv4|IPv6/UDP)."""
    et = struct.unpack(">H", frame[12:14])[0]
    if et == 0x0800:
        ihl = (frame[14] & 15) * 4
        return frame[14 + ihl + 8:]
    if et == 0x86dd:
        return frame[14 + 40 + 8:]
    return None

def save(kind, blob):
    d = os.path.join(ROOT, "tests", "fuzz", "corpus", kind)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)

caps = sorted(os.path.join(ROOT, "pcaps", p) for p in os.listdir(os.path.join(ROOT, "pcaps"))
              if p.endswith(".pcap"))
for cap in caps:
    # Frames for the packet decoder, a few per capture.
    for i, (lt, b, orig) in enumerate(frames(cap)):
        if i >= 4 or lt not in DLTS:
            break
        save("packet", bytes([DLTS.index(lt), min(255, max(0, orig - len(b)))]) + b)
    # Export streams for the collector, in every format and a few options.
    for args in (["-v", "1"], ["-v", "5"], ["-v", "9"], ["-v", "10"],
                 ["-v", "10", "-T", "ether", "-A", "uptime"], ["-v", "9", "-A", "nano"]):
        with tempfile.NamedTemporaryFile(suffix=".pcap") as out:
            r = subprocess.run([os.path.join(ROOT, BUILD, "flowprobe"), "-r", cap, "-w", out.name] + args,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                continue
            stream = b""
            for i, (lt, b, orig) in enumerate(frames(out.name)):
                p = udp_payload(b)
                if p is None or i >= 6:
                    break
                stream += struct.pack(">H", len(p)) + p
            if stream:
                save("collector", stream)
