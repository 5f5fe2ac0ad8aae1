#!/usr/bin/env python3
"""stats_compare.py [--all THEIRS_ALL] THEIRS OURS ORDER... - nfdump's -s CSV
against ours.

Both files hold one block per table and order (a header line, the rows,
a blank line) and then nfdump's Summary block; ORDER names each block's
order (flows, packets, ...), in the order the blocks come.

Per block the header must be equal, and so must the column the block is
ranked by, row by row.  The rows may differ in order only among equal
values (nfdump leaves ties in its hash's order, we break them by the
value): without --all the blocks hold every value (-n 0) and must hold the
same rows; with --all they are top-N blocks, and each of our rows must be
in the same block of THEIRS_ALL, nfdump's output with -n 0.  The Summary
blocks must be equal.  Exit 0 when all hold; else one line per difference
on stdout, exit 1.
"""
import sys

RANK_COLUMN = {"flows": 5, "packets": 7, "bytes": 9, "pps": 11, "bps": 12, "bpp": 13}


def blocks(path):
    """[(header, [row, ...]), ...] and the summary lines."""
    out, summary = [], []
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "Summary":
            summary = [l for l in lines[i:] if l]
            break
        if lines[i] == "":
            i += 1
            continue
        header, rows = lines[i], []
        i += 1
        while i < len(lines) and lines[i] != "":
            rows.append(lines[i])
            i += 1
        out.append((header, rows))
    return out, summary


def main():
    args = sys.argv[1:]
    every = None
    if args[0] == "--all":
        every, args = args[1], args[2:]
    theirs, ours, orders = args[0], args[1], args[2:]
    tb, ts = blocks(theirs)
    ob, os_ = blocks(ours)
    eb = blocks(every)[0] if every else None
    bad = []
    if len(tb) != len(orders) or len(ob) != len(orders):
        bad.append("blocks: nfdump %d, ours %d, orders %d" % (len(tb), len(ob), len(orders)))
    for k, (order, (th, tr), (oh, orows)) in enumerate(zip(orders, tb, ob)):
        col = RANK_COLUMN[order]
        if th != oh:
            bad.append("block %d: header %r, ours %r" % (k, th, oh))
        trank = [r.split(",")[col] for r in tr]
        orank = [r.split(",")[col] for r in orows]
        if trank != orank:
            bad.append("block %d (%s): ranking differs: nfdump %s, ours %s"
                       % (k, order, trank[:8], orank[:8]))
        if eb is None:
            if sorted(tr) != sorted(orows):
                diff = sorted(set(tr) ^ set(orows))
                bad.append("block %d (%s): rows differ: %s" % (k, order, diff[:4]))
        else:
            known = set(eb[k][1])
            extra = [r for r in orows if r not in known]
            if extra:
                bad.append("block %d (%s): rows nfdump does not have: %s" % (k, order, extra[:4]))
    if ts != os_:
        bad.append("summary: nfdump %s, ours %s" % (ts, os_))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
