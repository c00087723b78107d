#!/usr/bin/env python3
"""Faults around sockwatch: nothing is silent, nothing is lost, nothing hangs.

  1. Out of fds (RLIMIT_NOFILE 5): the processes it cannot open are listed as unknown
     (JSON null, counted in processes_unknown), one stderr line says how many and why,
     --check is UNKNOWN. At 16 every process is read; a soft limit below the hard one
     is raised to it.
  2. Standard streams: stdout closed (`>&-`) is exit 1 with one stderr line and, under
     strace, no write to fd 1 or into a socket; stderr closed does not matter to the
     output; a reader that leaves early (`| head -1`) ends the run quietly.
  3. SIGSTOP for a while, then SIGCONT: no burst of snapshots to catch up.
  4. The TUI on TERM=dumb or without TERM: one line, exit 1, nothing on the terminal.
  5. LANG=C: batch output and messages as usual.
  6. --config on a FIFO (at once, with a 2 s deadline; also as the default file), a
     directory, /dev/null, /proc/self/mem: exit 2 (3 with --check) and one line.
     --output-file on a FIFO nobody reads: exit 1 at once; with a reader it writes.
  7. Numbers: empty pid list items and hex refused for -p, -n, --port, -t.
  8. No match: -p of a pid that does not exist, -u of a uid without processes: one
     stderr line, valid output ([] in JSON), exit 0. --help/--version on /dev/full: 1.

Every run has a deadline; every child is reaped by swtest.
"""
import json
import os
import select
import threading
import pty
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

CONNS = 5
# The hint a normal run may print where some process cannot be read even by root
# (another user namespace): not caused by the fault under test.
HINT = re.compile(r"cannot be inspected even as root|of other users show as unknown")


def extra_lines(err):
    """stderr lines other than the privilege hint a normal run may print."""
    return [line for line in err.splitlines() if not HINT.search(line)]


def run(t, argv, timeout=20.0, env=None, preexec=None, stdin=subprocess.DEVNULL):
    """Run argv: (rc or None on timeout, stdout, stderr, seconds taken)."""
    start = time.monotonic()
    rc, out, err = t.run(argv, timeout=timeout, stdin=stdin, env=env, preexec_fn=preexec)
    return rc, out, err, time.monotonic() - start


def nofile_argv(t, soft, hard, args):
    """argv and preexec that run sockwatch ARGS with RLIMIT_NOFILE soft:hard."""
    prlimit = shutil.which("prlimit")
    if prlimit:
        return [prlimit, "--nofile=%d:%d" % (soft, hard), t.sockwatch_path] + args, None

    def preexec():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return [t.sockwatch_path] + args, preexec


def one_snapshot(t, tag, out):
    snaps = swtest.parse_json_lines(out)
    if t.check(snaps is not None and len(snaps) == 1 and isinstance(snaps[0], dict),
               "%s: one JSON object" % tag, got=out[:300]):
        return snaps[0]
    return None


# ---- 1. out of fds ---------------------------------------------------------------------


def check_nofile(t, w):
    args = ["-b", "-o", "json", "-n", "1"]
    argv, pre = nofile_argv(t, 5, 5, args)
    tag = "RLIMIT_NOFILE 5: sockwatch -b -o json"
    rc, out, err, _ = run(t, argv, preexec=pre)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    snap = one_snapshot(t, tag, out)
    if snap is not None:
        procs = snap.get("processes") or []
        unknown = get(snap, "totals", "processes_unknown")
        t.check(len(procs) > 0, "%s: processes are listed, not dropped" % tag, got=len(procs))
        t.check(swtest.is_number(unknown) and unknown >= len(procs) - 1 and unknown > 0,
                "%s: processes_unknown counts the unread ones" % tag,
                got=(unknown, len(procs)))
        p = find_process(snap, w.pid)
        if t.check(p is not None, "%s: the workload (pid %d) is listed" % (tag, w.pid)):
            t.check(p.get("sockets", 0) is None, "%s: its sockets are null, not 0" % tag,
                    got=p.get("sockets"))
    lines = [line for line in err.splitlines() if "could not be read" in line]
    t.check(len(lines) == 1 and "Too many open files" in lines[0],
            "%s: one stderr line says how many and why" % tag, got=err)

    argv, pre = nofile_argv(t, 5, 5, ["--check"])
    rc, out, err, _ = run(t, argv, preexec=pre)
    t.check_eq(rc, 3, "RLIMIT_NOFILE 5: sockwatch --check: exit status (UNKNOWN)")
    t.check(out.startswith("SOCKWATCH UNKNOWN") and "could not be read" in out,
            "RLIMIT_NOFILE 5: sockwatch --check: the UNKNOWN line says why", got=out[:300])

    argv, pre = nofile_argv(t, 16, 16, args)
    tag = "RLIMIT_NOFILE 16: sockwatch -b -o json"
    rc, out, err, _ = run(t, argv, preexec=pre)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    snap = one_snapshot(t, tag, out)
    if snap is not None:
        t.check_eq(get(find_process(snap, w.pid) or {}, "sockets"), 1 + 2 * CONNS,
                   "%s: the workload's sockets" % tag)
    t.check(not [l for l in err.splitlines() if "could not be read" in l],
            "%s: no process short of fds" % tag, got=err)


def check_nofile_raised(t):
    """A soft limit of 16 under a hard one of 1024: sockwatch runs with 1024."""
    argv, pre = nofile_argv(t, 16, 1024, ["-b", "-n", "0", "-d", "0.2", "-o", "json"])
    proc = t.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL, preexec_fn=pre)
    line = swtest.read_line(proc.stdout, 15)
    limits = ""
    try:
        with open("/proc/%d/limits" % proc.pid) as f:
            limits = f.read()
    except OSError:
        pass
    t.stop(proc)
    t.check(line.strip() != b"", "soft RLIMIT_NOFILE 16, hard 1024: it runs", got=line[:100])
    m = re.search(r"^Max open files\s+(\d+)\s+(\d+)", limits, re.M)
    t.check(m is not None and m.group(1) == m.group(2) == "1024",
            "soft RLIMIT_NOFILE 16, hard 1024: sockwatch raised its soft limit to 1024",
            got=m.group(0) if m else limits[:300])


# ---- 2. standard streams ---------------------------------------------------------------


def check_stdout_closed(t):
    tag = "sockwatch -b >&-"
    rc, out, err, took = run(t, ["sh", "-c", 'exec "$0" -b >&-', t.sockwatch_path])
    t.check_eq(rc, 1, "%s: exit status" % tag)
    lines = extra_lines(err)
    t.check(len(lines) == 1 and "standard output" in lines[0],
            "%s: one stderr line names standard output" % tag, got=err)

    strace = shutil.which("strace")
    if not strace:
        print("skip - strace not found: the writes of a closed stdout are not traced",
              flush=True)
        return
    log = os.path.join(t.tmpdir, "closed.strace")
    # LeakSanitizer cannot run under ptrace: a sanitized binary traced here checks no leaks.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    rc, out, err, _ = run(t, [strace, "-f", "-qq", "-y", "-o", log,
                              "-e", "trace=write,writev,pwrite64", "--",
                              "sh", "-c", 'exec "$0" -b >&-', t.sockwatch_path], env=env)
    try:
        with open(log, errors="replace") as f:
            trace = f.read()
    except OSError:
        trace = ""
    if rc is None or not trace:
        print("skip - strace could not trace (no ptrace here?): %s" % err.strip()[:200],
              flush=True)
        return
    t.check_eq(rc, 1, "%s under strace: exit status" % tag)
    writes = [l for l in trace.splitlines() if re.search(r"\b(write|writev|pwrite64)\(", l)]
    to_fd1 = [l for l in writes if re.search(r"\(1[<,]", l)]
    to_sock = [l for l in writes if re.search(r"\(\d+<(socket|NETLINK|UNIX|TCP|UDP)", l)]
    t.check(not to_fd1, "%s under strace: no write to fd 1" % tag, got=to_fd1[:3])
    t.check(not to_sock, "%s under strace: no write into a socket" % tag, got=to_sock[:3])


def check_stderr_closed(t):
    tag = "sockwatch -b -o json 2>&-"
    rc, out, err, _ = run(t, ["sh", "-c", 'exec "$0" -b -o json 2>&-', t.sockwatch_path])
    t.check_eq(rc, 0, "%s: exit status" % tag)
    one_snapshot(t, tag, out)
    tag = "sockwatch -b -n abc 2>&-"
    rc, out, err, _ = run(t, ["sh", "-c", 'exec "$0" -b -n abc 2>&-', t.sockwatch_path])
    t.check_eq(rc, 2, "%s: exit status" % tag)
    t.check_eq(out, "", "%s: nothing on stdout" % tag)


def check_reader_leaves(t):
    tag = "sockwatch -b -n 0 -d 0.1 | head -1"
    errpath = os.path.join(t.tmpdir, "head.stderr")
    with open(errpath, "wb") as errf:
        proc = t.popen([t.sockwatch_path, "-b", "-n", "0", "-d", "0.1"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errf)
    line = swtest.read_line(proc.stdout, 15)
    t.check(line.startswith(b"sockwatch "), "%s: the first line is read" % tag, got=line[:100])
    proc.stdout.close()
    try:
        rc = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    t.check(rc in (0, -signal.SIGPIPE), "%s: ends within 5 s, status 0" % tag, got=rc)
    with open(errpath, errors="replace") as f:
        err = f.read()
    t.check(not extra_lines(err), "%s: nothing on stderr" % tag, got=err[:300])


# ---- 3. stopped and continued ----------------------------------------------------------


def check_stop_cont(t):
    delay, stopped = 0.5, 4.0
    tag = "sockwatch -b -n 0 -d %g, SIGSTOP for %g s" % (delay, stopped)
    proc = t.popen([t.sockwatch_path, "-b", "-n", "0", "-d", str(delay), "-o", "json"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL)
    fd = proc.stdout.fileno()
    arrivals, buf = [], [b""]

    def pump(until):
        while time.monotonic() < until:
            r, _, _ = swtest.select.select([fd], [], [], max(0.0, until - time.monotonic()))
            if not r:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return
            now = time.monotonic()
            buf[0] += chunk
            while b"\n" in buf[0]:
                _, buf[0] = buf[0].split(b"\n", 1)
                arrivals.append(now)

    pump(time.monotonic() + 1.2)
    before = len(arrivals)
    proc.send_signal(signal.SIGSTOP)
    time.sleep(0.2)  # a line written just before the stop arrives now
    pump(time.monotonic() + 0.1)
    during = len(arrivals)
    time.sleep(stopped)
    proc.send_signal(signal.SIGCONT)
    resumed = time.monotonic()
    pump(resumed + 2.2)
    t.stop(proc)
    after = [a - resumed for a in arrivals[during:]]
    t.check(before >= 2, "%s: it ran before the stop" % tag, got=before)
    # Caught up, it would write stopped / delay = 8 snapshots at once.
    first = [a for a in after if a < 1.0]
    t.check(len(first) <= 3, "%s: at most 3 snapshots in the first second after SIGCONT" % tag,
            got=["%.2f" % a for a in after])
    t.check(len(after) >= 3, "%s: it goes on after SIGCONT" % tag,
            got=["%.2f" % a for a in after])


# ---- 4. the TUI without a usable terminal ----------------------------------------------


def run_tui(t, env, timeout=10.0):
    """sockwatch (the TUI) on a pty: (rc or None, stderr, what reached the terminal)."""
    master, slave = pty.openpty()
    try:
        proc = t.popen([t.sockwatch_path], stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                       env=env, start_new_session=True)
    finally:
        os.close(slave)
    try:
        _, err = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        rc = None
    screen = b""
    os.set_blocking(master, False)
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            screen += chunk
    except OSError:
        pass  # EAGAIN: all read; EIO: the other side is closed
    os.close(master)
    return rc, err.decode("utf-8", "replace"), screen


def check_tui_terms(t):
    base = {k: v for k, v in os.environ.items() if k != "TERM"}
    cases = [("TERM=dumb", dict(base, TERM="dumb")), ("TERM unset", base),
             ("TERM=dumb LANG=C", dict(base, TERM="dumb", LANG="C", LC_ALL="C"))]
    for what, env in cases:
        tag = "sockwatch (TUI) with %s" % what
        rc, err, screen = run_tui(t, env)
        t.check_eq(rc, 1, "%s: exit status" % tag)
        lines = err.splitlines()
        t.check(len(lines) == 1 and "TERM" in lines[0] and "-b" in lines[0],
                "%s: one stderr line naming TERM and -b" % tag, got=err)
        t.check(screen.strip() == b"", "%s: nothing drawn on the terminal" % tag,
                got=screen[:200])


# ---- 5. LANG=C -------------------------------------------------------------------------


def check_lang_c(t, w):
    env = dict(os.environ, LANG="C", LC_ALL="C")
    rc, snaps, out, err = t.sockwatch_json(env=env)
    tag = "LANG=C sockwatch -b -o json"
    t.check_eq(rc, 0, "%s: exit status" % tag)
    snap = one_snapshot(t, tag, out)
    if snap is not None:
        t.check_eq(get(find_process(snap, w.pid) or {}, "sockets"), 1 + 2 * CONNS,
                   "%s: the workload's sockets" % tag)
    rc, out, err = t.sockwatch("-b", "-n", "1", env=env)
    t.check_eq(rc, 0, "LANG=C sockwatch -b: exit status")
    t.check(out.startswith("sockwatch "), "LANG=C sockwatch -b: the table", got=out[:200])
    rc, out, err = t.sockwatch("-b", "-n", "abc", env=env)
    t.check(rc == 2 and len(err.splitlines()) == 1,
            "LANG=C sockwatch -b -n abc: exit 2, one line", got=(rc, err))


# ---- 6. files --------------------------------------------------------------------------


def check_config_files(t):
    fifo = os.path.join(t.tmpdir, "config.fifo")
    os.mkfifo(fifo)
    confdir = os.path.join(t.tmpdir, "confdir")
    os.mkdir(confdir)
    cases = [("a FIFO", fifo), ("a directory", confdir), ("a device", "/dev/null"),
             ("/proc/self/mem", "/proc/self/mem")]
    for what, path in cases:
        tag = "sockwatch -b --config %s (%s)" % (path, what)
        rc, out, err, took = run(t, [t.sockwatch_path, "-b", "-n", "1", "--config", path],
                                 timeout=2.0)
        t.check_eq(rc, 2, "%s: exit status within 2 s" % tag)
        lines = err.splitlines()
        t.check(len(lines) == 1 and path in lines[0], "%s: one stderr line naming it" % tag,
                got=err)
        t.check_eq(out, "", "%s: nothing on stdout" % tag)
        rc, out, err, took = run(t, [t.sockwatch_path, "--check", "--config", path],
                                 timeout=2.0)
        t.check(rc == 3 and out.startswith("SOCKWATCH UNKNOWN") and len(out.splitlines()) == 1,
                "sockwatch --check --config %s: exit 3, one UNKNOWN line" % path,
                got=(rc, out[:200]))

    xdg = os.path.join(t.tmpdir, "xdg")
    os.makedirs(os.path.join(xdg, "sockwatch"))
    os.mkfifo(os.path.join(xdg, "sockwatch", "config"))
    env = dict(os.environ, XDG_CONFIG_HOME=xdg)
    rc, out, err, took = run(t, [t.sockwatch_path, "-b", "-n", "1"], timeout=2.0, env=env)
    t.check_eq(rc, 2, "a FIFO as the default config file: exit status within 2 s")
    t.check(len(err.splitlines()) == 1 and "FIFO" in err,
            "a FIFO as the default config file: one stderr line", got=err)


def check_output_fifo(t):
    fifo = os.path.join(t.tmpdir, "out.fifo")
    os.mkfifo(fifo)
    tag = "sockwatch --output-file FIFO without a reader"
    rc, out, err, took = run(t, [t.sockwatch_path, "--output-file", fifo, "-o", "json"],
                             timeout=2.0)
    t.check_eq(rc, 1, "%s: exit status within 2 s" % tag)
    t.check(len(err.splitlines()) == 1 and fifo in err, "%s: one stderr line" % tag, got=err)

    tag = "sockwatch --output-file FIFO with a reader"
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    chunks, done = [], threading.Event()

    def drain():
        # Read while sockwatch writes: a snapshot of a busy machine outgrows the pipe.
        while True:
            r, _, _ = select.select([rfd], [], [], 0.05)
            try:
                chunk = os.read(rfd, 1 << 20) if r else b""
            except BlockingIOError:
                chunk = b""
            if chunk:
                chunks.append(chunk)
            elif done.is_set():
                return
            else:
                time.sleep(0.01)  # no writer yet (EOF) or nothing new
    reader = threading.Thread(target=drain)
    reader.start()
    try:
        rc, out, err, took = run(t, [t.sockwatch_path, "--output-file", fifo, "-o", "json",
                                     "-n", "2", "-d", "0.1"], timeout=20.0)
    finally:
        done.set()
        reader.join()
        os.close(rfd)
    data = b"".join(chunks)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    snaps = swtest.parse_json_lines(data.decode("utf-8", "replace"))
    t.check(snaps is not None and len(snaps) == 2, "%s: two snapshots through it" % tag,
            got=data[:200])


# ---- 7. numbers ------------------------------------------------------------------------


def check_numbers(t):
    bad = [["-b", "-p", "1,,2"], ["-b", "-p", ",1"], ["-b", "-p", "1,"], ["-b", "-p", ","],
           ["-b", "-p", "0x10"], ["-b", "-n", "0x10"], ["-b", "-d", "0x10"],
           ["-b", "-u", "0x10"], ["-b", "--rescan", "0x10"]]
    for argv in bad:
        tag = "sockwatch %s" % " ".join(argv)
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check_eq(rc, 2, "%s: exit status" % tag)
        t.check(len(err.splitlines()) == 1 and out == "", "%s: one stderr line" % tag,
                got=(out[:200], err))
    for argv in (["--check", "--port", "0x10"], ["--check", "-t", "0x10"],
                 ["--check", "-p", "1,,2"], ["--check", "-n", "0x2"]):
        tag = "sockwatch %s" % " ".join(argv)
        rc, out, err = t.sockwatch(*argv, timeout=10)
        t.check(rc == 3 and out.startswith("SOCKWATCH UNKNOWN") and len(out.splitlines()) == 1,
                "%s: exit 3, one UNKNOWN line" % tag, got=(rc, out[:200]))


# ---- 8. no match, and help on a full disk ----------------------------------------------


def free_pid():
    """A pid no process has (checked in /proc, from the top of -p's range down)."""
    pid = 99999
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


def free_uid():
    uids = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                uids.add(os.stat("/proc/" + d).st_uid)
            except OSError:
                pass
    uid = 4242421
    while uid in uids:
        uid += 1
    return uid


def check_no_match(t):
    pid = free_pid()
    for fmt in ("table", "json"):
        tag = "sockwatch -b -o %s -p %d (no such process)" % (fmt, pid)
        rc, out, err = t.sockwatch("-b", "-o", fmt, "-p", pid)
        t.check_eq(rc, 0, "%s: exit status" % tag)
        lines = extra_lines(err)
        t.check(len(lines) == 1 and str(pid) in lines[0], "%s: one stderr line naming it" % tag,
                got=err)
        if fmt == "json":
            snap = one_snapshot(t, tag, out)
            t.check_eq((snap or {}).get("processes"), [], "%s: processes" % tag)
        else:
            t.check(out.startswith("sockwatch "), "%s: the table is printed" % tag,
                    got=out[:200])
    tag = "sockwatch -b -o json -n 3 -d 0.1 -p %d" % pid
    rc, out, err = t.sockwatch("-b", "-o", "json", "-n", "3", "-d", "0.1", "-p", pid)
    t.check(rc == 0 and len(extra_lines(err)) == 1, "%s: said once, not per refresh" % tag,
            got=(rc, err))

    uid = free_uid()
    tag = "sockwatch -b -o json -u %d (no process)" % uid
    rc, out, err = t.sockwatch("-b", "-o", "json", "-u", uid)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    lines = extra_lines(err)
    t.check(len(lines) == 1 and str(uid) in lines[0], "%s: one stderr line" % tag, got=err)
    t.check_eq((one_snapshot(t, tag, out) or {}).get("processes"), [], "%s: processes" % tag)


def check_full_disk(t):
    if not os.path.exists("/dev/full"):
        print("skip - no /dev/full", flush=True)
        return
    for opt in ("--help", "--version"):
        tag = "sockwatch %s > /dev/full" % opt
        with open("/dev/full", "wb") as full:
            rc, _, err = t.run([t.sockwatch_path, opt], timeout=10, stdout=full)
        t.check_eq(rc, 1, "%s: exit status" % tag)
        t.check(len(err.splitlines()) == 1, "%s: one stderr line" % tag, got=err)


def main(t):
    check_config_files(t)
    check_output_fifo(t)
    check_numbers(t)
    check_full_disk(t)
    check_tui_terms(t)
    check_stdout_closed(t)
    check_stderr_closed(t)
    check_reader_leaves(t)
    check_no_match(t)
    w = t.workload("--conns", CONNS)
    check_nofile(t, w)
    check_nofile_raised(t)
    check_lang_c(t, w)
    check_stop_cont(t)


swtest.run(main, __doc__)
