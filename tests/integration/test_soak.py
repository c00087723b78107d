#!/usr/bin/env python3
"""A short soak: sockwatch's RSS and descriptors stay flat under churn at 20 refreshes a second.

The suite's 60-second version of bench/soak (10 + 3 minutes there), run through it:
`sockwatch -b -o json -n 0 -d 0.05` for 60 s, then (when tmux is installed) the TUI
at -d 0.05 in tmux for 30 s, against tests/integration/soakchurn.py (100 loopback
connections opened and closed a second, all abortive so that the socket count is
steady from the start; a child process forked every 2 s, living 3-6 s). Both run
with --window 10, so that the leak detector's history is full after 10-20 s (with
the default 60 s window it fills for a minute, longer than this test). Samples every
5 s; after the first 20 s (15 s for the TUI) every RSS sample is within 5% of the
one at 20 s (15 s) and the descriptor count (what sockwatch holds between refreshes)
stays the same. Also: it kept refreshing (batch: at least MIN_RATE snapshots a
second, each line a JSON object whose iteration counts the lines), exited 0 on
SIGTERM (batch) and on q (TUI), said each stderr line once, and the churn ran.
As root, bench/soak runs in PID and network namespaces of its own, so that other
tests' sockets and processes (ctest -j) do not move what sockwatch holds.
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

SOAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "soak")
BATCH_S, TUI_S = 60, 30
INTERVAL = 5
SETTLE, TUI_SETTLE = 20, 15
TOLERANCE = 5.0  # % of RSS
MIN_RATE = 5.0  # batch snapshots a second at the least (20 asked; the machine is shared)
DEADLINE = 150.0  # for the whole soak (ctest's timeout is 180 s)


def table(ph):
    rows = ["%s: t s, RSS KiB, fds (max), CPU %%%s" % (
        ph["phase"], ", refreshes/s, sockets" if ph["phase"] == "batch" else "")]
    for s in ph["samples"]:
        row = "  %3.0f %6d %3d (%d) %s" % (s["t"], s["rss_kib"], s["fds"], s["fds_max"],
                                           s.get("cpu_pct"))
        if ph["phase"] == "batch":
            row += " %s %s" % (s.get("refreshes_per_s"), s.get("sockets"))
        rows.append(row)
    return "\n".join(rows)


def check_phase(t, ph, seconds, settle):
    tag = ph["phase"]
    samples = ph["samples"]
    t.note(table(ph))
    t.check_eq(len(samples), seconds // INTERVAL + 1, "%s: samples every %d s over %d s"
               % (tag, INTERVAL, seconds))
    base = next((s for s in samples if s["t"] >= settle), None)
    if not t.check(base is not None, "%s: a sample at %d s" % (tag, settle)):
        return
    after = [s for s in samples if s["t"] > base["t"]]
    b = base["rss_kib"]
    off = ["%.0f s: %d KiB (%+.1f%%)" % (s["t"], s["rss_kib"], 100.0 * (s["rss_kib"] - b) / b)
           for s in after if abs(s["rss_kib"] - b) > TOLERANCE / 100.0 * b]
    t.check(after and not off, "%s: RSS after %d s within %g%% of the %d KiB at %d s"
            % (tag, settle, TOLERANCE, b, settle), got=off)
    grew = ["%.0f s: %d" % (s["t"], s["fds"]) for s in after if s["fds"] != base["fds"]]
    t.check(not grew, "%s: descriptors after %d s stay at the %d held at %d s"
            % (tag, settle, base["fds"], settle), got=(grew, ph.get("fds_last")))
    t.check(ph["verdict"].get("flat") is True, "%s: bench/soak's verdict is flat" % tag,
            got=ph["verdict"])
    t.check_eq(ph.get("exit_status"), 0, "%s: exit status on %s" % (tag, "SIGTERM" if tag == "batch" else "q"))


def is_sanitized(path):
    with open(path, "rb") as f:
        data = f.read()
    return b"__asan_init" in data


def main(t):
    # AddressSanitizer keeps freed memory in quarantine (up to 256 MiB): RSS grows by
    # design, so flatness says nothing about sockwatch there. The plain build is soaked.
    if is_sanitized(t.sockwatch_path):
        print("# skip - %s is an AddressSanitizer build: its RSS grows with the quarantine"
              % t.sockwatch_path, flush=True)
        return
    tui = shutil.which("tmux") is not None
    if not tui:
        t.note("tmux is not installed: the TUI part is skipped")
    argv = [sys.executable, SOAK, "--json", "--sockwatch", t.sockwatch_path,
            "--minutes", str(BATCH_S / 60.0), "--tui-minutes", str(TUI_S / 60.0 if tui else 0),
            "--interval", str(INTERVAL), "--settle", str(SETTLE), "--tui-settle", str(TUI_SETTLE),
            "--tolerance", str(TOLERANCE), "--window", "10", "--graceful-every", "0"]
    out_path, err_path = (os.path.join(t.tmpdir, "soak." + x) for x in ("out", "err"))
    with open(out_path, "wb") as outf, open(err_path, "wb") as errf:
        soak = t.popen(argv, stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)
    try:
        rc = soak.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        t.stop(soak)  # SIGTERM: it ends its children and the tmux server
        rc = None
    with open(out_path, errors="replace") as f:
        out = f.read()
    with open(err_path, errors="replace") as f:
        err = f.read()
    if not t.check(rc in (0, 3), "bench/soak ran to a verdict (exit 0 or 3)", got=rc):
        t.note("bench/soak's stderr ends:\n" + err[-3000:])
        return
    try:
        res = json.loads(out)
    except ValueError:
        t.fail("bench/soak --json printed one JSON object", got=out[:500])
        return
    t.note("isolation: %s" % res.get("isolation"))
    t.check_eq(res.get("problems"), [], "no problems (sockwatch refreshed, exited cleanly, churn ran)")
    phases = {ph["phase"]: ph for ph in res.get("phases") or []}
    t.check_eq(sorted(phases), ["batch", "tui"] if tui else ["batch"], "phases run")

    if "batch" in phases:
        ph = phases["batch"]
        check_phase(t, ph, BATCH_S, SETTLE)
        rates = [s.get("refreshes_per_s") for s in ph["samples"][1:]]
        t.check(rates and all(swtest.is_number(r) and r >= MIN_RATE for r in rates),
                "batch: at least %g snapshots a second in every interval (20 asked)" % MIN_RATE,
                got=rates)
        lines = ph["stderr"]["lines"]
        t.check(lines == len(ph["stderr"]["distinct"]) and lines <= 5,
                "batch: each stderr line once, at most 5", got=ph["stderr"])
    if "tui" in phases:
        check_phase(t, phases["tui"], TUI_S, TUI_SETTLE)

    ch = res.get("churn") or {}
    t.note("churn: %s" % ch)
    t.check_eq(ch.get("failed"), 0, "churn: no child failed")
    t.check(ch.get("opened", 0) >= 50 * (BATCH_S + (TUI_S if tui else 0))
            and ch.get("spawns", 0) >= 15,
            "churn: >= 50 connections a second, >= 15 children started", got=ch)
    t.check(res.get("flat") is True and rc == 0, "the soak's verdict: flat", got=(rc, res.get("flat")))


swtest.run(main, __doc__)
