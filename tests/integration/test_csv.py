#!/usr/bin/env python3
"""CSV cells are numbers, empty, or plain text: what a spreadsheet or a script can use.

1. A listener with a non-empty accept queue (queuefull.py: listen(5), 6 clients, never
   accepts): `sockwatch -b -o csv --view listen` has the queue and the backlog in two
   columns, `queue` 6 and `backlog` 5, where the screen and the table keep one
   QUEUE/BACKLOG column (`6/5`). Before, CSV carried the `6/5` in one cell.
2. Every view's CSV, once as root and once as nobody (who cannot inspect the other
   users' processes, so that counts are unknown and services partial): every cell of a
   column that is not a text field (proto, state, addresses, names, command, the pid
   list) is a plain number or empty: no `?`, `-`, `>100`, `12+`, `6/5`, `≥`, no units.
"""
import csv
import io
import os
import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

BACKLOG = 5
# The columns whose cells are text. Every other column holds numbers or nothing.
TEXT = {"time", "proto", "state", "local", "remote", "direction", "user", "leak",
        "service", "kind", "netns", "command", "pids", "age_source"}
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
VIEWS = ["processes", "listen", "ports", "sockets", "services"]


def start_queuefull(t, backlog):
    """queuefull.py BACKLOG: a listener whose accept queue is full (swtest helper)."""
    proc, _, info = t.helper("queuefull.py", backlog, timeout=30.0)
    return proc, info


def csv_rows(t, tag, *args, quiet=False, **kw):
    """Run sockwatch -b -n 1 -o csv ARGS: the rows as dicts by heading, or None.

    quiet: a poll, which records no check (the caller checks what it waited for)."""
    check = (lambda cond, what, got=None: bool(cond)) if quiet else t.check
    rc, out, err = t.sockwatch("-b", "-n", "1", "-o", "csv", *args, **kw)
    if not check(rc == 0, "%s: exit status 0" % tag, got=(rc, err[:300])):
        return None
    rows = list(csv.reader(io.StringIO(out, newline="")))
    if not check(len(rows) >= 1, "%s: a heading row" % tag, got=out[:300]):
        return None
    head = rows[0]
    check(len(set(head)) == len(head), "%s: every heading once" % tag, got=head)
    bad = [r for r in rows[1:] if len(r) != len(head)]
    check(not bad, "%s: every row has the heading's cells" % tag, got=bad[:2])
    return [dict(zip(head, r)) for r in rows[1:] if len(r) == len(head)]


def check_listen_queue(t, q):
    port, full = q["port"], BACKLOG + 1
    tag = "csv --view listen"

    def row():
        for r in csv_rows(t, tag, "--view", "listen", "-p", q["pid"], quiet=True) or []:
            if r.get("proto") == "tcp" and r.get("local", "").endswith(":%d" % port):
                return r
        return None

    def full_row():
        r = row()
        return r if r is not None and r.get("queue") == str(full) else None

    # The kernel may still be moving the last handshake into the queue.
    r = swtest.wait_for(full_row, 15, interval=0.1)
    if not t.check(r is not None, "%s: the listener on port %d has queue %d in a column of its "
                   "own" % (tag, port, full), got=row()):
        return
    t.check_eq(r.get("backlog"), str(BACKLOG), "%s: its backlog in the backlog column" % tag)
    t.check(all("/" not in v for k, v in r.items() if k not in TEXT),
            "%s: no cell holds a fraction" % tag, got=r)
    # The table (as the TUI) keeps one QUEUE/BACKLOG column saying 6/5.
    rc, out, err = t.sockwatch("-b", "-n", "1", "--view", "listen", "-p", q["pid"])
    lines = out.splitlines()
    head = [ln for ln in lines if "QUEUE/BACKLOG" in ln]
    t.check(len(head) == 1 and "BACKLOG " not in head[0].replace("QUEUE/BACKLOG", ""),
            "table --view listen: one QUEUE/BACKLOG column", got=head)
    t.check(any(":%d " % port in ln and " %d/%d " % (full, BACKLOG) in ln for ln in lines),
            "table --view listen: the listener shows %d/%d" % (full, BACKLOG), got=out[-600:])


def check_cells(t, who, **kw):
    for view in VIEWS:
        tag = "csv --view %s as %s" % (view, who)
        rows = csv_rows(t, tag, "--view", view, **kw)
        if rows is None:
            continue
        bad = [(k, v) for r in rows for k, v in r.items()
               if k not in TEXT and v != "" and not NUMBER.match(v)]
        t.check(not bad, "%s: every cell of %d rows outside the text columns is a number or "
                "empty" % (tag, len(rows)), got=sorted(set(bad))[:10])


def main(t):
    if os.geteuid() != 0:
        t.skip("not running as root: cannot compare root's view with nobody's")
    q_proc, q = start_queuefull(t, BACKLOG)
    t.note("queuefull pid %d port %d" % (q["pid"], q["port"]))
    check_listen_queue(t, q)
    check_cells(t, "root")
    check_cells(t, "nobody", user=swtest.nobody_uid(), binary=t.private_copy_of_sockwatch())
    t.stop(q_proc)


swtest.run(main, __doc__)
