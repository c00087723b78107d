"""The TUI's drill-down into a listener lists the sockets the JSON counts for it.

One workload (tests/integration/listeners.py mix) holds wildcard and specific listeners
on one port over IPv4, IPv6 and v4-mapped addresses, and UNIX listeners. For each row of
the listen view, Enter must list exactly the sockets whose JSON `listener` is that
listener's `id` (the listener itself included), compared as (state, local, remote).
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402

LOCAL_WIDTH = 28  # the LOCAL and REMOTE columns of the sockets view


def endpoint(address, port):
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def json_local(s):
    if s.get("proto") == "unix":
        return s.get("path") or "* %d" % s.get("inode", 0)
    return endpoint(s["local"]["address"], s["local"]["port"])


def json_remote(s):
    if s.get("proto") == "unix":
        return "* %d" % s["peer_inode"] if s.get("peer_inode") else "*"
    return endpoint(s["remote"]["address"], s["remote"]["port"])


def listener_label(e):
    if e.get("proto") == "unix":
        return e.get("address")
    return endpoint(e["address"], e["port"])


def drilled_rows(screen):
    """(state, local, remote) of each row under the sockets view's titles."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^PROTO\s+STATE\s+LOCAL\s+REMOTE\s", line)
        if m is None:
            continue
        x_state, x_local, x_remote = (line.index("STATE"), line.index("LOCAL"),
                                      line.index("REMOTE"))
        rows = []
        for row in lines[i + 1:]:
            if not re.match(r"^(tcp6?|u_str|u_seq|u_dgr)\s", row):
                break
            rows.append((row[x_state:x_local].strip(), row[x_local:x_remote].strip(),
                         row[x_remote:x_remote + LOCAL_WIDTH].strip()))
        return rows
    return None


def main(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    proc, info = t.listeners("mix")
    pid = info["pid"]
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets", "-p", str(pid))
    if not t.check(rc == 0 and snaps and len(snaps) == 1, "one JSON snapshot", got=err):
        return
    snap = snaps[0]
    members = {}
    for s in snap.get("sockets") or []:
        if s.get("listener") is not None:
            members.setdefault(s["listener"], set()).add(
                (s["state"], json_local(s), json_remote(s)))
    listening = [e for e in snap.get("listening") or [] if e.get("proto") in ("tcp", "unix")]
    t.check_eq(len(listening), 8, "JSON: 6 TCP and 2 UNIX listeners")
    by_label = {listener_label(e): e for e in listening}
    t.check(all(len(listener_label(e)) <= LOCAL_WIDTH for e in listening),
            "every listener's address fits its column")

    # --numeric: the kernel picks the ports, and /etc/services names a few of its range.
    tm = Tmux(t, "%s -p %d -d 0.5 --numeric" % (t.sockwatch_path, pid), w=160, h=45)
    try:
        tm.keys("2")
        tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s and s.count(" python3") >= 8,
                "2: the listen view shows the workload's listeners")
        seen = set()
        for n in range(len(listening)):
            tm.keys("Home")
            for _ in range(n):
                tm.keys("Down")
            tm.keys("Enter")
            screen = tm.wait(lambda s: "sockets of listener " in s and drilled_rows(s),
                             "row %d: Enter opens its sockets" % (n + 1))
            m = re.search(r"> sockets of listener (\S+)", screen)
            label = m.group(1) if m else None
            e = by_label.get(label)
            if not t.check(e is not None, "row %d: the drill-down names a listener" % (n + 1),
                           got=label):
                tm.keys("Escape")
                continue
            seen.add(e["id"])
            want = members.get(e["id"], set())
            # Refreshes come every 0.5 s: wait for the rows rather than take the first screen.
            got = [None]

            def same(s):
                got[0] = drilled_rows(s)
                return got[0] is not None and sorted(got[0]) == sorted(want)
            swtest.wait_for(lambda: same(tm.screen()), 5.0, interval=0.1)
            t.check_eq(sorted(got[0] or []), sorted(want),
                       "%s: the drill-down lists the sockets whose listener is %s"
                       % (label, e["id"]))
            t.check(len(want) == (e.get("connections") or 0) + 1,
                    "%s: those are its connections and itself" % label, got=len(want))
            tm.keys("Escape")
            tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s, "Esc: back to the listen view")
        t.check_eq(len(seen), len(listening), "every listener was drilled into")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()
    t.stop(proc)


swtest.run(main, __doc__)
