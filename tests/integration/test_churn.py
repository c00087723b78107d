#!/usr/bin/env python3
"""Heavy connection churn: sockwatch keeps up, never crashes, never double counts.

A supervisor keeps NCHURN processes busy on loopback: each one opens its own listener
and connects, accepts and closes as fast as it can (most closes abortive, so the host
is not flooded with TIME_WAIT; every 64th a normal close; at most RATE a second, so
that sockwatch gets CPU time), keeps a rolling window of
open connections (so fd tables change during every scan), makes a socketpair now and
then, and exits after a random 0.3-1.0 s without closing what it holds; the supervisor
respawns it at once, so pids come and go. Everything is bounded: the supervisor stops
on SIGTERM or after MAX_SECONDS and waits for its children, who each end on their own
within a second.

Meanwhile `sockwatch -b -o json -n 30 -d 0.2` must print 30 JSON objects (iterations
1..30, no pid twice in one snapshot) and exit 0 with nothing on stderr but the known
hint lines, each at most once; and every `--view sockets` snapshot taken during the
churn lists no socket (proto, cookie) twice.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

NCHURN = 4
MAX_SECONDS = 25.0  # the supervisor's own safety net
RATE = 1500  # connections per second and churner, at the most
MIN_RATE = 1000  # connections per second over all churners, at the least
SNAPSHOT_GAP = 0.7  # seconds between two --view sockets snapshots
HINTS = [
    r"sockwatch: \d+ process(es)? cannot be inspected even as root .*",
    r"sockwatch: \d+ process(es)? of other users shows? as unknown.*",
    r"sockwatch: \S+ sockets are not shown: .*",
]

SUPERVISOR = r"""
import collections, json, os, random, signal, socket, struct, sys, time

nchurn, max_seconds, rate, ready = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
LINGER0 = struct.pack('ii', 1, 0)


def churn(lifetime, w):
    start = time.monotonic()
    end = start + lifetime
    l = socket.socket()
    l.bind(('127.0.0.1', 0))
    l.listen(512)
    addr = l.getsockname()
    held = collections.deque()
    n = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        ahead = n / rate - (now - start)  # at most `rate` a second: leave CPU to sockwatch
        if ahead > 0.002:
            time.sleep(ahead)
        c = socket.socket()
        c.connect(addr)
        s, _ = l.accept()
        n += 1
        held.append(c)
        held.append(s)
        while len(held) > 64:
            x = held.popleft()
            if n % 64:
                x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            x.close()
        if n % 32 == 0:
            a, b = socket.socketpair()
            a.close()
            b.close()
    os.write(w, b'%d\n' % n)


stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
r, w = os.pipe()
rnd = random.Random(6)
kids = set()
spawns = 0
t0 = time.monotonic()


def spawn():
    global spawns
    lifetime = rnd.uniform(0.3, 1.0)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.close(r)
            churn(lifetime, w)
        except BaseException as e:
            sys.stderr.write('churner: %r\n' % (e,))
            code = 1
        os._exit(code)
    kids.add(pid)
    spawns += 1


for _ in range(nchurn):
    spawn()
with open(ready + '.tmp', 'w') as f:
    f.write('%d 0\n' % os.getpid())
os.rename(ready + '.tmp', ready)
failed = 0
while kids:
    pid, status = os.waitpid(-1, 0)
    if pid not in kids:
        continue
    kids.discard(pid)
    if status != 0:
        failed += 1
    if not stop and time.monotonic() - t0 < max_seconds:
        spawn()
elapsed = time.monotonic() - t0
os.close(w)
counts = os.read(r, 1 << 20).split()
print(json.dumps({'spawns': spawns, 'connections': sum(int(c) for c in counts),
                  'seconds': elapsed, 'failed': failed}), flush=True)
"""


def start_churn(t):
    ready = os.path.join(t.tmpdir, "churn.ready")
    proc = t.popen([sys.executable, "-c", SUPERVISOR, str(NCHURN), str(MAX_SECONDS),
                    str(RATE), ready],
                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ok = swtest.wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, 20.0)
    if not ok or proc.poll() is not None:
        raise RuntimeError("churn supervisor did not start: %s"
                           % proc.communicate()[1].decode("utf-8", "replace"))
    return proc


def stop_churn(t, proc):
    """SIGTERM the supervisor; its children end within a second; return its stats."""
    if proc.poll() is None:
        proc.terminate()
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    if err.strip():
        t.note("churn supervisor stderr: %s" % err.decode("utf-8", "replace").strip()[:500])
    try:
        return json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def check_stderr(t, tag, err):
    lines = err.splitlines()
    bad = [l for l in lines if not any(re.fullmatch(h, l) for h in HINTS)]
    t.check(not bad, "%s: nothing on stderr but the known hint lines" % tag, got=err[:2000])
    t.check(len(set(lines)) == len(lines), "%s: each hint at most once" % tag, got=lines)


def check_sockets_snapshot(t, rc, out, err, dupes):
    """One `--view sockets` run: valid, and no (proto, cookie) twice. Returns #sockets."""
    snaps = swtest.parse_json_lines(out)
    if not t.check(rc == 0 and snaps is not None and len(snaps) == 1,
                   "sockets snapshot during churn: exit 0 and one JSON object",
                   got=(rc, out[:200], err[:500])):
        return 0
    socks = snaps[0].get("sockets") or []
    seen = set()
    for s in socks:
        key = (s.get("proto"), s.get("cookie"))
        if key in seen:
            dupes.append(s)
        seen.add(key)
    return len(socks)


def main(t):
    churn = start_churn(t)
    t0 = time.monotonic()
    # Its output goes to files: a pipe nobody reads while it runs would stall it.
    out_path, err_path = (os.path.join(t.tmpdir, "main." + x) for x in ("out", "err"))
    with open(out_path, "wb") as outf, open(err_path, "wb") as errf:
        main_run = t.popen([t.sockwatch_path, "-b", "-o", "json", "-n", "30", "-d", "0.2"],
                           stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)
    # While it runs: one-shot socket snapshots, each checked for duplicates.
    dupes, nsnaps, nsocks = [], 0, []
    while main_run.poll() is None and time.monotonic() - t0 < 60:
        swtest.wait_for(lambda: main_run.poll() is not None, SNAPSHOT_GAP)
        if main_run.poll() is not None and nsnaps > 0:
            break
        rc, out, err = t.sockwatch("-b", "-o", "json", "-n", "1", "--view", "sockets",
                                   timeout=30)
        nsocks.append(check_sockets_snapshot(t, rc, out, err, dupes))
        check_stderr(t, "sockets snapshot %d" % (nsnaps + 1), err)
        nsnaps += 1
    try:
        rc = main_run.wait(timeout=max(1.0, 60 - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        main_run.kill()
        main_run.wait()
        rc = None
    with open(out_path, "rb") as f:
        out = f.read()
    with open(err_path, "rb") as f:
        err = f.read()
    took = time.monotonic() - t0
    stats = stop_churn(t, churn)
    t.note("sockwatch -n 30 -d 0.2 took %.1f s; %d socket snapshots (%s sockets); churn: %s"
           % (took, nsnaps, ",".join(str(n) for n in nsocks), stats))

    tag = "sockwatch -b -o json -n 30 -d 0.2 under churn"
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    t.check_eq(rc, 0, "%s: exit status" % tag)
    lines = out.splitlines()
    t.check_eq(len(lines), 30, "%s: lines of stdout" % tag)
    snaps = swtest.parse_json_lines(out)
    if t.check(snaps is not None and all(isinstance(s, dict) for s in snaps),
               "%s: every line is a JSON object" % tag, got=out[:300]):
        t.check_eq([s.get("iteration") for s in snaps], list(range(1, 31)),
                   "%s: iterations" % tag)
        twice = []
        for s in snaps:
            pids = [p.get("pid") for p in s.get("processes") or [] if isinstance(p, dict)]
            twice += sorted(p for p in set(pids) if pids.count(p) > 1)
        t.check(not twice, "%s: no pid twice in one snapshot" % tag, got=twice[:10])
        bad = [p for s in snaps for p in s.get("processes") or []
               if not isinstance(p, dict) or not (p.get("sockets") is None
                                                  or (swtest.is_number(p.get("sockets"))
                                                      and p.get("sockets") >= 0))]
        t.check(not bad, "%s: every process's sockets is a count >= 0 or null" % tag,
                got=bad[:3])
    check_stderr(t, tag, err)

    t.check(nsnaps >= 2, "at least 2 sockets snapshots were taken during the churn", got=nsnaps)
    t.check(not dupes, "no socket (proto, cookie) twice in one sockets snapshot", got=dupes[:3])
    if t.check(stats is not None, "the churn supervisor reported its counts"):
        t.check_eq(stats.get("failed"), 0, "churn: no churner failed")
        rate = stats.get("connections", 0) / max(stats.get("seconds", 1), 0.001)
        t.check(rate >= MIN_RATE and stats.get("spawns", 0) > NCHURN,
                "churn: >= %d connections/s over all churners, processes respawned" % MIN_RATE,
                got="%.0f/s, %s spawns" % (rate, stats.get("spawns")))


swtest.run(main, __doc__)
