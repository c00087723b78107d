#!/usr/bin/env python3
"""AGE is the time a socket has been in its state where the kernel tells.

closer.py holds two loopback connections; sockwatch (-b -o json -d 0.5) watches them
ESTABLISHED for HOLD seconds, then they close: the first client goes to TIME_WAIT, the
second connection's server end to CLOSE_WAIT (the peer's data and FIN in one segment).

1. In the refresh that first shows them so, both ages come from the kernel
   (age_source "state") and are no more than the time since the close: TIME_WAIT's
   from its 60 s timer (a lower bound: a segment of the peer restarts the timer),
   CLOSE_WAIT's from tcp_info (exact: its last ACK and last data agree). Before, both
   said how long sockwatch had seen the connection, HOLD seconds more.
2. A one-shot batch (-n 1), which knows nothing of what it sees once, still gives
   both, at most 60 s for TIME_WAIT (before: null).
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import get  # noqa: E402

HOLD = 3.0  # seconds sockwatch watches the connections ESTABLISHED
SLACK = 0.3  # the kernel's ms from jiffies, sockwatch's tenths


def start_closer(t):
    """closer.py: two connections whose ends it closes on cue (swtest helper)."""
    return t.helper("closer.py", timeout=30.0)


def snapshots(path):
    """The complete JSON lines of a file sockwatch is still writing."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    out = []
    for line in data.split(b"\n")[:-1]:  # the last piece may be half a line
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def find(snap, state, sport=None, dport=None):
    for e in get(snap, "sockets") or []:
        if (isinstance(e, dict) and e.get("proto") == "tcp" and e.get("state") == state
                and (sport is None or get(e, "local", "port") == sport)
                and (dport is None or get(e, "remote", "port") == dport)):
            return e
    return None


def main(t):
    proc, ready, c = start_closer(t)
    port, tw_port, cw_port = c["port"], c["tw_port"], c["cw_port"]
    t.note("closer pid %d port %d, TIME_WAIT-to-be :%d, CLOSE_WAIT-to-be peer :%d"
           % (c["pid"], port, tw_port, cw_port))
    expr = ["sport", "=", ":%d" % port, "or", "dport", "=", ":%d" % port]
    out = os.path.join(t.tmpdir, "watch.jsonl")
    with open(out, "wb") as f:
        watch = t.popen([t.sockwatch_path, "-b", "-o", "json", "-d", "0.5", "-n", "60",
                         "--view", "sockets"] + expr,
                        stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL)

    def held():
        for snap in reversed(snapshots(out)):
            e = find(snap, "established", sport=tw_port)
            if e is not None and (e.get("age_seconds") or 0) >= HOLD:
                return e
        return None

    e = swtest.wait_for(held, 20, interval=0.05)
    if not t.check(e is not None, "sockwatch sees the first client ESTABLISHED for %.0f s"
                   % HOLD, got=snapshots(out)[-1:]):
        return
    t.check_eq(e.get("age_source"), "seen", "an ESTABLISHED socket's age_source")
    before = len(snapshots(out))
    closed_at = time.monotonic()
    os.kill(c["pid"], signal.SIGUSR1)

    def closed():
        for snap in snapshots(out)[before:]:
            tw = find(snap, "time_wait", sport=tw_port, dport=port)
            cw = find(snap, "close_wait", sport=port, dport=cw_port)
            if tw is not None and cw is not None and tw.get("age_seconds") is not None:
                return tw, cw, time.monotonic() - closed_at
        return None

    got = swtest.wait_for(closed, 15, interval=0.05)
    if not t.check(got is not None, "a refresh shows the client in TIME_WAIT and the server's "
                   "end in CLOSE_WAIT, each with an age", got=snapshots(out)[-1:]):
        return
    tw, cw, since = got
    t.note("%.2f s after the close: TIME_WAIT %s, CLOSE_WAIT %s"
           % (since, tw.get("age_seconds"), cw.get("age_seconds")))
    t.check_eq(tw.get("age_source"), "state", "TIME_WAIT: age_source")
    t.check_eq(tw.get("age_exact"), False, "TIME_WAIT: age_exact (the timer can restart)")
    t.check(swtest.is_number(tw.get("age_seconds")) and tw["age_seconds"] <= since + SLACK,
            "TIME_WAIT: age at most the %.2f s since the close, not the connection's %.0f s+"
            % (since, HOLD), got=tw.get("age_seconds"))
    t.check_eq(cw.get("age_source"), "state", "CLOSE_WAIT: age_source")
    t.check_eq(cw.get("age_exact"), True, "CLOSE_WAIT: age_exact (last ACK and data agree)")
    t.check(swtest.is_number(cw.get("age_seconds")) and cw["age_seconds"] <= since + SLACK,
            "CLOSE_WAIT: age at most the %.2f s since the close" % since,
            got=cw.get("age_seconds"))
    t.stop(watch)

    rc, snaps, text, err = t.sockwatch_json("--view", "sockets", *expr)
    t.check_eq(rc, 0, "sockwatch -b -n 1: exit status")
    tw = find(get(snaps, 0) or {}, "time_wait", sport=tw_port, dport=port)
    cw = find(get(snaps, 0) or {}, "close_wait", sport=port, dport=cw_port)
    t.check(tw is not None and swtest.is_number(tw.get("age_seconds"))
            and 0 < tw["age_seconds"] <= 60 and tw.get("age_source") == "state",
            "-n 1: TIME_WAIT has the kernel's age, at most 60 s", got=tw)
    t.check(cw is not None and swtest.is_number(cw.get("age_seconds"))
            and cw.get("age_source") == "state" and cw.get("age_exact") is True,
            "-n 1: CLOSE_WAIT has the kernel's exact age", got=cw)
    t.stop(proc)


swtest.run(main, __doc__)
