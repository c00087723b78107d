"""The interactive replay (--replay), in tmux, on a recording of a growing process.

A leaker opens 20 sockets a second while `sockwatch -b -o json -n 6 -d 0.5 --record R
--record-sockets` records (the JSON lines say each record's time and socket count).
`sockwatch --replay R` shows REPLAY, the first record's date and time and its socket
count; `]` three times shows the fourth record's, `[` the third's (time and counts
change to the earlier record); `t` with "+0s" jumps to the first, with the fifth's
HH:MM:SS to the last record before that second began; Space plays to the end, which
the message line says; the sockets view lists sockets; `k` sends nothing and says so;
a filter expression (\\ state close-wait) joins the record again (fewer sockets), Esc
drops it;
q quits with status 0. A recording without --record-sockets marks its sockets view.
The live view with --record writes records that replay.
"""

import datetime
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import start_leaker  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402


def local_time(iso):
    """The header's local "YYYY-MM-DD HH:MM:SS" of a JSON time ("...Z")."""
    utc = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    return utc.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def shows(rec, k, n):
    """The screen shows record k (0-based) of n: its number, time and socket count."""
    want = ("record %d/%d" % (k + 1, n), local_time(rec["time"]))
    sockets = "Sockets %d " % rec["totals"]["sockets"]
    return lambda s: all(w in s for w in want) and sockets in s


def main(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    _, leaker = start_leaker(t, "--leak", 20)
    path = os.path.join(t.tmpdir, "tui.rec")
    rc, out, _ = t.sockwatch("-b", "-o", "json", "-n", 6, "-d", 0.5, "--record", path,
                             "--record-sockets")
    recs = swtest.parse_json_lines(out) or []
    t.check(rc == 0 and len(recs) == 6, "a recording of 6 refreshes", got=(rc, len(recs)))
    counts = [r["totals"]["sockets"] for r in recs]
    t.check(len(set(counts)) > 1, "the socket count changes between records", got=counts)
    if len(recs) != 6:
        return
    n = len(recs)

    tm = Tmux(t, "%s --replay %s" % (t.sockwatch_path, path), w=160, h=40)
    try:
        tm.wait(lambda s: "REPLAY" in s and shows(recs[0], 0, n)(s),
                "REPLAY, the first record's time and socket count")
        tm.keys("]", "]", "]")
        tm.wait(shows(recs[3], 3, n), "] three times: the fourth record's time and count")
        tm.keys("[")
        tm.wait(shows(recs[2], 2, n), "[: back to the third record's time and count")
        tm.keys("t")
        tm.wait(lambda s: "Jump to" in s, "t opens the jump prompt")
        tm.literal("+0s")
        tm.keys("Enter")
        tm.wait(shows(recs[0], 0, n), "t +0s: the first record")
        # The fifth's second: the last record at or before its start (the JSON times
        # are cut to the second: one in an earlier second), else the first.
        hms = local_time(recs[4]["time"])[11:]
        k = max((i for i, r in enumerate(recs) if local_time(r["time"])[11:] < hms), default=0)
        tm.keys("t")
        tm.literal(hms)
        tm.keys("Enter")
        tm.wait(shows(recs[k], k, n), "t %s: record %d" % (hms, k + 1))
        tm.keys("t")
        tm.literal("soon")
        tm.keys("Enter")
        tm.wait(lambda s: "not a time: soon" in s, "t with no time: said, nothing moves")
        tm.keys("Space")
        tm.wait(lambda s: shows(recs[-1], n - 1, n)(s) and "end of the recording" in s,
                "Space plays to the last record, and says so")
        tm.keys("4")
        tm.wait(lambda s: re.search(r"^tcp\s+established\s", s, re.M) is not None,
                "4: the recorded sockets are listed")
        tm.keys("k")
        tm.wait(lambda s: "a replay sends no signals" in s, "k sends nothing, and says so")
        # A filter expression joins the record again under it; Esc drops it.
        total = "Sockets %d " % recs[-1]["totals"]["sockets"]
        tm.keys("1", "\\")
        tm.literal("state close-wait")
        tm.keys("Enter")
        tm.wait(lambda s: "[state close-wait]" in s and "filter expression" in s
                and re.search(r"Sockets (\d+) ", s) and total not in s,
                "\\ state close-wait: the record joined again, fewer sockets")
        tm.keys("Escape")
        tm.wait(lambda s: total in s and "[state close-wait]" not in s,
                "Esc drops it: the record's own count again")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()

    spath = os.path.join(t.tmpdir, "summary.rec")
    t.sockwatch("-b", "-n", 2, "-d", 0.2, "--record", spath)
    tm = Tmux(t, "%s --replay %s" % (t.sockwatch_path, spath), w=160, h=40)
    try:
        tm.wait(lambda s: "REPLAY" in s and "record 1/2" in s, "a summary recording replays")
        tm.keys("4")
        tm.wait(lambda s: "listening sockets only" in s,
                "its sockets view says only the listening sockets were recorded")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()
    # The interactive view records too.
    lpath = os.path.join(t.tmpdir, "live.rec")
    tm = Tmux(t, "%s -d 0.2 --record %s" % (t.sockwatch_path, lpath), w=160, h=40)
    try:
        tm.wait(lambda s: "Sockets " in s, "the live view runs with --record")

        def recorded():
            rc, out, _ = t.sockwatch("-b", "--replay", lpath, "-o", "json")
            return rc == 0 and len(swtest.parse_json_lines(out) or []) >= 3
        t.check(swtest.wait_for(recorded, 20, 0.2), "... and its refreshes replay")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()
    t.note("leaker pid %d" % leaker)


swtest.run(main, __doc__)
