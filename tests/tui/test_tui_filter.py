"""The TUI's filter prompt takes ss's expressions, and says when it took text instead.

A child (tests/integration/listeners.py filter) listens on port A with 3 connections
and 2 CLOSE-WAIT sockets, among others. In tmux, on the sockets view: `\\`, then
"sport = :A", Enter: the tabs line shows the expression, the message line says it is a
filter expression, and every row left has local port A: the listener, 3 established
and 2 CLOSE-WAIT. Esc drops it and the other sockets come back. Text that does not
parse ("python3") stays a text filter and the message line says so. An expression
given on the command line shows the same way.
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402


def socket_rows(screen):
    """(state, local) of each row under the sockets view's titles, or None."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^PROTO\s+STATE\s+LOCAL\s+REMOTE\s", line) is None:
            continue
        x_state, x_local, x_remote = (line.index("STATE"), line.index("LOCAL"),
                                      line.index("REMOTE"))
        rows = []
        for row in lines[i + 1:]:
            if not re.match(r"^(tcp6?|udp6?|u_str|u_seq|u_dgr)\s", row):
                break
            rows.append((row[x_state:x_local].strip(), row[x_local:x_remote].strip()))
        return rows
    return None


def only_port(rows, port):
    return rows is not None and len(rows) > 0 and all(
        r[1].endswith(":%d" % port) for r in rows)


def main(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    proc, info = t.listeners("filter")
    a = info["tcp"][0]
    want = sorted([("listen", "0.0.0.0:%d" % a)] + [("established", None)] * 3 +
                  [("close_wait", None)] * 2)

    # --numeric: the kernel picks the ports, and /etc/services names a few of its range.
    tm = Tmux(t, "%s -d 0.5 --numeric" % t.sockwatch_path, w=160, h=60)
    try:
        tm.keys("4")
        tm.wait(lambda s: socket_rows(s), "4: the sockets view")
        tm.keys("\\")
        tm.literal("sport = :%d" % a)
        tm.keys("Enter")
        screen = tm.wait(lambda s: "[sport = :%d]" % a in s and "filter expression" in s,
                         "Enter: the expression is in force and the message line says so")
        rows = [None]

        def narrowed(s):
            rows[0] = socket_rows(s)
            return only_port(rows[0], a) and len(rows[0]) == len(want)
        tm.wait(narrowed, "the sockets view lists only port %d's 6 sockets" % a)
        got = sorted((st.replace("-", "_").lower(), loc if st.lower() == "listen" else None)
                     for st, loc in rows[0] or [])
        t.check_eq([g[0] for g in got], [w[0] for w in want],
                   "the listener, 3 established, 2 close_wait")
        tm.keys("Escape")
        tm.wait(lambda s: "filter expression dropped" in s and socket_rows(s) is not None
                and not only_port(socket_rows(s), a),
                "Esc drops the expression: other sockets come back")
        # Text that is not an expression stays a text filter.
        tm.keys("\\")
        tm.literal("python3")
        tm.keys("Enter")
        tm.wait(lambda s: "text filter; not an expression" in s and "[filter: python3]" in s,
                "plain text stays a text filter, and the message line says so")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()

    tm = Tmux(t, "%s -d 0.5 --numeric state close-wait sport = :%d" % (t.sockwatch_path, a),
              w=160, h=40)
    try:
        screen = tm.wait(lambda s: "[state close-wait sport = :%d]" % a in s
                         and " %d " % info["pid"] in s,
                         "a command-line expression shows in the tabs line; the child is listed")
        tm.keys("4")
        tm.wait(lambda s: socket_rows(s) is not None and len(socket_rows(s)) == 2
                and only_port(socket_rows(s), a),
                "the sockets view lists its 2 CLOSE-WAIT sockets")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()
    t.stop(proc)


swtest.run(main, __doc__)
