#!/usr/bin/env python3
"""Hostile names: no escape sequence from another process reaches the output.

Two processes whose names are attacks on a terminal, a CSV reader and a JSON parser:

  A  the workload program exec'd through a symlink whose name is COMM_A (so that is its
     comm), with argv[0] = ARGV0_A: OSC title, CSI, CR, BS, newlines, commas, quotes,
     a leading '=', C1 (raw 0x9b and U+009B), U+202E, invalid UTF-8 (0xff 0xfe).
     It holds a loopback listener and 2 connections.
  B  a Python child that writes COMM_B to /proc/self/comm and carries ARGS_B in argv;
     it holds a loopback listener with 2 connections, a UNIX listener bound to a
     hostile path and one on a hostile abstract name (a NUL inside, invalid UTF-8).

Checked in table, CSV, JSON and Prometheus output (processes, listen and sockets views):
not one raw byte < 0x20 but \\n (and CR only in CSV's CRLF), no DEL, no C1 code point,
no bidi control, valid UTF-8; CSV parses with Python's csv module into the header's
column count and no cell can run as a formula; every JSON line parses (and jq accepts
it when installed) and gives the names back exactly (invalid bytes as U+FFFD); the
table shows the names escaped, each process on one line. Then the TUI in tmux (when
installed): the raw byte stream to the terminal holds none of the hostile sequences
and the pane title is not retitled.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

# comm is at most 15 bytes; every byte sequence here decodes to the same U+FFFD count
# byte by byte (sockwatch) and by maximal subpart (Python), so the JSON is comparable.
COMM_A = b'=\x1b]2;T\x07\r\b\n,"x'
ARGV0_A = (b'=HYPERLINK("http://evil/","x"),\x1b]2;pwned\x07\r\b\nline2\t'
           b'\xc2\x9b\x9b\xe2\x80\xae\xff\xfe')
COMM_B = b'+\xc2\x9b\x9b\xe2\x80\xaeA\xff\xfe\x1b[2J'
ARGS_B = [b'\x1b[31mred\x1b[0m', b'a,b"c"\r\nd', b'=1+1', b'\xc2\x9b\x9b\xe2\x80\xae\xff\xfe',
          b'@SUM(A1)', b'\x7fdel']
UNIX_NAME_B = b'sock\x1b]2;T\x07\n,"=\xc2\x9b\xe2\x80\xae\xff\xfe'
ABSTRACT_B = b'\0hostile\0\x1b[31m\xc2\x9b\xff\xfe\xe2\x80\xae'

BIDI = set(chr(c) for c in [0x061C, 0x200E, 0x200F] + list(range(0x202A, 0x202F))
           + list(range(0x2066, 0x206A)))

# The Python child B: comm, sockets, ready file; it lives until SIGTERM or 120 s.
CHILD_B = r"""
import os, socket, time
e = os.environ
with open('/proc/self/comm', 'wb') as f:
    f.write(bytes.fromhex(e['H_COMM']))
u = socket.socket(socket.AF_UNIX)
u.bind(bytes.fromhex(e['H_UNIX']))
u.listen(8)
a = socket.socket(socket.AF_UNIX)
a.bind(bytes.fromhex(e['H_ABSTRACT']))
a.listen(8)
ac = socket.socket(socket.AF_UNIX)
ac.connect(bytes.fromhex(e['H_ABSTRACT']))
aa, _ = a.accept()
l = socket.socket()
l.bind(('127.0.0.1', 0))
l.listen(8)
conns = []
for _ in range(2):
    c = socket.create_connection(l.getsockname())
    s, _ = l.accept()
    conns += [c, s]
tmp = e['H_READY'] + '.tmp'
with open(tmp, 'w') as f:
    f.write('%d %d\n' % (os.getpid(), l.getsockname()[1]))
os.rename(tmp, e['H_READY'])
time.sleep(120)
"""


def decoded(b):
    """What a JSON string of these bytes must decode to."""
    return b.decode("utf-8", "replace")


def start(t, argv, ready, executable=None, env=None):
    """Start a child that writes "PID PORT" to `ready`; wait for it; return (proc, port)."""
    proc = t.popen(argv, executable=executable, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ok = swtest.wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, 30.0)
    if not ok or not os.path.exists(ready):
        err = proc.stderr.read().decode("utf-8", "replace") if proc.poll() is not None else ""
        raise RuntimeError("hostile child %r not ready (exit %s): %s"
                           % (argv[0], proc.poll(), err.strip()))
    with open(ready) as f:
        pid, port = (int(x) for x in f.read().split())
    if pid != proc.pid:
        raise RuntimeError("ready file names pid %d, started %d" % (pid, proc.pid))
    return proc, port


def run_raw(t, *args, timeout=30.0):
    """sockwatch ARGS; (rc, stdout bytes, stderr bytes): the bytes as written, not decoded."""
    proc = t.popen([t.sockwatch_path] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, out, err
    return proc.returncode, out, err


def raw_problems(data, crlf=False):
    """Every byte or code point in data that must not reach a reader raw."""
    probs = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        probs.append("invalid UTF-8 at byte %d: %r" % (e.start, data[max(0, e.start - 20):e.start + 20]))
    text = data.decode("utf-8", "replace")
    for i, ch in enumerate(text):
        o = ord(ch)
        if ch == "\n" or (crlf and ch == "\r" and text[i + 1:i + 2] == "\n"):
            continue
        if o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F or ch in BIDI:
            probs.append("raw U+%04X at char %d: %r" % (o, i, text[max(0, i - 20):i + 20]))
    return probs


def check_raw(t, tag, data, crlf=False):
    probs = raw_problems(data, crlf)
    t.check(not probs, "%s: no raw control byte, C1, bidi control or invalid UTF-8" % tag,
            got="; ".join(probs[:5]))


def is_formula(cell):
    return cell[:1] in ("=", "+", "-", "@") and re.fullmatch(r"-[0-9.]*", cell) is None


def check_csv(t, tag, data, want_guarded):
    """Parse with the csv module; want_guarded: (pid column value, column, prefix) that
    must appear as a guarded cell ("'" + prefix...)."""
    text = data.decode("utf-8", "replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not t.check(len(rows) >= 2, "%s: a header and rows" % tag, got=text[:300]):
        return
    header = rows[0]
    bad = [r for r in rows[1:] if len(r) != len(header)]
    t.check(not bad, "%s: every row has the header's %d columns" % (tag, len(header)), got=bad[:3])
    formulas = [c for r in rows for c in r if is_formula(c)]
    t.check(not formulas, "%s: no cell starts a spreadsheet formula" % tag, got=formulas[:5])
    cols = {name: i for i, name in enumerate(header)}
    for pid, col, prefix in want_guarded:
        if not t.check(col in cols and ("pid" in cols or "pids" in cols),
                       "%s: has columns pid(s) and %s" % (tag, col), got=header):
            continue
        pidcol = cols.get("pid", cols.get("pids"))
        mine = [r for r in rows[1:] if len(r) == len(header) and str(pid) in r[pidcol].split(",")]
        cells = [r[cols[col]] for r in mine]
        t.check(any(c.startswith("'" + prefix) for c in cells),
                "%s: pid %d's %s cell is guarded with a leading quote (starts \"'%s\")"
                % (tag, pid, col, prefix), got=cells[:3])


def check_json(t, tag, data):
    """Every line parses (json module, and jq when installed); the objects."""
    text = data.decode("utf-8", "replace")
    objs = swtest.parse_json_lines(text)
    t.check(objs is not None and len(objs) >= 1 and all(isinstance(o, dict) for o in objs),
            "%s: every line is a JSON object" % tag, got=text[:300])
    if shutil.which("jq"):
        r = subprocess.run(["jq", "-e", "."], input=data, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=30)
        t.check_eq(r.returncode, 0, "%s: jq -e . accepts it" % tag)
    return objs or [{}]


def main(t):
    # A: the workload through a symlink named COMM_A, argv[0] = ARGV0_A.
    tmp = os.fsencode(t.tmpdir)
    link = os.path.join(tmp, COMM_A)
    os.symlink(os.fsencode(t.workload_path), link)
    ready_a = os.path.join(t.tmpdir, "ready.a")
    argv_a = [ARGV0_A, b"--conns", b"2", b"--ready-file", os.fsencode(ready_a),
              b"--exit-after", b"120"]
    proc_a, port_a = start(t, argv_a, ready_a, executable=link)
    pid_a = proc_a.pid

    # B: the Python child.
    ready_b = os.path.join(t.tmpdir, "ready.b")
    unix_path = os.path.join(tmp, UNIX_NAME_B)
    env = dict(os.environ, H_COMM=COMM_B.hex(), H_UNIX=unix_path.hex(),
               H_ABSTRACT=ABSTRACT_B.hex(), H_READY=ready_b)
    proc_b, port_b = start(t, [sys.executable.encode(), b"-c", CHILD_B.encode()] + ARGS_B,
                           ready_b, env=env)
    pid_b = proc_b.pid
    with open("/proc/%d/comm" % pid_a, "rb") as f:
        t.check_eq(f.read().rstrip(b"\n"), COMM_A, "process A's comm is the hostile name")
    with open("/proc/%d/comm" % pid_b, "rb") as f:
        t.check_eq(f.read().rstrip(b"\n"), COMM_B, "process B's comm is the hostile name")
    t.note("A: pid %d port %d; B: pid %d port %d" % (pid_a, port_a, pid_b, port_b))
    pids = "%d,%d" % (pid_a, pid_b)
    cmdline_a = b" ".join(argv_a)
    abstract_shown = "@" + decoded(ABSTRACT_B[1:])

    # ---- table ----
    for view in ("processes", "listen", "sockets"):
        tag = "table --view %s" % view
        rc, out, err = run_raw(t, "-b", "--view", view, "-p", pids)
        t.check_eq(rc, 0, "%s: exit status" % tag)
        check_raw(t, tag, out)
        check_raw(t, tag + " stderr", err)
        text = out.decode("utf-8", "replace")
        if view == "processes":
            rows_a = [l for l in text.splitlines() if re.match(r"\s*%d\s" % pid_a, l)]
            t.check(len(rows_a) == 1, "%s: process A is one line" % tag, got=rows_a)
            t.check(any("\\x1b]2;pwned\\x07" in l and "\\u{202e}" in l and "\\xff\\xfe" in l
                        for l in rows_a), "%s: A's command line shown escaped" % tag, got=rows_a)
        elif view == "listen":
            t.check("\\x1b]2;T\\x07" in text, "%s: A's comm shown escaped" % tag, got=text[-800:])
            t.check("sock\\x1b]2;T\\x07\\n" in text, "%s: the hostile UNIX path shown escaped"
                    % tag, got=text[-800:])
            t.check("@hostile\\x00\\x1b[31m" in text, "%s: the abstract name shown escaped"
                    % tag, got=text[-800:])
        else:
            t.check("sock\\x1b]2;T\\x07\\n" in text and "@hostile\\x00\\x1b[31m" in text,
                    "%s: both UNIX names shown escaped" % tag, got=text[-800:])

    # ---- CSV ----
    guarded = {
        "processes": [(pid_a, "command", "=HYPERLINK")],
        "listen": [(pid_a, "command", "="), (pid_b, "command", "+")],
        "sockets": [],
    }
    for view in ("processes", "listen", "sockets"):
        tag = "csv --view %s" % view
        rc, out, err = run_raw(t, "-b", "-o", "csv", "--view", view, "-p", pids)
        t.check_eq(rc, 0, "%s: exit status" % tag)
        check_raw(t, tag, out, crlf=True)
        check_csv(t, tag, out, guarded[view])

    # ---- JSON ----
    rc, out, err = run_raw(t, "-b", "-o", "json", "-n", "2", "-d", "0.2", "-p", pids)
    tag = "json -n 2"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    check_raw(t, tag, out)
    snap = check_json(t, tag, out)[-1]
    pa, pb = find_process(snap, pid_a), find_process(snap, pid_b)
    t.check_eq(get(pa, "comm"), decoded(COMM_A), "%s: A's comm, exactly" % tag)
    t.check_eq(get(pa, "cmdline"), decoded(cmdline_a), "%s: A's cmdline, exactly" % tag)
    t.check_eq(get(pa, "sockets"), 5, "%s: A's sockets (listener + 2 connections)" % tag)
    t.check_eq(get(pb, "comm"), decoded(COMM_B), "%s: B's comm, exactly" % tag)
    cmd_b = get(pb, "cmdline") or ""
    t.check(all(decoded(a) in cmd_b for a in ARGS_B), "%s: B's hostile argv in its cmdline" % tag,
            got=cmd_b)
    listening = [e for e in snap.get("listening") or [] if isinstance(e, dict)]
    addrs = [e.get("address") for e in listening if pid_b in (e.get("pids") or [])]
    t.check(decoded(unix_path) in addrs, "%s: B's UNIX listener address, exactly" % tag, got=addrs)
    t.check(abstract_shown in addrs, "%s: B's abstract listener, '@' + the name exactly" % tag,
            got=addrs)

    rc, out, err = run_raw(t, "-b", "-o", "json", "--view", "sockets", "-p", pids)
    tag = "json --view sockets"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    check_raw(t, tag, out)
    snap = check_json(t, tag, out)[-1]
    paths = [s.get("path") for s in snap.get("sockets") or []
             if isinstance(s, dict) and pid_b in (s.get("pids") or [])]
    t.check(decoded(unix_path) in paths and abstract_shown in paths,
            "%s: B's UNIX socket paths, exactly" % tag, got=paths)

    # The whole machine, unfiltered: whatever else runs here is escaped too.
    rc, out, err = run_raw(t, "-b", "-o", "json", "--view", "sockets")
    tag = "json --view sockets, unfiltered"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    check_raw(t, tag, out)
    check_json(t, tag, out)

    # ---- Prometheus ----
    rc, out, err = run_raw(t, "-b", "-o", "prometheus", "-p", pids)
    t.check_eq(rc, 0, "prometheus: exit status")
    check_raw(t, "prometheus", out)
    check_prometheus(t, out, pid_a, pid_b)

    check_tui(t, pid_a, pid_b)


def check_prometheus(t, out, pid_a, pid_b):
    """The exposition with both hostile names: promtool accepts it (when installed), it
    uses only the format's escapes, and each comm label reads back as the name escaped
    as in tables (newline as the format's own \\n)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        t.note("prometheus: promtool not installed, its check skipped (scripts/bootstrap "
               "--test installs prometheus)")
    else:
        p = subprocess.run([promtool, "check", "metrics"], input=out, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        t.check(p.returncode == 0 and not p.stdout.strip(),
                "prometheus: promtool check metrics accepts the hostile names",
                got=(p.returncode, p.stdout.decode("utf-8", "replace")[:1000]))
    try:
        samples, _ = swtest.parse_prometheus(out.decode("utf-8"))
    except (ValueError, IndexError, UnicodeDecodeError) as e:
        t.fail("prometheus: only the format's escapes (\\\\, \\\", \\n)", got=str(e))
        return
    comms = {l.get("pid"): l.get("comm") for n, l, _ in samples
             if n == "sockwatch_process_sockets"}
    t.check_eq(comms.get(str(pid_a)), '=\\x1b]2;T\\x07\\r\\x08\n,"x',
               "prometheus: A's comm label, escaped as text (newline as \\n)")
    t.check_eq(comms.get(str(pid_b)), "+\\u{009b}\\x9b\\u{202e}A\\xff\\xfe\\x1b[2J",
               "prometheus: B's comm label, escaped as text")


def check_tui(t, pid_a, pid_b):
    """The TUI in tmux: capture every byte written to the pane while it shows A and B."""
    if shutil.which("tmux") is None:
        print("# skip - tmux not installed: the TUI leg is not run", flush=True)
        return
    sock = os.path.join(t.tmpdir, "tmux.sock")
    raw = os.path.join(t.tmpdir, "pane.raw")
    go = os.path.join(t.tmpdir, "go")
    status = os.path.join(t.tmpdir, "tui.status")
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")

    def tmux(*args):
        return subprocess.run(["tmux", "-S", sock] + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=10).stdout.decode("utf-8", "replace")

    # The pane waits for `go`, so that pipe-pane is in place before the first byte.
    shell = ("while [ ! -e %s ]; do sleep 0.05; done; %s -d 0.5 -p %d,%d; echo $? > %s"
             % (go, t.sockwatch_path, pid_a, pid_b, status))
    tmux("new-session", "-d", "-s", "h", "-x", "200", "-y", "40", shell)
    try:
        tmux("set-option", "-t", "h", "remain-on-exit", "on")
        tmux("pipe-pane", "-t", "h", "-o", "cat >> %s" % raw)
        open(go, "w").close()

        def screen_has(s):
            return swtest.wait_for(lambda: s in tmux("capture-pane", "-p", "-t", "h"), 10.0, 0.1)
        t.check(screen_has(str(pid_a)), "tui: processes view shows process A")
        tmux("send-keys", "-t", "h", "2")
        t.check(screen_has("\\x1b]2;T"), "tui: the listen view shows A's comm escaped")
        tmux("send-keys", "-t", "h", "4")
        t.check(screen_has("@hostile\\x00"), "tui: the sockets view shows the abstract name escaped")
        title = tmux("display-message", "-p", "-t", "h", "#{pane_title}").strip()
        t.check(title not in ("T", "pwned"), "tui: the pane title was not set by a process name",
                got=title)
        tmux("send-keys", "-t", "h", "q")
        done = swtest.wait_for(lambda: os.path.exists(status) and open(status).read().strip(), 10.0)
        t.check_eq(done, "0", "tui: q quits with status 0")
    finally:
        tmux("kill-server")
    try:
        with open(raw, "rb") as f:
            stream = f.read()
    except OSError:
        stream = b""
    t.check(len(stream) > 0, "tui: the pane's output was captured")
    hostile = [b"\x1b]2;T", b"\x1b]2;pwned", b"\x1b[31mred", b"\xe2\x80\xae", b"\xc2\x9b",
               b"\xff\xfe", b"\r\b\n,"]
    found = [h for h in hostile if h in stream]
    t.check(not found, "tui: no hostile sequence in the bytes sent to the terminal", got=found)


swtest.run(main, __doc__)
