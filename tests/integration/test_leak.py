#!/usr/bin/env python3
"""The leak detector on real processes, through the batch JSON and --check.

- A process leaking 5 sockets per second (leaker --leak 5) is flagged "growth" within
  30 refreshes at -d 1, with growth_per_min within 30% of 300.
- A pile of CLOSE_WAIT sockets older than the minimum age (30 s) before sockwatch
  starts is flagged "close_wait" on the first refresh (the kernel's age), and
  --check -n 2 -d 0.5 -p PID exits 1 or 2.
- A process holding 2000 connections flat and one opening and closing hundreds in
  bursts every few seconds, and an idle listener, are never flagged (over the 30
  refreshes above and 50 more at -d 0.5), and --check on the flat one exits 0.
"""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get, is_number, start_leaker  # noqa: E402

LEAK_RATE = 5  # sockets per second
CW_AGE = 30.0  # the default minimum CLOSE_WAIT age


def leak_of(snap, pid):
    p = find_process(snap, pid)
    return p.get("leak") if isinstance(p, dict) else None


def flagged(leak):
    return isinstance(leak, dict) and leak.get("level") in ("warning", "critical")


def run_json(t, *args, timeout=90):
    rc, out, err = t.sockwatch("-b", "-o", "json", *args, timeout=timeout)
    snaps = swtest.parse_json_lines(out)
    if err.strip():
        t.note("stderr: %s" % err.strip()[:500])
    return rc, snaps or []


def check_never_flagged(t, snaps, pid, what):
    bad = [(i + 1, leak_of(s, pid)) for i, s in enumerate(snaps) if flagged(leak_of(s, pid))]
    t.check(not bad, "%s (pid %d) never flagged over %d refreshes" % (what, pid, len(snaps)),
            got=bad[:3])
    seen = [leak_of(s, pid) for s in snaps if leak_of(s, pid) is not None]
    t.check(len(seen) == len(snaps), "%s: a leak object in every refresh" % what,
            got="%d of %d" % (len(seen), len(snaps)))


def main(t):
    # Started first: its CLOSE_WAIT sockets must be older than CW_AGE when checked.
    cw = t.workload("--close-wait", 20)
    cw_since = time.monotonic()
    flat = t.workload("--conns", 1000)
    idle = t.workload()  # a listener and nothing else
    _, bursty = start_leaker(t, "--burst", 150, "--period", 3, "--hold", 1.5)
    _, leaker = start_leaker(t, "--leak", LEAK_RATE)
    t.note("close_wait pid %d, flat pid %d, bursty pid %d, leaker pid %d"
           % (cw.pid, flat.pid, bursty, leaker))

    # 1. The leak, flagged within 30 refreshes at -d 1; the healthy ones never.
    rc, snaps = run_json(t, "-n", 30, "-d", 1)
    t.check_eq(rc, 0, "sockwatch -b -o json -n 30 -d 1: exit status")
    t.check_eq(len(snaps), 30, "30 JSON snapshots")
    first = next((i for i, s in enumerate(snaps)
                  if "growth" in (get(leak_of(s, leaker), "reasons") or [])), None)
    if t.check(first is not None, "leaker flagged with reason growth within 30 refreshes",
               got=[leak_of(s, leaker) for s in snaps[-3:]]):
        t.note("leaker flagged at refresh %d" % (first + 1))
        for i in (first, len(snaps) - 1):
            lk = leak_of(snaps[i], leaker)
            rate = get(lk, "growth_per_min")
            t.check(is_number(rate) and abs(rate - 60 * LEAK_RATE) <= 0.3 * 60 * LEAK_RATE,
                    "refresh %d: growth_per_min within 30%% of %d" % (i + 1, 60 * LEAK_RATE),
                    got=rate)
            t.check(get(lk, "level") in ("warning", "critical"),
                    "refresh %d: level warning or critical" % (i + 1), got=lk)
            eta = get(lk, "eta_seconds")
            t.check(eta is None or (is_number(eta) and eta >= 0),
                    "refresh %d: eta_seconds null or a number" % (i + 1), got=eta)
    early = leak_of(snaps[0], leaker) if snaps else None
    t.check(get(early, "growth_per_min") is None and get(early, "level") == "ok",
            "first refresh: no growth estimate yet (null), level ok", got=early)
    check_never_flagged(t, snaps, flat.pid, "flat process")
    check_never_flagged(t, snaps, bursty, "bursty process")
    check_never_flagged(t, snaps, idle.pid, "idle listener")

    # 2. CLOSE_WAIT sockets older than CW_AGE before this run: flagged at once.
    left = CW_AGE + 2 - (time.monotonic() - cw_since)
    if left > 0:
        time.sleep(left)  # the sockets must reach the minimum age; nothing to poll for
    rc, snaps = run_json(t, "-n", 2, "-d", 0.5, "-p", cw.pid)
    t.check_eq(rc, 0, "sockwatch -b -o json -n 2 -d 0.5 -p PID: exit status")
    lk = leak_of(snaps[0], cw.pid) if snaps else None
    t.check("close_wait" in (get(lk, "reasons") or []),
            "CLOSE_WAIT pile-up flagged close_wait on the first refresh", got=lk)
    rc, out, err = t.sockwatch("--check", "-n", 2, "-d", 0.5, "-p", cw.pid)
    t.check(rc in (1, 2), "--check on the CLOSE_WAIT pile-up exits 1 or 2",
            got=(rc, out.strip()[:200], err.strip()[:200]))

    # 3. 50 refreshes at -d 0.5 in one run: the healthy processes stay unflagged.
    rc, snaps = run_json(t, "-n", 50, "-d", 0.5)
    t.check_eq(rc, 0, "sockwatch -b -o json -n 50 -d 0.5: exit status")
    t.check_eq(len(snaps or []), 50, "50 refreshes")
    check_never_flagged(t, snaps, flat.pid, "flat process at -d 0.5")
    check_never_flagged(t, snaps, bursty, "bursty process at -d 0.5")
    check_never_flagged(t, snaps, idle.pid, "idle listener at -d 0.5")
    rc, out, err = t.sockwatch("--check", "-n", 2, "-d", 0.5, "-p", flat.pid)
    t.check_eq(rc, 0, "--check on the flat process: exit status")


swtest.run(main, __doc__)
