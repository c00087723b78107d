#!/usr/bin/env python3
"""The TUI's traffic columns follow a paced sender refresh after refresh.

talker.py paces 4 MB/s over loopback to a sink. The TUI at -d 0.5, narrowed to the
sender's pid, shows its TX/s within 15% of the rate in the processes view and keeps
showing it over the refreshes that follow (the header's refresh time changes, the
rate stays: each sample's rates start from the one before, which the other snapshot
holds), also with --traffic-interval 1.5 (refreshes between samples carry the last
sample's figures); the sockets view shows it on the sender's socket; --no-traffic
shows no rate at all.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from talkers import Talkers  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402

RATE = 4e6
UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def column(screen, title, pid):
    """The cell under `title` of the row whose first cell is pid (processes view), or None."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"\bPID\b", line) and title in line:
            heads = line.split()
            for row in lines[i + 1:]:
                cells = row.split()
                if cells[:1] == [str(pid)] and len(cells) >= len(heads) - 1:
                    return cells[heads.index(title)]
    return None


def rate(cell):
    """'3.8M' as bytes per second; None for '-' or anything else."""
    m = re.fullmatch(r"([0-9.]+)([KMG]?)", cell or "")
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def near(cell):
    r = rate(cell)
    return r is not None and abs(r - RATE) <= 0.15 * RATE


def refresh_time(screen):
    m = re.search(r"\b(\d\d:\d\d:\d\d)\b", screen)
    return m.group(1) if m else None


def main(t):
    tk = Talkers(t)
    _, sink, _ = tk.start("sink")
    _, sender, _ = tk.start("send", sink["port"], RATE, 60)
    pid = sender["pid"]

    for extra in ("", "--traffic-interval 1.5"):
        what = extra or "default"
        tm = Tmux(t, "%s -d 0.5 %s -p %d" % (t.sockwatch_path, extra, pid), w=200)
        try:
            s = tm.wait(lambda s: near(column(s, "TX/s", pid)),
                        "%s: the sender's TX/s is within 15%% of %.0f" % (what, RATE))
            # Then every screen for 3 s (six refreshes, samples or not) shows it too.
            screens, seen, end = 0, {refresh_time(s)}, time.monotonic() + 3
            bad = None
            while time.monotonic() < end:
                s = tm.screen()
                cell = column(s, "TX/s", pid)
                if cell is not None:
                    screens += 1
                    seen.add(refresh_time(s))
                    if not near(cell) and bad is None:
                        bad = cell
                time.sleep(0.05)
            t.check(bad is None and screens >= 20 and len(seen) >= 3,
                    "%s: over 3 s (%d screens, %d header times) the TX/s stays near the rate"
                    % (what, screens, len(seen)), got=bad)
            tm.keys("4")
            tm.wait(lambda s: any(":%d" % sink["port"] in line
                                  and re.search(r"\b[34]\.\d+M\b", line)
                                  for line in s.splitlines()),
                    "%s: the sockets view shows the sender's socket's rate" % what)
            tm.keys("q")
            t.check_eq(tm.exit_status(), "0", "%s: q quits" % what)
        finally:
            tm.kill()

    tm = Tmux(t, "%s -d 0.5 --no-traffic -p %d" % (t.sockwatch_path, pid), w=200)
    try:
        s = tm.wait(lambda s: column(s, "COMMAND", pid) is not None,
                    "--no-traffic: the sender's row")
        t.check(column(s, "TX/s", pid) is None or rate(column(s, "TX/s", pid)) is None,
                "--no-traffic: no TX/s for it", got=column(s, "TX/s", pid))
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()


swtest.run(main, __doc__.splitlines()[0])
