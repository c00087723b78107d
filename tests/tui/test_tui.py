"""The TUI, driven for real inside tmux: keys in with send-keys, screen out with capture-pane.

What a new user does first at 160x45, plus sort, search, kill, resize,
help and quit. Every wait polls the screen until a deadline; nothing sleeps blindly.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

from tmuxdrv import DEADLINE, Tmux  # noqa: E402


def table_rows(screen):
    """The lines under the column titles of the processes view (none in another view)."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*PID USER\b", line):
            return lines[i + 1:]
    return []


def pid_rows(screen):
    """pid -> row text for every table row of the processes view, in screen order."""
    rows = {}
    for line in table_rows(screen):
        m = re.match(r"^\s*(\d+)\s+\S+\s+", line)
        if m:
            rows[int(m.group(1))] = line
    return rows


def sockets_column(screen):
    """The SOCKETS column (7th) of each processes row, '?' as -1."""
    vals = []
    for line in table_rows(screen):
        f = line.split()
        if len(f) >= 7 and f[0].isdigit():
            vals.append(-1 if f[6] == "?" else int(f[6]) if f[6].isdigit() else None)
    return [v for v in vals if v is not None]


def main(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    w1 = t.workload("--conns", "50")
    w2 = t.workload("--conns", "50")
    victim = t.workload("--conns", "1")
    p1, p2 = str(w1.pid), str(w2.pid)
    # --numeric: the kernel picks the ports, and /etc/services names a few of its range.
    tm = Tmux(t, "%s -d 0.5 --numeric" % t.sockwatch_path)
    try:
        scenario(t, tm, w1, w2, victim, p1, p2)
    finally:
        tm.kill()

    # Leaks: a CLOSE_WAIT pile-up is flagged in the LEAK column, L sorts it
    # first and selects it, and Enter on it shows the detail pane above its sockets.
    cw = t.workload("--close-wait", "15")
    tm = Tmux(t, "%s -d 0.5 --close-wait-age 1" % t.sockwatch_path)
    try:
        tm.wait(lambda s: cw.pid in pid_rows(s) and "WARN cw" in pid_rows(s)[cw.pid],
                "LEAK column: WARN cw for the CLOSE_WAIT pile-up")
        tm.wait(lambda s: re.search(r"Leaking \d+", s) is not None, "the header counts the leaking")
        tm.keys("L")
        tm.wait(lambda s: list(pid_rows(s))[:1] == [cw.pid], "L: the flagged process sorts first")
        tm.keys("Enter")  # no Home: L selects it
        tm.wait(lambda s: "WARNING pid %d" % cw.pid in s and "15 old close_wait" in s
                and "never closed here" in s, "Enter: the leak detail pane says why")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()
        t.stop(cw)

    # Ctrl-C, SIGINT, SIGTERM and SIGHUP leave cleanly (status 0), with --no-color and
    # NO_COLOR. The status comes from the pane's shell (a file), never from tmux.
    signals = {"SIGINT": 2, "SIGTERM": 15, "SIGHUP": 1}
    for how in ("C-c", "SIGINT", "SIGTERM", "SIGHUP"):
        tm = Tmux(t, "NO_COLOR=1 %s --no-color -d 0.5" % t.sockwatch_path)
        try:
            tm.wait(lambda s: "PID USER" in s, "%s case: the TUI is up" % how)
            if how == "C-c":
                tm.keys("C-c")
            else:
                shell = tm.run("list-panes", "-t", "sw", "-F", "#{pane_pid}").strip()
                kids = subprocess.run(["pgrep", "-P", shell], stdout=subprocess.PIPE,
                                      timeout=5).stdout.split()
                for k in kids:
                    os.kill(int(k), signals[how])
            t.check_eq(tm.exit_status(), "0", "%s: sockwatch exits with status 0" % how)
        finally:
            tm.kill()

    # No terminal: a clear error naming -b, exit 1.
    rc, out, err = t.sockwatch()
    t.check_eq(rc, 1, "without a terminal sockwatch exits 1")
    t.check("-b" in err and len(err.strip().splitlines()) == 1, "one line on stderr with the -b hint",
            got=err)


def scenario(t, tm, w1, w2, victim, p1, p2):
    tm.wait(lambda s: w1.pid in pid_rows(s), "processes view shows the first workload's pid within 5 s"
            if True else "", timeout=5.0)
    s = tm.screen()
    t.check("F1Help" in s and "Quit" in s, "a footer of keys")
    t.check(re.search(r"Sockets \d+", s) is not None, "header totals")

    tm.keys("2")
    tm.wait(lambda s: "127.0.0.1:%d" % w1.port in s and "LOCAL ADDRESS:PORT" in s,
            "2: the listen view shows the first workload's port")

    tm.keys("4")
    tm.wait(lambda s: sum("127.0.0.1:" in line for line in s.splitlines()) >= 20,
            "4: the sockets view lists at least 20 loopback sockets")
    tm.wait(lambda s: re.search(r"SEND-Q\s+AGE\s+RX/s", s) is not None
            and re.search(r"\u2265\d+s", s) is not None,
            "4: the AGE column, a lower bound for sockets older than sockwatch")

    tm.keys("1")
    tm.wait(lambda s: "PID USER" in s and w1.pid in pid_rows(s), "1: back to the processes view")

    # Sort: I inverts (SOCKETS, largest first by default), > moves the sort column.
    tm.wait(lambda s: sockets_column(s)[:1] and sockets_column(s)[0] >= 101,
            "default sort: most sockets first")
    tm.keys("I")
    tm.wait(lambda s: len(sockets_column(s)) >= 2 and sockets_column(s) == sorted(sockets_column(s)),
            "I: sort inverted (fewest sockets first)")
    tm.keys("I")
    tm.keys("<", "<", "<", "<", "<", "<")  # from SOCKETS to PID
    tm.wait(lambda s: list(pid_rows(s)) == sorted(pid_rows(s), reverse=True)
            and len(pid_rows(s)) >= 3, "<: sorted by PID (numbers: largest first)")
    tm.keys("I")
    tm.wait(lambda s: list(pid_rows(s)) == sorted(pid_rows(s)) and len(pid_rows(s)) >= 3,
            "I: sorted by PID, smallest first")

    # Search: / + pid selects it (the selection survives refreshes).
    tm.keys("/")
    tm.literal(p2)
    tm.keys("Enter")
    tm.wait(lambda s: "Search:" not in s, "search prompt closes on Enter")

    # Filter on the second pid, drill into its sockets, come back.
    tm.keys("\\")
    tm.literal(p2)
    tm.keys("Enter")
    tm.wait(lambda s: w2.pid in pid_rows(s) and w1.pid not in pid_rows(s),
            "\\ filter: the second pid shown, the first hidden")
    tm.keys("Enter")
    s = tm.wait(lambda s: sum((":%d" % w2.port) in line for line in s.splitlines()) >= 20,
                "Enter: the second process's sockets, its port on at least 20 lines")
    t.check(not any((":%d" % w1.port) in line for line in s.splitlines()),
            "no line shows the first process's port")
    t.check("sockets of pid %s" % p2 in s, "the drill-down is named on the tab line")
    tm.keys("Escape")
    tm.wait(lambda s: "PID USER" in s and w2.pid in pid_rows(s) and w1.pid not in pid_rows(s)
            and "[filter: %s]" % p2 in s, "Esc: back to the filtered processes view")
    tm.keys("Escape")
    tm.wait(lambda s: w1.pid in pid_rows(s) and w2.pid in pid_rows(s) and "[filter:" not in s,
            "Esc: the filter is cleared")

    # Kill: filter on the victim, k, Enter (SIGTERM is first), the victim exits.
    tm.keys("\\")
    tm.literal(str(victim.pid))
    tm.keys("Enter")
    tm.wait(lambda s: victim.pid in pid_rows(s) and w1.pid not in pid_rows(s),
            "filter on the victim process")
    tm.keys("k")
    tm.wait(lambda s: "Send signal to %d" % victim.pid in s and "15 SIGTERM" in s,
            "k: the signal list names the process")
    # A framed panel (box drawing, or + - | where the locale is not UTF-8).
    tm.wait(lambda s: re.search(r"[\u250c+][\u2500-] Send signal to %d" % victim.pid, s)
            and re.search(r"[\u2502|]  ?15 SIGTERM", s) is not None,
            "k: the signal list is a framed panel")
    tm.keys("Enter")
    gone = swtest.wait_for(lambda: victim.proc.poll() is not None, DEADLINE)
    t.check(gone, "Enter sent SIGTERM: the victim exited")
    tm.wait(lambda s: "sent SIGTERM to %d" % victim.pid in s, "the message line says so")
    tm.keys("Escape")

    # Resize down to 40x10 and back.
    tm.run("resize-window", "-t", "sw", "-x", "40", "-y", "10")
    s = tm.wait(lambda s: "PID" in s and max(len(l) for l in s.splitlines()) <= 40,
                "resized to 40x10: still drawing, nothing wider than 40 columns")
    # Down to 10x3 and 1x1: nothing to draw much of, but no crash and no exit.
    for w, h in ((10, 3), (1, 1)):
        tm.run("resize-window", "-t", "sw", "-x", str(w), "-y", str(h))
        s = tm.wait(lambda s: len(s.splitlines()) <= h and
                    max([len(l) for l in s.splitlines()] or [0]) <= w,
                    "resized to %dx%d: the screen fits it" % (w, h))
        t.check(tm.exit_status(timeout=0.3) is None, "still running at %dx%d" % (w, h))
    tm.run("resize-window", "-t", "sw", "-x", "160", "-y", "45")
    tm.wait(lambda s: "CLOSE_WAIT" in s and "COMMAND" in s, "resized back to 160x45")
    t.check(tm.exit_status(timeout=0.2) is None, "still running after the resizes")

    tm.keys("?")
    tm.wait(lambda s: "q F10" in s and "quit" in s, "?: help names the quit key")
    tm.keys("Escape")
    tm.wait(lambda s: "PID USER" in s, "Esc closes the help")

    tm.keys("q")
    t.check_eq(tm.exit_status(), "0", "q quits with status 0")


swtest.run(main, __doc__)
