#!/usr/bin/env python3
"""progress_split.py - a terminal's bytes: the progress updates, and after.

    progress_split.py RAW AFTER

RAW is what flowprobe wrote to standard error on a terminal
(pty_stderr.py).  The updates are the stretches between carriage
returns, the last of them being the wipe (spaces); what follows the last
carriage return goes to the file AFTER.  Prints facts, "name value" a
line, for progress.sh to check:

    before      bytes written before the first update
    updates     how many updates
    wellformed  1 when every update is a whole progress line (padding aside)
    newlines    newlines among the updates (something else written there)
    percents    the updates' percentages, comma separated (a cut line too)
    increasing  1 when they never go down
    widest      the longest stretch written, padding included
    wiped       1 when the last stretch is spaces over the widest
    packets     the packet count of the last update
"""
import re
import sys

LINE = re.compile(r"^flowprobe: (?:(\d+\.\d)% read, (?:\S+ left, )?)?(\d+) packets( at \d+/s)?, "
                  r"\d+ flows active, \d+ exported, \d+ datagrams$")

PERCENT = re.compile(r"^flowprobe: (\d+\.\d)% read")


def main():
    raw = open(sys.argv[1], "rb").read().decode("latin-1")
    last = raw.rfind("\r")
    head, after = (raw[:last + 1], raw[last + 1:]) if last >= 0 else ("", raw)
    with open(sys.argv[2], "w", encoding="latin-1", newline="") as f:
        f.write(after)
    first = head.find("\r")
    stretches = head[first + 1:-1].split("\r") if first >= 0 else []
    updates, wipe = stretches[:-1], stretches[-1] if stretches else ""
    matches = [LINE.match(u.rstrip(" ")) for u in updates]
    # from the start of each, which a narrow terminal leaves
    percents = [m.group(1) for m in (PERCENT.match(u) for u in updates) if m]
    widest = max((len(s) for s in stretches), default=0)
    facts = {
        "before": first if first >= 0 else len(head),
        "updates": len(updates),
        "wellformed": int(all(matches)),
        "newlines": head.count("\n"),
        "percents": ",".join(percents) or "none",
        "increasing": int(all(float(a) <= float(b) for a, b in zip(percents, percents[1:]))),
        "widest": widest,
        "wiped": int(bool(stretches) and wipe == " " * len(wipe) and len(wipe) >= widest),
        "packets": matches[-1].group(2) if matches and matches[-1] else "none",
    }
    for k, v in facts.items():
        print(k, v)


if __name__ == "__main__":
    main()
