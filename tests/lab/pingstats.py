#!/usr/bin/env python
"""Outage and loss figures from a `ping -D -i 0.2` log (the lab's failover drills).

    pingstats.py LOG BREAK_TS [RESTORE_TS]   -> JSON on stdout

outage_s         longest gap between two consecutive replies from BREAK_TS on (0 when there was none)
lost             requests without a reply from BREAK_TS on (by icmp_seq)
lost_after_restore  requests without a reply sent after RESTORE_TS (recovery loss)
"""
from __future__ import annotations

import json
import re
import sys

LINE = re.compile(r"^\[(\d+\.\d+)\].*icmp_seq=(\d+)")


def stats(text: str, t_break: float, t_restore: float | None = None, interval: float = 0.2) -> dict:
    replies = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m and "bytes from" in line:
            replies.append((float(m.group(1)), int(m.group(2))))
    if not replies:
        return {"replies": 0, "outage_s": None, "lost": None, "lost_after_restore": None}
    replies.sort()
    before = [r for r in replies if r[0] < t_break]
    after = [r for r in replies if r[0] >= t_break]
    chain = before[-1:] + after
    outage = max((b[0] - a[0] for a, b in zip(chain, chain[1:])), default=0.0)
    seqs = {seq for _ts, seq in replies}
    first = before[-1][1] if before else (after[0][1] if after else 0)
    last = replies[-1][1]
    lost = sum(1 for s in range(first, last + 1) if s not in seqs)
    lost_restore = None
    if t_restore is not None and before:
        # requests are sent every `interval` seconds: map a sequence number to its send time
        t0, s0 = before[-1]
        lost_restore = sum(1 for s in range(first, last + 1)
                           if s not in seqs and t0 + (s - s0) * interval >= t_restore)
    return {"replies": len(replies), "outage_s": round(outage, 2), "lost": lost,
            "lost_after_restore": lost_restore}


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        text = f.read()
    print(json.dumps(stats(text, float(argv[2]), float(argv[3]) if len(argv) > 3 else None)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
