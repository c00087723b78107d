"""Shared helpers for sockwatch's integration tests (Python 3 standard library only).

A test script does:

    import swtest

    def main(t):
        w = t.workload("--conns", "20")
        rc, out, err = t.sockwatch("-b", "-o", "json", "-n", "1")
        t.check(rc == 0, "sockwatch exits 0", got=rc)
        t.check_eq(len(out.splitlines()), 1, "one line of output")

    swtest.run(main, "what this test checks")

swtest.run() parses --sockwatch PATH and --bindir DIR, calls main(t), turns an
uncaught exception into a failed check, always kills and reaps every child it
started (SIGTERM, then SIGKILL), prints "ok - ..." / "not ok - ..." per check and a
closing "N passed, N failed" line, and exits 1 if any check failed, else 0.
Nothing sleeps a fixed time: every wait polls a condition up to a deadline.

t.skip("why") ends the test as skipped: "skip - why" and exit status SKIP (77, ctest's
SKIP_RETURN_CODE), unless a check has already failed. t.defer(fn, what) registers an
undo step (delete a network namespace, remove a cgroup) that cleanup() runs, newest
first, after every child is reaped: on success, failure, exception and SIGTERM alike.
"""

import argparse
import atexit
import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

# How long a workload may take to write its ready file (10k connections take ~1 s).
READY_TIMEOUT = 60.0
# Default timeout of one sockwatch run.
RUN_TIMEOUT = 30.0

_NOTHING = object()  # "no observed value to show"
_STOPS = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT}  # what swtest.run() turns into an end
# Exit status of a skipped test (tests/CMakeLists.txt sets it as SKIP_RETURN_CODE).
SKIP = 77


class Skip(Exception):
    """Raised by Suite.skip(): the test cannot run here (not root, a tool missing)."""


class Workload:
    """A running tests/integration/workload process."""

    def __init__(self, proc, pid, port, args, stderr_path):
        self.proc = proc
        self.pid = pid
        self.port = port
        self.args = args
        self.stderr_path = stderr_path

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __repr__(self):
        return "workload(pid=%d, port=%d, %s)" % (self.pid, self.port, " ".join(self.args))


class Suite:
    """One test script: arguments, children, checks."""

    def __init__(self, description):
        ap = argparse.ArgumentParser(description=description)
        ap.add_argument("--sockwatch", required=True, help="the sockwatch binary")
        ap.add_argument("--bindir", required=True,
                        help="the build's tests/ directory (holds the workload program)")
        self.args = ap.parse_args()
        self.sockwatch_path = os.path.abspath(self.args.sockwatch)
        self.bindir = os.path.abspath(self.args.bindir)
        self.workload_path = os.path.join(self.bindir, "workload")
        self.tmpdir = tempfile.mkdtemp(prefix="sockwatch-it-")
        self.passed = 0
        self.failed = 0
        self._children = []  # every Popen started, reaped by cleanup()
        self._deferred = []  # (what, fn): undo steps cleanup() runs after the children
        self._nworkloads = 0
        self._cleaned = False
        atexit.register(self.cleanup)

    # ---- checks -------------------------------------------------------------

    def check(self, cond, what, got=_NOTHING):
        """Record one check; `got` (if given) is shown when it fails."""
        if cond:
            self.passed += 1
            print("ok - %s" % what, flush=True)
        else:
            self.failed += 1
            extra = "" if got is _NOTHING else " (got %s)" % _short(got)
            print("not ok - %s%s" % (what, extra), flush=True)
        return bool(cond)

    def check_eq(self, got, want, what):
        """Check got == want, where a JSON true/false never passes for 1/0."""
        ok = got is want or (got == want and type(got) is not bool and type(want) is not bool)
        return self.check(ok, "%s == %s" % (what, _short(want)), got=got)

    def check_ge(self, got, want, what):
        ok = is_number(got) and got >= want
        return self.check(ok, "%s >= %s" % (what, want), got=got)

    def fail(self, what, got=_NOTHING):
        return self.check(False, what, got=got)

    def skip(self, why):
        """End the test as skipped (see the module's docstring)."""
        raise Skip(why)

    def note(self, text):
        """A diagnostic line that is not a check."""
        for line in str(text).splitlines():
            print("# %s" % line, flush=True)

    # ---- children -----------------------------------------------------------

    def workload(self, *args, timeout=READY_TIMEOUT, prefix=()):
        """Start `workload ARGS --ready-file ...` and wait until it is ready.

        prefix: a command that execs the workload, e.g. ("ip", "netns", "exec", NAME):
        the ready file's pid must still be the one started.
        Returns a Workload; raises RuntimeError if it dies or is not ready in time.
        """
        if not os.access(self.workload_path, os.X_OK):
            raise RuntimeError("workload program not found at %s" % self.workload_path)
        self._nworkloads += 1
        ready = os.path.join(self.tmpdir, "ready.%d" % self._nworkloads)
        errpath = os.path.join(self.tmpdir, "workload.%d.stderr" % self._nworkloads)
        argv = ([str(a) for a in prefix] + [self.workload_path] + [str(a) for a in args]
                + ["--ready-file", ready])
        with open(errpath, "wb") as errf:
            proc = _popen(argv, self._children, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=errf)
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            if os.path.exists(ready):
                with open(ready) as f:
                    fields = f.read().split()
                pid, port = int(fields[0]), int(fields[1])
                if pid != proc.pid:
                    raise RuntimeError("ready file names pid %d, started %d" % (pid, proc.pid))
                return Workload(proc, pid, port, [str(a) for a in args], errpath)
            if proc.poll() is not None:
                with open(errpath, errors="replace") as f:
                    raise RuntimeError("%s exited with %d before it was ready: %s"
                                       % (" ".join(argv), proc.returncode, f.read().strip()))
            if time.monotonic() > deadline:
                raise RuntimeError("%s not ready after %.0f s" % (" ".join(argv), timeout))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def helper(self, script, *args, timeout=READY_TIMEOUT):
        """Start tests/integration/SCRIPT ARGS READY (a Python helper that writes the JSON
        file READY when it is set up); wait for it: (Popen, READY, dict). Raises
        RuntimeError if it exits first or is not ready in time."""
        self._nworkloads += 1
        name = os.path.splitext(script)[0]
        ready = os.path.join(self.tmpdir, "%s.%d.json" % (name, self._nworkloads))
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), script)
        proc = self.popen([sys.executable, path] + [str(a) for a in args] + [ready],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        what = " ".join([script] + [str(a) for a in args])
        if not wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, timeout):
            raise RuntimeError("%s not ready after %.0f s" % (what, timeout))
        if not os.path.exists(ready):
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        with open(ready) as f:
            return proc, ready, json.load(f)

    def listeners(self, mode, timeout=READY_TIMEOUT):
        """Start tests/integration/listeners.py MODE; wait for its ready JSON: (Popen, dict)."""
        proc, _, info = self.helper("listeners.py", mode, self.tmpdir, timeout=timeout)
        return proc, info

    def stop(self, child):
        """Stop one child (a Workload or a Popen): SIGTERM, then SIGKILL; reap it."""
        proc = child.proc if isinstance(child, Workload) else child
        _terminate(proc)
        return proc.returncode

    def popen(self, argv, **kw):
        """subprocess.Popen registered for cleanup."""
        return _popen(argv, self._children, **kw)

    def sockwatch(self, *args, timeout=RUN_TIMEOUT, user=None, binary=None, env=None):
        """Run sockwatch ARGS (stdin from /dev/null); return (rc, stdout, stderr).

        rc is None if it did not finish within `timeout` (it is then killed).
        `user` = uid: run it with that uid and gid, no supplementary groups.
        """
        argv = [binary or self.sockwatch_path] + [str(a) for a in args]
        kw = {}
        if user is not None:
            kw["preexec_fn"] = _drop_to(user)
            kw["cwd"] = "/"
        rc, out, err = self.run(argv, timeout=timeout, env=env, **kw)
        if rc is None:
            self.note("sockwatch %s: no exit after %.0f s, killed" % (" ".join(argv[1:]), timeout))
        return rc, out, err

    def run(self, argv, timeout=RUN_TIMEOUT, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            **kw):
        """Run argv to its end: (rc, stdout, stderr) as text; rc None when killed at timeout.

        stdout may be a file (then "" comes back for it); kw go to subprocess.Popen.
        """
        proc = self.popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, **kw)
        try:
            out, err = proc.communicate(timeout=timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            rc = None
        return (rc, (out or b"").decode("utf-8", "replace"),
                (err or b"").decode("utf-8", "replace"))

    def sockwatch_json(self, *args, **kw):
        """Run sockwatch -b -o json -n 1 ARGS; return (rc, objects or None, stdout, stderr)."""
        rc, out, err = self.sockwatch("-b", "-o", "json", "-n", "1", *args, **kw)
        return rc, parse_json_lines(out), out, err

    def private_copy_of_sockwatch(self):
        """A copy of the binary in a world-readable directory (for other users)."""
        d = os.path.join(self.tmpdir, "bin")
        os.makedirs(d, exist_ok=True)
        os.chmod(self.tmpdir, 0o755)
        os.chmod(d, 0o755)
        dst = os.path.join(d, "sockwatch")
        shutil.copy2(self.sockwatch_path, dst)
        os.chmod(dst, 0o755)
        return dst

    def defer(self, fn, what):
        """Run fn() at cleanup, after the children are reaped (newest first)."""
        self._deferred.append((what, fn))

    def cleanup(self):
        """Kill and reap every child, run the deferred undo steps, remove the temporary
        directory. Idempotent."""
        if self._cleaned:
            return
        self._cleaned = True
        with _signals_held():  # a second SIGTERM or Ctrl-C must not cut the undo short
            self._cleanup()

    def _cleanup(self):
        for proc in self._children:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + 5.0
        for proc in self._children:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        while self._deferred:
            what, fn = self._deferred.pop()
            try:
                fn()
            except Exception as e:  # one failed undo step must not stop the others
                self.fail("cleanup: %s: %s: %s" % (what, type(e).__name__, e))
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # ---- network namespaces and cgroups (root) --------------------------------

    def netns(self, name):
        """`ip netns add NAME`, loopback up; deleted at cleanup. Returns its inode."""
        # The undo step first: a signal during `ip netns add` must not leave it behind.
        # (It deletes only a namespace of that name, which this run's pid makes unique.)
        self.defer(lambda: netns_delete(name), "ip netns delete %s" % name)
        rc, _, err = self.run(["ip", "netns", "add", name])
        if rc != 0:
            raise RuntimeError("ip netns add %s: status %s: %s" % (name, rc, err.strip()))
        rc, _, err = self.run(["ip", "-n", name, "link", "set", "lo", "up"])
        if rc != 0:
            raise RuntimeError("ip -n %s link set lo up: status %s: %s" % (name, rc, err.strip()))
        return netns_inode(name)

    def cgroup(self, rel):
        """mkdir <cgroup2>/REL unless it exists; True if this made it (then removed at
        cleanup: its processes moved back to where move_to_cgroup() found them)."""
        path = os.path.join(cgroup2_root(), rel.strip("/"))
        with _signals_held():
            try:
                os.mkdir(path)
            except FileExistsError:
                return False
            self.defer(lambda: self.cgroup_remove(rel), "remove cgroup %s" % path)
        return True

    def move_to_cgroup(self, pid, rel):
        """Write pid to <cgroup2>/REL/cgroup.procs (its first cgroup is remembered)."""
        if not hasattr(self, "_cg_origin"):
            self._cg_origin = {}
        self._cg_origin.setdefault(pid, proc_cgroup2(pid))
        _write(os.path.join(cgroup2_root(), rel.strip("/"), "cgroup.procs"), pid)

    def cgroup_restore(self, pid):
        """Move pid back to the cgroup move_to_cgroup() found it in."""
        origin = getattr(self, "_cg_origin", {}).get(pid) or "/"
        _write(os.path.join(cgroup2_root(), origin.lstrip("/"), "cgroup.procs"), pid)

    def cgroup_remove(self, rel):
        """Move what is left in <cgroup2>/REL back (see cgroup_restore), then rmdir it."""
        path = os.path.join(cgroup2_root(), rel.strip("/"))
        for pid in cgroup_pids(path):
            try:
                self.cgroup_restore(pid)
            except OSError:
                pass  # it exited meanwhile
        subdirs = [d for d in _listdir(path) if os.path.isdir(os.path.join(path, d))]
        if subdirs:  # made by someone else meanwhile (another test run): theirs to remove
            self.note("cleanup: %s left in place: it holds %s" % (path, ", ".join(subdirs)))
            return
        # rmdir fails with EBUSY until a process that just left (or exited) is gone.
        if not wait_for(lambda: _rmdir(path), 10.0):
            raise RuntimeError("cannot remove %s: still holds %s" % (path, cgroup_pids(path)))

    # ---- end ----------------------------------------------------------------

    def finish(self, skipped=None):
        self.cleanup()
        if skipped is not None and not self.failed:
            print("skip - %s" % skipped, flush=True)
            print("%d passed, %d failed, skipped" % (self.passed, self.failed), flush=True)
            sys.exit(SKIP)
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


def run(main, description=""):
    """Run main(suite) with cleanup and the closing line whatever happens."""
    t = Suite(description)

    def on_signal(signum, frame):
        raise SystemExit("killed by signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    skipped = None
    try:
        main(t)
    except Skip as e:
        skipped = str(e)
    except SystemExit as e:
        t.fail("test interrupted: %s" % e)
    except BaseException as e:  # an exception is a failed test, never a crash without a verdict
        t.fail("uncaught %s: %s" % (type(e).__name__, e))
        t.note(traceback.format_exc())
    finally:
        t.cleanup()
    t.finish(skipped)


# ---- helpers ------------------------------------------------------------------


def write_ready(path, obj):
    """For the helper scripts: obj as JSON in path, whole or not at all (temp + rename),
    as the test waits for the file to exist."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, path)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_json_lines(text):
    """Each line parsed as JSON; None if any line does not parse."""
    objs = []
    for line in text.splitlines():
        try:
            objs.append(json.loads(line))
        except ValueError:
            return None
    return objs


def find_process(snap, pid):
    """The process object with this pid in one JSON snapshot, or None."""
    for p in (snap or {}).get("processes") or []:
        if isinstance(p, dict) and p.get("pid") == pid:
            return p
    return None


def get(obj, *path):
    """obj[path[0]][path[1]]..., or None if any step is missing."""
    for k in path:
        if isinstance(obj, dict) and k in obj:
            obj = obj[k]
        elif isinstance(obj, list) and isinstance(k, int) and -len(obj) <= k < len(obj):
            obj = obj[k]
        else:
            return None
    return obj


def nobody_uid():
    """The uid of the user nobody (65534 where it has no passwd entry)."""
    try:
        return pwd.getpwnam("nobody").pw_uid
    except KeyError:
        return 65534


def wait_for(cond, timeout, interval=0.05):
    """Poll cond() until it is true or `timeout` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def read_line(fileobj, timeout):
    """One line from a pipe within `timeout` seconds (b"" on EOF or timeout)."""
    fd = fileobj.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0] + (b"\n" if b"\n" in buf else b"")


class _signals_held:
    """Hold SIGTERM, SIGHUP and SIGINT back for a step that must not be cut in two (a
    child started but not registered, a namespace made but no undo step for it)."""

    def __enter__(self):
        self.old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        return self.old

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.old)
        return False


def _popen(argv, children, **kw):
    """subprocess.Popen, registered in `children` before any stop signal is taken; the
    child gets the signal mask from before (its own preexec_fn, if any, runs after)."""
    with _signals_held() as old:
        then = kw.pop("preexec_fn", None)

        def preexec():
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
            if then is not None:
                then()
        proc = subprocess.Popen(argv, preexec_fn=preexec, **kw)
        children.append(proc)
    return proc


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def netns_inode(name):
    """The inode of network namespace NAME (ip netns's bind mount under /run/netns)."""
    return os.stat(os.path.join("/run/netns", name)).st_ino


def netns_names():
    """The `ip netns` names (empty when there are none or ip fails)."""
    r = subprocess.run(["ip", "netns", "list"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def netns_delete(name):
    """ip netns delete NAME; an error unless it is gone afterwards."""
    if name not in netns_names():
        return
    r = subprocess.run(["ip", "netns", "delete", name], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    if name in netns_names():
        raise RuntimeError("ip netns delete %s: status %d: %s"
                           % (name, r.returncode, r.stderr.strip()))


def cgroup2_root():
    """The mount point of the cgroup2 hierarchy (fstype cgroup2 in /proc/self/mountinfo),
    or None: in a hybrid layout it is not /sys/fs/cgroup."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] == ["cgroup2"]:
                point = left.split()[4]
                # mountinfo escapes space, tab, newline and backslash as octal
                return point.encode().decode("unicode_escape")
    return None


def proc_cgroup2(pid):
    """A process's cgroup2 path ("0::" line of /proc/PID/cgroup), e.g. "/system.slice/x"."""
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].rstrip("\n")
    return None


def cgroup_pids(path):
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def _write(path, value):
    with open(path, "w") as f:
        f.write("%s\n" % value)


def _listdir(path):
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _rmdir(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def _terminate(proc, grace=5.0):
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        except OSError:
            pass
    proc.wait()


def _drop_to(uid):
    def preexec():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return preexec


def _short(v, limit=300):
    s = json.dumps(v) if isinstance(v, (type(None), bool)) else repr(v)
    return s if len(s) <= limit else s[:limit] + "..."


def start_leaker(t, *args, timeout=30.0):
    """Start tests/integration/leaker ARGS and wait for its ready file; return (Popen, pid)."""
    path = os.path.join(t.bindir, "leaker")
    if not os.access(path, os.X_OK):
        raise RuntimeError("leaker program not found at %s" % path)
    ready = os.path.join(t.tmpdir, "leaker.%d.ready" % len(t._children))
    proc = t.popen([path] + [str(a) for a in args] + ["--ready-file", ready],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if not wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, timeout):
        raise RuntimeError("leaker %s not ready after %.0f s" % (" ".join(map(str, args)), timeout))
    if proc.poll() is not None:
        raise RuntimeError("leaker %s exited with %d" % (" ".join(map(str, args)), proc.returncode))
    with open(ready) as f:
        return proc, int(f.read().split()[0])


# ---- Prometheus ---------------------------------------------------------------

def start_exporter(t, *args, listen="127.0.0.1:0", timeout=30.0):
    """Start `sockwatch --listen LISTEN ARGS`; wait for its "serving metrics at" line.

    Returns (Popen, "HOST:PORT" as bound, path of its stderr); raises RuntimeError
    when it exits first or says nothing in time. Its stdout goes to the same path with
    .stdout for .stderr.
    """
    n = len(t._children)
    errpath = os.path.join(t.tmpdir, "exporter.%d.stderr" % n)
    with open(errpath, "wb") as errf, open(errpath[:-len("stderr")] + "stdout", "wb") as outf:
        proc = t.popen([t.sockwatch_path, "--listen", listen] + [str(a) for a in args],
                       stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)

    def bound():
        with open(errpath, errors="replace") as f:
            for line in f:
                if "serving metrics at http://" in line:
                    return line.split("http://", 1)[1].split("/metrics", 1)[0]
        return None
    addr = wait_for(lambda: bound() or proc.poll() is not None, timeout)
    if not isinstance(addr, str):
        with open(errpath, errors="replace") as f:
            raise RuntimeError("sockwatch --listen %s: not serving (exit %s): %s"
                               % (listen, proc.poll(), f.read().strip()))
    return proc, addr, errpath


def free_port():
    """A TCP port free on 127.0.0.1 now, for a server that must be told its port (one
    that cannot say which it bound); another program may take it before it is used."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_request(addr, method="GET", path="/metrics", timeout=10.0, headers=None):
    """One request to addr ("HOST:PORT"): (status, headers dict lower-cased, body bytes)."""
    import http.client
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def _prom_value(s, i):
    """The label value starting after the opening quote at s[i]: (text, index after the
    closing quote). Raises ValueError on an escape the format does not define."""
    out = []
    while True:
        c = s[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            nxt = s[i + 1]
            if nxt not in '\\"n':
                raise ValueError("undefined escape \\%s" % nxt)
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        if c == "\n":
            raise ValueError("a raw newline in a label value")
        out.append(c)
        i += 1


def parse_prometheus(text):
    """Parse the text exposition format strictly enough for tests: a list of
    (name, {label: value}, float), and the dict of TYPE lines. Raises ValueError."""
    samples, types = [], {}
    for line in text.split("\n"):
        if not line or line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        i = 0
        while i < len(line) and line[i] not in "{ ":
            i += 1
        name, labels = line[:i], {}
        if i < len(line) and line[i] == "{":
            i += 1
            while line[i] != "}":
                eq = line.index("=", i)
                key = line[i:eq]
                if line[eq + 1] != '"':
                    raise ValueError("label %s: no opening quote: %r" % (key, line))
                labels[key], i = _prom_value(line, eq + 2)
                if line[i] == ",":
                    i += 1
            i += 1
        value = line[i:].strip().split(" ")[0]
        samples.append((name, labels, float(value)))
    return samples, types


def prom_samples(samples, name, **labels):
    """The values of the samples of `name` whose labels include `labels`."""
    return [v for n, l, v in samples
            if n == name and all(l.get(k) == str(x) for k, x in labels.items())]
