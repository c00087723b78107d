#!/usr/bin/env python3
"""Unprivileged use: sockwatch run as user nobody next to a root-owned workload.

sock_diag needs no privilege, so every socket is still listed; but nobody may not read
root's /proc/PID/fd, so that process's socket counts are unknown: JSON null, never 0,
with exactly one hint line on stderr. Needs root (to start the root workload and drop
to nobody); otherwise the test is skipped.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

CONNS = 20


def main(t):
    if os.geteuid() != 0:
        print("skip - not running as root: cannot run a root workload and drop to nobody",
              flush=True)
        return
    uid = swtest.nobody_uid()
    w = t.workload("--conns", CONNS)
    binary = t.private_copy_of_sockwatch()
    tag = "sockwatch -b -o json -n 1 as uid %d" % uid
    rc, snaps, out, err = t.sockwatch_json(user=uid, binary=binary)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    if not t.check(snaps is not None and len(snaps) == 1 and isinstance(snaps[0], dict),
                   "%s: one JSON object on stdout" % tag, got=out[:300]):
        t.note("stderr: %s" % err)
        return
    snap = snaps[0]
    p = find_process(snap, w.pid)
    if t.check(p is not None, "%s: root workload pid %d is listed" % (tag, w.pid)):
        t.check(p.get("sockets", 0) is None,
                "%s: its sockets is null (unknown), never a number" % tag, got=p.get("sockets"))
        t.check(p.get("tcp", 0) is None,
                "%s: its tcp is null (unknown), never a number" % tag, got=p.get("tcp"))
    t.check_ge(get(snap, "totals", "tcp", "established"), 2 * CONNS,
               "%s: totals.tcp.established" % tag)
    lines = [line for line in err.splitlines()]
    t.check(len(lines) == 1 and lines[0].strip() != "",
            "%s: exactly one hint line on stderr" % tag, got=err)


swtest.run(main, __doc__)
