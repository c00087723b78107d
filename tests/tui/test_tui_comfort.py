"""The TUI as a new user coming from htop checks it, in tmux.

80x24: the processes view keeps PID, COMMAND and LEAK for a leaking workload, the
sockets view LOCAL, REMOTE and STATE; 100x30 and 200x50 show more, and no line
is wider than the terminal. F2 saves the start view, and a fresh start opens on
it. t shows a master with its workers under it; u and a
user's name shows only that user's processes. Every wait polls the screen until
a deadline.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

from tmuxdrv import Tmux  # noqa: E402


def titles(screen, first):
    """The column titles line (the one starting with first), split on runs of spaces."""
    for line in screen.splitlines():
        if re.match(r"^\s*%s\b" % re.escape(first), line):
            return re.split(r"\s{1,}", line.strip())
    return []


def row_of(screen, pid):
    for line in screen.splitlines():
        if re.match(r"^\s*%d\s" % pid, line):
            return line
    return None


def fits(screen, w):
    return max([len(line) for line in screen.splitlines()] or [0]) <= w


def widths(t, cw):
    tm = Tmux(t, "%s -d 0.5 --close-wait-age 1" % t.sockwatch_path, w=80, h=24)
    try:
        s = tm.wait(lambda s: row_of(s, cw.pid) is not None and "WARN cw" in row_of(s, cw.pid),
                    "80x24: the leaker's row says WARN cw")
        got = titles(s, "PID")
        for col in ("PID", "LEAK", "CLOSE_WAIT", "ESTAB", "COMMAND"):
            t.check(col in got, "80x24 processes view: %s shown" % col, got=got)
        t.check(fits(s, 80), "80x24: no line wider than 80")
        line = row_of(s, cw.pid) or ""
        t.check("workload" in line or "\u2026" in line, "80x24: the leaker's COMMAND is shown",
                got=line)
        n80 = len(got)

        tm.keys("4")
        s = tm.wait(lambda s: titles(s, "STATE") != [], "4: the sockets view at 80x24")
        got = titles(s, "STATE")
        for col in ("STATE", "LOCAL", "REMOTE"):
            t.check(col in got, "80x24 sockets view: %s shown" % col, got=got)
        t.check(fits(s, 80), "80x24 sockets view: no line wider than 80")
        tm.keys("1")

        prev = n80
        for w, h in ((100, 30), (200, 50)):
            tm.run("resize-window", "-t", "sw", "-x", str(w), "-y", str(h))
            s = tm.wait(lambda s: len(titles(s, "PID")) > prev and fits(s, w)
                        and len(s.splitlines()) <= h,
                        "%dx%d: more columns than at the smaller size, the screen fits" % (w, h))
            got = titles(s, "PID")
            t.check("LEAK" in got and "COMMAND" == got[-1], "%dx%d: LEAK, COMMAND last" % (w, h),
                    got=got)
            prev = len(got)
        t.check("USER" in got and "LIMIT" in got, "200x50: USER and LIMIT too", got=got)
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()


def start_forker(t, uid):
    """tests/tui/forker.py as uid: a master and 3 workers; returns (Popen, ready dict)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "forker.py")
    proc = t.popen([sys.executable, script, "3", str(uid)], stdin=subprocess.PIPE,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/")
    line = proc.stdout.readline()  # the forker prints it within a second, or dies
    if not line:
        raise RuntimeError("forker.py exited before it was ready")
    return proc, json.loads(line)


def tree_and_user(t, ready, user):
    master, workers = ready["master"], ready["workers"]
    tm = Tmux(t, "%s -d 0.5" % t.sockwatch_path, w=160, h=45)
    try:
        tm.wait(lambda s: row_of(s, master) is not None, "the master is listed")
        tm.keys("t")

        def indented(s):
            lines = s.splitlines()
            at = [i for i, line in enumerate(lines) if re.match(r"^\s*%d\s" % master, line)]
            if not at:
                return False
            under = lines[at[0] + 1:at[0] + 1 + len(workers)]
            pids = [int(line.split()[0]) for line in under if line.split()]
            marks = ["\u251c\u2500" in line or "\u2514\u2500" in line for line in under]
            return sorted(pids) == sorted(workers) and all(marks) and "[+3:" in lines[at[0]]
        tm.wait(indented, "t: the master's 3 workers right under it, indented, its row "
                "with the subtree's totals")
        tm.wait(lambda s: "[tree]" in s, "t: the tab line says tree")
        tm.keys("t")
        tm.wait(lambda s: "[tree]" not in s and "\u2514\u2500" not in s, "t again: a list")

        tm.keys("u")
        tm.wait(lambda s: "Show the processes of" in s and user in s, "u: a list of users")
        tm.keys(user[0])
        tm.keys("Enter")

        def only_user(s):
            # A table row: PID, USER, then S (one letter); not the " 1 Processes" tabs.
            pids = [int(m.group(1)) for m in
                    (re.match(r"^\s*(\d+)\s+\S+\s+[A-Za-z?]\s", line)
                     for line in s.splitlines()) if m]
            seen[:] = pids
            return sorted(pids) == sorted([master] + workers)
        seen = []
        tm.wait(only_user, "u, %s: only that user's processes (the master and its workers)"
                % user)
        if not tm.last_ok:
            t.note("rows %s; master %d, workers %s" % (seen, master, workers))
        tm.wait(lambda s: "[user: %s]" % user in s, "the tab line names the user")
        tm.keys("Escape")
        tm.wait(lambda s: "[user:" not in s and re.search(r"^\s*\d+ root ", s, re.M),
                "Esc: every user's processes again (root's too)")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()


def setup_saved(t):
    """F2, the start view to listen, Enter: saved; a fresh start opens on listen."""
    xdg = os.path.join(t.tmpdir, "xdg")
    os.makedirs(xdg, exist_ok=True)
    conf = os.path.join(xdg, "sockwatch", "config")
    cmd = "XDG_CONFIG_HOME=%s %s -d 0.5" % (xdg, t.sockwatch_path)
    tm = Tmux(t, cmd, w=120, h=30)
    try:
        tm.wait(lambda s: "PID" in s and "COMMAND" in s, "the processes view first")
        tm.keys("F2")
        tm.wait(lambda s: "View at start" in s and "< processes >" in s, "F2: the setup screen")
        tm.keys("Right")
        tm.wait(lambda s: "< listen >" in s, "Right: the start view is listen")
        tm.keys("Enter")
        tm.wait(lambda s: "settings saved to" in s, "Enter: the message says it was saved")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()
    try:
        with open(conf) as f:
            text = f.read()
    except OSError as e:
        text = str(e)
    t.check("view = listen\n" in text, "the config file holds view = listen", got=text)
    tm = Tmux(t, cmd, w=120, h=30)
    try:
        tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s and "QUEUE/BACKLOG" in s,
                "a fresh start opens on the listen view")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()
    # A key the file does not know, or a bad value: the file and line, exit 2.
    with open(conf, "a") as f:
        f.write("processes.columns = pid,nonsense\n")
    rc, out, err = t.sockwatch("--config", conf, "-b", "-n", "1")
    lines = err.strip().splitlines()
    t.check(rc == 2 and len(lines) == 1 and "%s:%d:" % (conf, text.count("\n") + 1) in lines[0]
            and "unknown column 'nonsense'" in lines[0],
            "a bad value in the config file: one line naming file and line, exit 2",
            got=(rc, err))


def main(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    cw = t.workload("--close-wait", "15")
    try:
        widths(t, cw)
    finally:
        t.stop(cw)
    setup_saved(t)

    if os.geteuid() != 0:
        t.note("not root: the user picker's test needs a process of another user; skipped")
        return
    uid = swtest.nobody_uid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    proc, ready = start_forker(t, uid)
    try:
        tree_and_user(t, ready, user)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            t.stop(proc)
        for pid in ready["workers"]:
            try:
                os.kill(pid, 0)
                t.fail("worker %d ended with its master" % pid)
            except OSError:
                pass


swtest.run(main, __doc__)
