#!/usr/bin/env python3
"""The TUI under valgrind: a short tmux session with no memory error, no leak.

The real binary runs under `valgrind --error-exitcode=99 --leak-check=full
--errors-for-leak-kinds=definite` in a detached tmux session on a private server socket,
next to a small workload: every view (1-4), a filter and its drill-down, help, quit
with q. Each step waits for its screen with a deadline (valgrind is slow). Then the exit
status must be 0 and valgrind's log must report 0 errors and nothing definitely lost.

Skipped (0 passed, 0 failed) when valgrind is not installed, and when the binary is an
AddressSanitizer build (scripts/sanitize), which cannot run under valgrind.
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402

DEADLINE = 30.0  # per screen: valgrind slows everything down 10-50 times


def is_sanitized(path):
    with open(path, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def main(t):
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("# skip - valgrind not installed", flush=True)
        return
    if is_sanitized(t.sockwatch_path):
        print("# skip - %s is a sanitizer build; valgrind cannot run it" % t.sockwatch_path,
              flush=True)
        return
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return

    w = t.workload("--conns", "20", "--close-wait", "2")
    log = os.path.join(t.tmpdir, "valgrind.log")
    cmd = ("%s --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "
           "--track-origins=yes --num-callers=30 --log-file=%s %s -d 0.5"
           % (valgrind, log, t.sockwatch_path))
    tm = Tmux(t, cmd, deadline=DEADLINE)
    try:
        session(t, tm, w)
        rc = tm.exit_status()
    finally:
        tm.kill()

    text = read(log) or ""
    t.check_eq(rc, "0", "sockwatch under valgrind: exit status (99: valgrind found errors)")
    m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    if t.check(m is not None, "valgrind wrote its error summary", got=text[-500:]):
        t.check_eq(int(m.group(1)), 0, "valgrind: errors")
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    t.check(lost is None or lost.group(1) == "0", "valgrind: nothing definitely lost",
            got=lost.group(0) if lost else None)
    if rc != "0" or (m and m.group(1) != "0"):
        t.note("valgrind log (first errors):\n" + "\n".join(text.splitlines()[:80]))


def session(t, tm, w):
    pid = str(w.pid)
    tm.wait(lambda s: "PID USER" in s, "the processes view is up under valgrind")
    if not tm.last_ok:
        return
    tm.keys("2")
    tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s, "2: the listen view")
    tm.keys("3")
    tm.wait(lambda s: re.search(r"\bPORT\s+PROTO\s+DIR\b", s) is not None, "3: the ports view")
    tm.keys("4")
    # (Only the header: the host's other sockets may fill the screen before the workload's.)
    tm.wait(lambda s: re.search(r"\bPROTO\s+STATE\s+LOCAL\b", s) is not None, "4: the sockets view")
    tm.keys("1")
    tm.wait(lambda s: "PID USER" in s, "1: back to the processes view")
    tm.keys("\\")
    tm.literal(pid)
    tm.keys("Enter")
    tm.wait(lambda s: "[filter: %s]" % pid in s and re.search(r"^\s*%s\s" % pid, s, re.M),
            "\\ filter: the workload's row")
    tm.keys("Enter")
    tm.wait(lambda s: "sockets of pid %s" % pid in s, "Enter: drill down into its sockets")
    tm.keys("Escape")
    tm.wait(lambda s: "PID USER" in s, "Esc: back from the drill-down")
    tm.keys("Escape")
    tm.wait(lambda s: "[filter:" not in s, "Esc: the filter is cleared")
    tm.keys("?")
    tm.wait(lambda s: "quit" in s and "q F10" in s, "?: the help")
    tm.keys("Escape")
    tm.wait(lambda s: "PID USER" in s, "Esc closes the help")
    tm.keys("q")


swtest.run(main, __doc__)
