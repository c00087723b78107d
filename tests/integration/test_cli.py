#!/usr/bin/env python3
"""The command-line contract (README, man page): bad input, help, version, batch output shapes,
the -p filter, and a reader that goes away (`sockwatch -b -n 0 -o json | head -1`)."""
import csv
import io
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

# Every bad value is given with -b, so that a binary that wrongly accepts it prints a
# batch snapshot (and fails the checks) instead of starting the TUI on a pipe.
BAD = [
    ["--no-such-option"],
    ["-n", "abc"],
    ["-o", "xml"],
    ["--view", "nope"],
    ["-d", "-1"],
    ["-d", "abc"],
    ["-p", "x"],
    ["-u", "no_such_user_xyz"],
]


def check_bad_input(t):
    for bad in BAD:
        argv = ["-b"] + bad
        tag = "sockwatch %s" % " ".join(argv)
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 2, "%s: exit status" % tag)
        lines = err.splitlines()
        t.check(len(lines) == 1 and lines[0].strip() != "" and err.endswith("\n"),
                "%s: exactly one line on stderr" % tag, got=err)
        t.check(out == "", "%s: nothing on stdout" % tag, got=out[:300])


def check_help_version(t):
    rc, out, err = t.sockwatch("-h", timeout=10)
    t.check_eq(rc, 0, "sockwatch -h: exit status")
    t.check("--batch" in out, "sockwatch -h: usage on stdout mentions --batch", got=out[:500])
    rc, out, err = t.sockwatch("-V", timeout=10)
    t.check_eq(rc, 0, "sockwatch -V: exit status")
    t.check(re.search(r"\d+\.\d+", out) is not None, "sockwatch -V: prints a version",
            got=out[:300])


def check_iterations(t):
    rc, out, err = t.sockwatch("-b", "-n", "2", "-d", "0.2", "-o", "json")
    tag = "sockwatch -b -n 2 -d 0.2 -o json"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    lines = out.splitlines()
    t.check_eq(len(lines), 2, "%s: lines of stdout" % tag)
    snaps = swtest.parse_json_lines(out)
    if t.check(snaps is not None and len(snaps) == 2 and all(isinstance(s, dict) for s in snaps),
               "%s: every line is a JSON object" % tag, got=out[:300]):
        t.check_eq([s.get("iteration") for s in snaps], [1, 2], "%s: iterations" % tag)
        t.check_eq(snaps[1].get("interval"), 0.2, "%s: interval" % tag)


def check_csv(t, w):
    rc, out, err = t.sockwatch("-b", "-n", "1", "-o", "csv")
    tag = "sockwatch -b -n 1 -o csv"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    try:
        rows = list(csv.reader(io.StringIO(out, newline="")))
    except csv.Error as e:
        t.fail("%s: parses as CSV" % tag, got=str(e))
        return
    t.check(len(rows) >= 2, "%s: a header and at least one row" % tag, got=out[:300])
    if not rows:
        return
    header = rows[0]
    t.check(len(header) >= 2 and all(h.strip() for h in header),
            "%s: header has named columns" % tag, got=header)
    bad = [r for r in rows[1:] if len(r) != len(header)]
    t.check(not bad, "%s: every row has the header's %d columns" % (tag, len(header)),
            got=bad[:3])
    if "pid" in header:
        col = header.index("pid")
        t.check(any(len(r) > col and r[col] == str(w.pid) for r in rows[1:]),
                "%s: the workload's pid %d is a row" % (tag, w.pid))


def check_pid_filter(t, w, other):
    tag = "sockwatch -b -o json -n 1 -p %d" % w.pid
    rc, snaps, out, err = t.sockwatch_json("-p", w.pid)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    if not t.check(snaps is not None and len(snaps) == 1 and isinstance(snaps[0], dict),
                   "%s: one JSON object" % tag, got=out[:300]):
        return
    snap = snaps[0]
    pids = [p.get("pid") for p in (snap.get("processes") or []) if isinstance(p, dict)]
    t.check_eq(pids, [w.pid], "%s: processes" % tag)
    t.check_eq(get(find_process(snap, w.pid) or {}, "sockets"), 1 + 2 * 10,
               "%s: its sockets" % tag)
    listening = snap.get("listening") or []
    t.check(any(e.get("port") == w.port for e in listening if isinstance(e, dict)),
            "%s: its listener is shown" % tag, got=listening)
    foreign = [e for e in listening
               if isinstance(e, dict) and not set(e.get("pids") or []) <= {w.pid}]
    t.check(not foreign, "%s: no other process's listener is shown" % tag, got=foreign[:3])
    t.check(not any(e.get("port") == other.port for e in listening if isinstance(e, dict)),
            "%s: the other workload's listener (port %d) is not shown" % (tag, other.port))

    rc, out, err = t.sockwatch("-b", "-n", "1", "-p", w.pid)
    t.check_eq(rc, 0, "sockwatch -b -n 1 -p %d (table): exit status" % w.pid)
    t.check(re.search(r"(?<!\d)%d(?!\d)" % w.pid, out) is not None,
            "sockwatch -b -n 1 -p %d (table): shows the pid" % w.pid, got=out[:500])
    t.check(re.search(r"(?<!\d)%d(?!\d)" % other.pid, out) is None,
            "sockwatch -b -n 1 -p %d (table): does not show pid %d" % (w.pid, other.pid),
            got=out[:500])


def check_closed_reader(t):
    """`sockwatch -b -n 0 -o json | head -1`: it must stop quietly once the reader is gone.

    "Quietly" means no message beyond those a normal run prints anyway: where some
    process cannot be inspected even by root (another user namespace, a PID 1 with more
    capabilities), every run prints that hint, and it is not the pipe's fault.
    """
    tag = "sockwatch -b -n 0 -o json | head -1"
    rc, out, err = t.sockwatch("-b", "-n", "1", "-o", "json")
    baseline = set(err.splitlines())
    if baseline:
        t.note("a normal run prints on stderr: %s" % err.strip())
    errpath = t.tmpdir + "/pipe.stderr"
    with open(errpath, "wb") as errf:
        proc = t.popen([t.sockwatch_path, "-b", "-n", "0", "-o", "json"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errf)
    line = swtest.read_line(proc.stdout, 15)
    t.check(swtest.parse_json_lines(line.decode("utf-8", "replace").strip()) is not None
            and line.strip() != b"", "%s: first line is JSON" % tag, got=line[:200])
    proc.stdout.close()
    closed = time.monotonic()
    try:
        rc = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
        proc.kill()
        proc.wait()
    took = time.monotonic() - closed
    t.check(rc is not None, "%s: exits within 5 s of the reader closing" % tag,
            got="still running after %.1f s" % took)
    t.check(rc in (0, -signal.SIGPIPE), "%s: exit by SIGPIPE or status 0" % tag, got=rc)
    with open(errpath, errors="replace") as f:
        err = f.read()
    extra = [line for line in err.splitlines() if line not in baseline]
    t.check(not extra, "%s: no message on stderr beyond a normal run's" % tag, got=err)


def check_output_file(t):
    """--output-file appends; a full disk is one clear message and status 1."""
    path = os.path.join(t.tmpdir, "out.jsonl")
    for _ in range(2):
        rc, out, err = t.sockwatch("--output-file", path, "-o", "json", "-n", "2", "-d", "0.1")
        t.check_eq(rc, 0, "--output-file: exit status")
        t.check_eq(out, "", "--output-file: nothing on stdout")
    with open(path) as f:
        lines = f.read().splitlines()
    t.check_eq(len(lines), 4, "--output-file: two runs of two refreshes appended")
    t.check(all(swtest.parse_json_lines(l) for l in lines), "--output-file: every line is JSON")
    if os.path.exists("/dev/full"):
        rc, out, err = t.sockwatch("-b", "--output-file", "/dev/full")
        t.check_eq(rc, 1, "--output-file /dev/full: exit status 1")
        msgs = [l for l in err.splitlines() if "/dev/full" in l]
        t.check(len(msgs) == 1 and "No space left" in msgs[0],
                "--output-file /dev/full: one line naming the file and the error", got=err)


def main(t):
    check_bad_input(t)
    check_output_file(t)
    check_help_version(t)
    check_iterations(t)
    w = t.workload("--conns", 10)
    other = t.workload("--conns", 3)
    check_csv(t, w)
    check_pid_filter(t, w, other)
    check_closed_reader(t)


swtest.run(main, __doc__)
