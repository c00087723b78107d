#!/usr/bin/env python3
"""The join of sock_diag and /proc, checked exactly on real loopback sockets.

Three workloads, each: one 127.0.0.1 listener on an ephemeral port, 200 connections to
it (both ends held: 400 ESTABLISHED), 5 connections left in CLOSE_WAIT on the accepted
end, 4 UDP sockets. Per process that is 1 + 400 + 5 + 4 = 410 sockets, 406 TCP.
"""
import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get, is_number  # noqa: E402

CONNS, CLOSE_WAIT, UDP = 200, 5, 4
SOCKETS = 1 + 2 * CONNS + CLOSE_WAIT + UDP  # 410
TCP = 1 + 2 * CONNS + CLOSE_WAIT  # 406
NWORKLOADS = 3


def check_process(t, snap, w):
    tag = "pid %d" % w.pid
    p = find_process(snap, w.pid)
    if not t.check(p is not None, "%s: a process object exists" % tag):
        return
    t.check_eq(p.get("sockets"), SOCKETS, "%s: sockets" % tag)
    t.check_eq(p.get("tcp"), TCP, "%s: tcp" % tag)
    t.check_eq(p.get("udp"), UDP, "%s: udp" % tag)
    t.check_eq(get(p, "states", "established"), 2 * CONNS, "%s: states.established" % tag)
    t.check_eq(get(p, "states", "close_wait"), CLOSE_WAIT, "%s: states.close_wait" % tag)
    t.check_ge(p.get("fds"), SOCKETS, "%s: fds" % tag)


def check_listening(t, snap, w):
    tag = "pid %d" % w.pid
    mine = [e for e in (snap.get("listening") or [])
            if isinstance(e, dict) and e.get("proto") == "tcp" and w.pid in (e.get("pids") or [])]
    if not t.check(len(mine) == 1, "%s: exactly one tcp entry in listening" % tag,
                   got=mine):
        return
    e = mine[0]
    t.check_eq(e.get("port"), w.port, "%s: listening port" % tag)
    t.check_eq(e.get("connections"), CONNS, "%s: listening connections" % tag)


def check_ports(t, snap, w):
    tag = "pid %d port %d" % (w.pid, w.port)
    rows = [r for r in (snap.get("ports") or [])
            if isinstance(r, dict) and r.get("port") == w.port and r.get("direction") == "in"]
    if not t.check(len(rows) == 1, "%s: exactly one ports row with direction \"in\"" % tag,
                   got=rows):
        return
    r = rows[0]
    t.check_eq(r.get("established"), CONNS, "%s: ports established" % tag)
    t.check_eq(get(r, "states", "close_wait"), CLOSE_WAIT, "%s: ports states.close_wait" % tag)


def main(t):
    works = [t.workload("--conns", CONNS, "--close-wait", CLOSE_WAIT, "--udp", UDP)
             for _ in range(NWORKLOADS)]
    t.note("workloads: %s" % ", ".join("pid %d port %d" % (w.pid, w.port) for w in works))

    rc, out, err = t.sockwatch("-b", "-o", "json", "-n", "1")
    t.check_eq(rc, 0, "sockwatch -b -o json -n 1: exit status")
    lines = out.splitlines()
    t.check_eq(len(lines), 1, "json: lines of stdout")
    snaps = swtest.parse_json_lines(out)
    ok = t.check(snaps is not None and len(snaps) >= 1 and isinstance(snaps[0], dict),
                 "json: stdout parses as a JSON object", got=out[:200])
    if err.strip():
        t.note("stderr: %s" % err.strip())
    if ok:
        snap = snaps[0]
        for w in works:
            check_process(t, snap, w)
            check_listening(t, snap, w)
            check_ports(t, snap, w)
        t.check_ge(get(snap, "totals", "tcp", "established"), 2 * CONNS * NWORKLOADS,
                   "totals.tcp.established")
        fds = get(snap, "totals", "fds")
        t.check(isinstance(fds, dict) and is_number(fds.get("allocated")),
                "totals.fds.allocated is a number", got=fds)
        t.check(isinstance(fds, dict) and is_number(fds.get("max")),
                "totals.fds.max is a number", got=fds)

    rc, out, err = t.sockwatch("-b", "-n", "1", "--view", "listen")
    t.check_eq(rc, 0, "sockwatch -b -n 1 --view listen: exit status")
    for w in works:
        t.check(re.search(r"(?<!\d)%d(?!\d)" % w.pid, out) is not None,
                "--view listen table shows pid %d" % w.pid, got=out[:2000])

    for w in works:
        t.check_eq(t.stop(w), 0, "workload pid %d: exit status on SIGTERM" % w.pid)


swtest.run(main, __doc__)
