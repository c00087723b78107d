#!/usr/bin/env python3
"""--check as a monitoring plugin (Nagios, Icinga, Sensu): thresholds, scope, perfdata, signals.

  1. Usage errors in --check mode (wherever --check stands on the line) exit 3 with
     exactly one stdout line starting "SOCKWATCH UNKNOWN"; --check --help and
     --check --version exit 3, and 0 without --check; -w, -c, -t, --port,
     --allow-partial and --require-full without --check exit 2 with one stderr line.
  2. A listener with a full accept queue (queuefull.py: listen(2), 3 clients, never
     accepts): -c accept_queue_full=0 and =1 exit 2, as root and as nobody (also with
     --allow-partial); as nobody the line says how many processes cannot be inspected.
     With -p or --port on another process or port the full queue is out of scope. As
     nobody with a threshold on fd_percent that is not crossed: at least WARNING, OK
     with --allow-partial, UNKNOWN with --require-full.
  3. -p PID -w close_wait=2 -c close_wait=5 on 3 and on 6 CLOSE_WAIT sockets: exit 1
     then 2, perfdata close_wait=3;2;5;0; then close_wait=6;2;5;0;, no label names a pid.
  4. Every perfdata of every run above and below: the grammar
     name=value[uom];warn;crit;min;max, the listed labels, the first 19 characters of
     the labels unique, the status word matching the exit status.
  5. -t: a run that would take 20 s exits 3 "timed out" within T + 1.5 s.
  6. SIGINT (and SIGTERM) at 8 (and 2) moments of a 10 s run: exit 3, an UNKNOWN line.
  7. stdout on /dev/full: exit 3.
  8. The range syntax end to end on close_wait (3): 10, 10:, ~:10, 10:20, @10:20, both
     thresholds; the user's range strings come back as warn and crit of the perfdata.
  9. --port P: only the sockets of port P (a workload with 5 connections: 10 established
     sockets, both ends), port_P_established, and no other port's label.
  Also: -n defaults to 1 with thresholds only, 2 without.

Needs root for the nobody part (to drop privileges); otherwise that part is skipped.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import get, is_number  # noqa: E402

BACKLOG = 2  # the full queue then holds BACKLOG + 1 = 3 connections
STATUS_RC = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
STATUS_LINE = re.compile(r"^SOCKWATCH (OK|WARNING|CRITICAL|UNKNOWN) - (.*?)(?: \| (.*))?$")
NUM = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
RANGE = re.compile(r"^@?(?:(?:~|%s)?:)?(?:%s)?$" % (NUM, NUM))  # ":1" is 0:1
PERF_TOKEN = re.compile(r"^([^=\s';]+)=(U|%s)([^;\d\s]*);([^;]*);([^;]*);([^;]*);([^;]*)$" % NUM)
UOMS = ("", "%", "s", "ms", "us", "B", "KB", "MB", "GB", "TB", "c")
LABELS = ("sockets", "established", "close_wait", "time_wait", "orphans",
          "time_wait_per_peer", "accept_queue_full", "worst_fd_percent", "fds", "leaking",
          "processes_unknown")

RUNS = []  # (tag, rc, first stdout line) of every --check run with a status line


def perfdata(line):
    """[(label, value, uom, warn, crit, min, max) or (token, None)] of a status line."""
    m = STATUS_LINE.match(line)
    if not m or m.group(3) is None:
        return []
    out = []
    for tok in m.group(3).split():
        p = PERF_TOKEN.match(tok)
        out.append(p.groups() if p else (tok, None))
    return out


def perf_map(line):
    """{label: (value as float or "U", uom, warn, crit, min, max)} of the well-formed labels."""
    res = {}
    for f in perfdata(line):
        if f[1] is None:
            continue
        v = f[1] if f[1] == "U" else float(f[1])
        res[f[0]] = (v,) + tuple(f[2:])
    return res


def perf_tokens(line):
    m = STATUS_LINE.match(line)
    return (m.group(3) or "").split() if m else []


def text_of(line):
    """The status text: between "SOCKWATCH STATUS - " and " | "."""
    m = STATUS_LINE.match(line)
    return m.group(2) if m else ""


def plugin(t, *args, want=None, user=None, binary=None, timeout=30, what=None):
    """sockwatch --check ARGS: (rc, first line of stdout, stderr); checks rc if want is given.

    want: an exit status or a tuple of them."""
    tag = what or "sockwatch --check %s" % " ".join(str(a) for a in args)
    if user is not None:
        tag += " (as uid %d)" % user
    rc, out, err = t.sockwatch("--check", *args, user=user, binary=binary, timeout=timeout)
    line = out.splitlines()[0] if out else ""
    RUNS.append((tag, rc, line))
    if want is not None:
        wants = want if isinstance(want, tuple) else (want,)
        t.check(rc in wants, "%s: exit %s" % (tag, " or ".join(map(str, wants))),
                got=(rc, line[:400], err.strip()[:300]))
    return rc, line, err


# ---- 1. usage ------------------------------------------------------------------------


def check_usage(t):
    outfile = os.path.join(t.tmpdir, "check-out.txt")
    bad = [
        ["--check", "--bogus"],
        ["--bogus", "--check"],
        ["--che", "--bogus"],  # an abbreviation of --check counts too
        ["--check", "-u", "no_such_user_xyz"],
        ["--check", "-n", "0"],
        ["-n", "0", "--check"],
        ["--check", "-n", "abc"],
        ["--check", "-d", "-1"],
        ["--check", "-p", "x"],
        ["--check", "-o", "xml"],
        ["--check", "--output-file", outfile],
        ["--check", "-w", "close_wait=abc"],
        ["-w", "close_wait=abc", "--check"],
        ["--check", "-c", "close_wait=abc"],
        ["--check", "-w", "nosuch=1"],
        ["--check", "-c", "nosuch=1"],
        ["--check", "-w", "close_wait"],
        ["--check", "-w", "close_wait="],
        ["--check", "-w", "=5"],
        ["--check", "-w", "close_wait=5:2"],
        ["--check", "-w", "close_wait=@"],
        ["--check", "-w", "close_wait=1:2:3"],
        ["--check", "-w"],
        ["--check", "-t", "abc"],
        ["--check", "-t", "-1"],
        ["--check", "--port", "abc"],
        ["--check", "--port", "70000"],
    ]
    for argv in bad:
        tag = "sockwatch %s" % " ".join(argv)
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 3, "%s: exit status" % tag)
        lines = out.splitlines()
        t.check(len(lines) == 1 and lines[0].startswith("SOCKWATCH UNKNOWN") and out.endswith("\n"),
                "%s: exactly one stdout line, starting SOCKWATCH UNKNOWN" % tag,
                got=(out[:300], err[:300]))
    t.check(not os.path.exists(outfile) or os.path.getsize(outfile) == 0,
            "sockwatch --check --output-file X: X is not written")

    for argv in (["--check", "--help"], ["--check", "-h"], ["--check", "--version"],
                 ["--check", "-V"]):
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 3, "sockwatch %s: exit status (as monitoring-plugins do)" % " ".join(argv))
    for argv in (["--help"], ["--version"]):
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 0, "sockwatch %s: exit status" % " ".join(argv))
        t.check(out.strip() != "", "sockwatch %s: prints on stdout" % " ".join(argv))

    # The check-only options without --check: usage errors of the normal kind.
    only = [["-w", "close_wait=2"],  # as the issue writes it (no -b: it must not matter)
            ["-b", "-w", "close_wait=2"], ["-b", "--warning", "close_wait=2"],
            ["-b", "-c", "close_wait=2"], ["-b", "--critical", "close_wait=2"],
            ["-b", "-t", "5"], ["-b", "--timeout", "5"], ["-b", "--port", "80"],
            ["-b", "--allow-partial"], ["-b", "--require-full"]]
    for argv in only:
        tag = "sockwatch %s (no --check)" % " ".join(argv)
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 2, "%s: exit status" % tag)
        lines = err.splitlines()
        t.check(len(lines) == 1 and lines[0].strip() != "", "%s: one line on stderr" % tag, got=err)
        t.check(out == "", "%s: nothing on stdout" % tag, got=out[:300])


# ---- 2. a full accept queue -------------------------------------------------------------


def start_queuefull(t, backlog):
    """queuefull.py BACKLOG: a listener whose accept queue is full (swtest helper)."""
    proc, _, info = t.helper("queuefull.py", backlog, timeout=30.0)
    return proc, info


def listener_on(t, port):
    rc, snaps, out, err = t.sockwatch_json("--view", "listen")
    for e in (get(snaps, 0, "listening") or []):
        if isinstance(e, dict) and e.get("proto") == "tcp" and e.get("port") == port:
            return e
    return None


def check_queue_full(t, q, cw3, uid, binary):
    port = q["port"]
    full = BACKLOG + 1

    def queue_full():
        e = listener_on(t, port)
        return e if e and e.get("queue") == full else None

    seen = swtest.wait_for(queue_full, 15, interval=0.1)
    if not t.check(seen is not None, "the listener on port %d shows queue %d over backlog %d"
                   % (port, full, BACKLOG), got=listener_on(t, port)):
        return
    t.check_eq(seen.get("backlog"), BACKLOG, "its backlog in the JSON")

    _, line, _ = plugin(t, "-c", "accept_queue_full=0", want=2)
    v = perf_map(line).get("accept_queue_full", (None,))[0]
    t.check(is_number(v) and v >= full, "accept_queue_full in the perfdata >= %d" % full, got=line)
    t.check(line.startswith("SOCKWATCH CRITICAL - "), "the line says CRITICAL", got=line)
    plugin(t, "-c", "accept_queue_full=1", want=2)
    plugin(t, "-w", "accept_queue_full=0", want=1)
    plugin(t, "--port", port, "-c", "accept_queue_full=0", want=2)
    # Out of scope: another process's listeners, another port.
    _, line, _ = plugin(t, "-p", cw3.pid, "-c", "accept_queue_full=0", want=0)
    t.check_eq(perf_map(line).get("accept_queue_full", (None,))[0], 0,
               "-p (another process): accept_queue_full")
    _, line, _ = plugin(t, "--port", cw3.port, "-c", "accept_queue_full=0", want=0)
    t.check_eq(perf_map(line).get("accept_queue_full", (None,))[0], 0,
               "--port (another port): accept_queue_full")

    if uid is None:
        print("skip - not running as root: the part as nobody is not run", flush=True)
        return
    # As nobody: the queues are still judged in full; the root processes are not.
    _, line, _ = plugin(t, "-c", "accept_queue_full=0", user=uid, binary=binary, want=2)
    pm = perf_map(line)
    v = pm.get("accept_queue_full", (None,))[0]
    t.check(is_number(v) and v >= full, "as nobody: accept_queue_full >= %d" % full, got=line)
    unknown = pm.get("processes_unknown", (None,))[0]
    t.check(is_number(unknown) and unknown >= 1, "as nobody: processes_unknown >= 1", got=line)
    text = text_of(line)
    t.check(re.search(r"(cannot|could not) be inspected", text) is not None,
            "as nobody: the line says processes cannot be inspected", got=line)
    t.check(is_number(unknown) and re.search(r"(?<![\d.])%d(?![\d.])" % unknown, text),
            "as nobody: the line says how many (processes_unknown)", got=line)
    _, line, _ = plugin(t, "-c", "accept_queue_full=1", user=uid, binary=binary, want=2)

    plugin(t, "--allow-partial", "-c", "accept_queue_full=0", user=uid, binary=binary, want=2)

    # A threshold on a figure of the processes that is not crossed: partial visibility
    # alone decides (fd_percent never reaches 1000).
    _, line, _ = plugin(t, "-c", "fd_percent=1000", user=uid, binary=binary, want=(1, 2))
    t.check(re.search(r"(cannot|could not) be inspected", text_of(line)) is not None,
            "as nobody, no threshold crossed: the line says why it is not OK", got=line)
    plugin(t, "--allow-partial", "-c", "fd_percent=1000", user=uid, binary=binary, want=0)
    _, line, _ = plugin(t, "--require-full", "-c", "fd_percent=1000", user=uid, binary=binary,
                        want=3)
    t.check(line.startswith("SOCKWATCH UNKNOWN - "), "--require-full as nobody: an UNKNOWN line",
            got=line)
    # As root, every process of the workloads can be inspected: --require-full is OK there.
    plugin(t, "-p", cw3.pid, "--require-full", "-c", "fd_percent=1000", want=0)


# ---- 3. close_wait thresholds per process ------------------------------------------------


def check_close_wait(t, cw3, cw6):
    for w, n, rc_want, word in ((cw3, 3, 1, "WARNING"), (cw6, 6, 2, "CRITICAL")):
        _, line, _ = plugin(t, "-p", w.pid, "-w", "close_wait=2", "-c", "close_wait=5",
                            want=rc_want)
        t.check(line.startswith("SOCKWATCH %s - " % word), "-p (%d CLOSE_WAIT): the line says %s"
                % (n, word), got=line)
        toks = perf_tokens(line)
        want = "close_wait=%d;2;5;0;" % n
        t.check(want in toks, "-p (%d CLOSE_WAIT): perfdata has %s" % (n, want), got=line)
        labels = [tok.split("=", 1)[0] for tok in toks]
        bad = [l for l in labels if "pid" in l.lower() or str(w.pid) in l]
        t.check(labels and not bad, "-p (%d CLOSE_WAIT): no label names the pid %d or 'pid'"
                % (n, w.pid), got=bad or line)
        ports = sorted(l for l in labels if re.match(r"^port_\d+_", l))
        t.check_eq(ports, ["port_%d_established" % w.port],
                   "-p (%d CLOSE_WAIT): the port labels (its one listener)" % n)


# ---- 4. perfdata grammar --------------------------------------------------------------


def check_perfdata(t, w_port):
    bad_lines, bad_tokens, bad_uniq, missing, bad_status, bad_uom = [], [], [], [], [], []
    n = 0
    for tag, rc, line in RUNS:
        m = STATUS_LINE.match(line)
        if not m:
            bad_lines.append((tag, line[:200]))
            continue
        n += 1
        if STATUS_RC[m.group(1)] != rc:
            bad_status.append((tag, rc, m.group(1)))
        if m.group(1) == "UNKNOWN" and m.group(3) is None:
            continue  # an UNKNOWN line may carry no perfdata
        fields = perfdata(line)
        labels = []
        for f in fields:
            if f[1] is None:
                bad_tokens.append((tag, f[0]))
                continue
            label, value, uom, warn, crit, lo, hi = f
            labels.append(label)
            if not (RANGE.match(warn) and RANGE.match(crit)):
                bad_tokens.append((tag, "%s: warn %r crit %r" % (label, warn, crit)))
            if not all(x == "" or re.match("^%s$" % NUM, x) for x in (lo, hi)):
                bad_tokens.append((tag, "%s: min %r max %r" % (label, lo, hi)))
            if uom not in UOMS:
                bad_tokens.append((tag, "%s: uom %r" % (label, uom)))
            # A known value carries its unit; an unknown one is a bare U (what parsers expect).
            if label == "worst_fd_percent" and uom != ("" if value == "U" else "%"):
                bad_uom.append((tag, label + "=" + value + uom))
        firsts = [l[:19] for l in labels]
        if len(set(firsts)) != len(firsts) or not labels:
            bad_uniq.append((tag, labels))
        lack = [l for l in LABELS if l not in labels]
        if lack:
            missing.append((tag, lack))
    t.check(not bad_lines, "every --check run printed a status line "
            "'SOCKWATCH OK|WARNING|CRITICAL|UNKNOWN - ...'", got=bad_lines[:5])
    t.check_ge(n, 10, "status lines examined")
    t.check(not bad_status, "the status word matches the exit status (OK 0 ... UNKNOWN 3)",
            got=bad_status[:5])
    t.check(not bad_tokens, "every perfdata field is name=value[uom];warn;crit;min;max "
            "(ranges, numbers or U, a known unit)", got=bad_tokens[:8])
    t.check(not bad_uniq, "the first 19 characters of the labels are unique in every line",
            got=bad_uniq[:3])
    t.check(not missing, "every line has the labels %s" % ", ".join(LABELS), got=missing[:3])
    t.check(not bad_uom, "worst_fd_percent has the unit % (a bare U when unknown)",
            got=bad_uom[:3])

    # An unscoped run: every TCP listener port has its label, the workload's among them.
    _, line, _ = plugin(t, "-n", 2, "-d", 0.2)
    labels = [f[0] for f in perfdata(line)]
    t.check("port_%d_established" % w_port in labels,
            "unscoped --check: perfdata has port_%d_established" % w_port, got=line[:600])
    t.check(all(f[1] is not None for f in perfdata(line)) and labels,
            "unscoped --check: every perfdata field well-formed", got=line[:600])


# ---- 5. -t --------------------------------------------------------------------------------


def check_timeout(t, cw3):
    for tmo, limit in (("1", 2.5), ("0.5", 2.0)):
        start = time.monotonic()
        rc, out, err = t.sockwatch("--check", "-n", 20, "-d", 1, "-t", tmo, timeout=15)
        took = time.monotonic() - start
        tag = "sockwatch --check -n 20 -d 1 -t %s" % tmo
        t.check_eq(rc, 3, "%s: exit status" % tag)
        t.check(took <= limit, "%s: exits within %.1f s" % (tag, limit), got="%.2f s" % took)
        line = out.splitlines()[0] if out else ""
        t.check(line.startswith("SOCKWATCH UNKNOWN") and "timed out" in line,
                "%s: a 'SOCKWATCH UNKNOWN - ... timed out' line" % tag, got=(out[:300], err[:300]))
    # A timeout that is not reached changes nothing.
    plugin(t, "-p", cw3.pid, "-n", 2, "-d", 0.1, "-t", 20, "-c", "close_wait=100", want=0)


# ---- 6. signals -----------------------------------------------------------------------


def check_signals(t):
    moments = [(signal.SIGINT, s) for s in (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5)]
    moments += [(signal.SIGTERM, 0.1), (signal.SIGTERM, 0.6)]
    argv = [t.sockwatch_path, "--check", "-n", "50", "-d", "0.2"]
    for sig, at in moments:
        name = signal.Signals(sig).name
        tag = "%s at %.2f s into sockwatch --check -n 50 -d 0.2" % (name, at)
        proc = t.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
        start = time.monotonic()
        try:
            proc.wait(timeout=at)  # a deadline: it must still be running then
            early = True
        except subprocess.TimeoutExpired:
            early = False
            proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=5)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            rc = None
        took = time.monotonic() - start
        out = out.decode("utf-8", "replace")
        if not t.check(not early, "%s: still running when signalled" % tag,
                       got=(proc.returncode, out[:200])):
            continue
        t.check_eq(rc, 3, "%s: exit status" % tag)
        lines = [l for l in out.splitlines() if l.startswith("SOCKWATCH ")]
        t.check(len(lines) == 1 and lines[0].startswith("SOCKWATCH UNKNOWN"),
                "%s: one status line, UNKNOWN, never OK" % tag,
                got=(out[:300], err.decode("utf-8", "replace")[:300], "%.2f s" % took))


# ---- 7. /dev/full ---------------------------------------------------------------------


def check_dev_full(t, cw3):
    if not os.path.exists("/dev/full"):
        print("skip - no /dev/full", flush=True)
        return
    for args in (["-n", "2", "-d", "0.1"], ["-p", str(cw3.pid), "-c", "close_wait=100"],
                 ["--bogus"]):
        tag = "sockwatch --check %s > /dev/full" % " ".join(args)
        with open("/dev/full", "wb") as full:
            rc, _, err = t.run([t.sockwatch_path, "--check"] + args, timeout=30, stdout=full)
        t.check_eq(rc, 3, "%s: exit status" % tag)


# ---- 8. range semantics ---------------------------------------------------------------


def check_ranges(t, cw3):
    """close_wait is 3 for cw3: each range and the exit status it must give."""
    cases = [
        (["-w", "close_wait=@0:4"], 1),   # inside 0..4
        (["-w", "close_wait=~:10"], 0),   # above 10? no
        (["-w", "close_wait=10:"], 1),    # below 10
        (["-w", "close_wait=0:"], 0),
        (["-w", "close_wait=10"], 0),     # outside 0..10? no
        (["-w", "close_wait=3"], 0),      # ends included
        (["-w", "close_wait=2"], 1),
        (["-w", "close_wait=2.5"], 1),    # decimals, as monitoring-plugins take them
        (["-w", "close_wait=~:2"], 1),
        (["-w", "close_wait=3:3"], 0),
        (["-w", "close_wait=4:20"], 1),   # outside 4..20
        (["-w", "close_wait=1:20"], 0),
        (["-w", "close_wait=@4:20"], 0),  # inside 4..20? no
        (["-w", "close_wait=@3:3"], 1),   # inside, ends included
        (["-w", "close_wait=@~:3"], 1),
        (["-c", "close_wait=@0:4"], 2),
        (["-c", "close_wait=10:"], 2),
        (["-c", "close_wait=~:10"], 0),
        (["-w", "close_wait=2", "-c", "close_wait=10"], 1),
        (["-w", "close_wait=10", "-c", "close_wait=2"], 2),
        (["-w", "close_wait=2", "-c", "close_wait=@3:3"], 2),
        (["--warning", "close_wait=2", "--critical", "close_wait=5"], 1),
        (["-c", "sockets=4"], 0),         # its listener and the 3 CLOSE_WAIT sockets
        (["-c", "sockets=3"], 2),
        (["-w", "close_wait=2", "-c", "sockets=10"], 1),  # the worst over both metrics
        (["-w", "close_wait=10", "-c", "sockets=3"], 2),
    ]
    for args, want in cases:
        _, line, _ = plugin(t, "-p", cw3.pid, *args, want=want)
        warn = crit = ""
        for opt, val in zip(args[::2], args[1::2]):
            metric, rng = val.split("=", 1)
            if metric != "close_wait":
                continue
            if opt in ("-w", "--warning"):
                warn = rng
            else:
                crit = rng
        tok = "close_wait=3;%s;%s;0;" % (warn, crit)
        t.check(tok in perf_tokens(line), "-p PID %s: perfdata has %s" % (" ".join(args), tok),
                got=line)


# ---- 9. --port ------------------------------------------------------------------------


def check_port(t, w5, w20):
    p = w5.port
    _, line, _ = plugin(t, "--port", p, "-w", "established=1", want=1)
    pm = perf_map(line)
    t.check_eq(pm.get("established", (None,))[0], 10,
               "--port %d: established (both ends of 5 connections)" % p)
    t.check("port_%d_established" % p in pm, "--port %d: perfdata has port_%d_established"
            % (p, p), got=line)
    others = [l for l in pm if re.match(r"^port_\d+_", l) and l != "port_%d_established" % p]
    t.check(not others, "--port %d: no other port's label" % p, got=others)
    plugin(t, "--port", p, "-w", "established=:1", want=1)
    plugin(t, "--port", p, "-w", "established=20", want=0)  # not the 50 of the machine
    plugin(t, "--port", w20.port, "-w", "established=20", want=1)


# ---- -n defaults ----------------------------------------------------------------------


def check_defaults(t, cw3):
    start = time.monotonic()
    plugin(t, "-p", cw3.pid, "-d", 5, "-c", "close_wait=100", want=0)
    took = time.monotonic() - start
    t.check(took < 4, "--check -d 5 with thresholds only: one refresh (no 5 s wait)",
            got="%.2f s" % took)
    start = time.monotonic()
    plugin(t, "-p", cw3.pid, "-d", 1)
    took = time.monotonic() - start
    t.check(took >= 1.0, "--check -d 1 without thresholds: two refreshes (one 1 s wait)",
            got="%.2f s" % took)


def main(t):
    check_usage(t)
    cw3 = t.workload("--close-wait", 3)
    cw6 = t.workload("--close-wait", 6)
    w5 = t.workload("--conns", 5)
    w20 = t.workload("--conns", 20)
    q_proc, q = start_queuefull(t, BACKLOG)
    t.note("close_wait 3 pid %d port %d, close_wait 6 pid %d, conns 5 pid %d port %d, "
           "conns 20 pid %d port %d, queuefull pid %d port %d"
           % (cw3.pid, cw3.port, cw6.pid, w5.pid, w5.port, w20.pid, w20.port, q["pid"], q["port"]))
    uid = binary = None
    if os.geteuid() == 0:
        uid = swtest.nobody_uid()
        binary = t.private_copy_of_sockwatch()
    check_queue_full(t, q, cw3, uid, binary)
    t.stop(q_proc)
    check_close_wait(t, cw3, cw6)
    check_ranges(t, cw3)
    check_port(t, w5, w20)
    check_defaults(t, cw3)
    check_timeout(t, cw3)
    check_perfdata(t, w5.port)
    check_signals(t)
    check_dev_full(t, cw3)


swtest.run(main, __doc__)
