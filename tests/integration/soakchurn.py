"""A steady churning workload for the soak (bench/soak, test_soak.py), run as a child process.

    python3 soakchurn.py READY MAX_SECONDS [--rate R] [--hold H] [--child-every S]
                         [--children-max N] [--child-life A:B] [--child-conns K]
                         [--graceful-every G]

The supervisor holds a loopback listener and, ten times a second, opens R/10
connections to it (both ends kept) and closes the oldest beyond H held ones, so
that every second about R connections are opened and R closed (each lives about
H/R seconds; the closes are abortive, SO_LINGER 0, but every G-th (default 16) is
a normal one, so TIME_WAIT sockets pile up to about R/G x 60 over the first minute
and stay there; G = 0: all abortive, the socket count is steady at once). Every S seconds, while fewer than N
are alive, it forks a child that names itself soak-kid-0..7 (comm), opens a
listener of its own, K connections to it, a UDP socket and a UNIX socketpair, opens
and closes one more connection every second, and exits after a random A..B seconds
without closing anything (the kernel does; its sockets are aborted first). So pids,
listeners and ports come and go all the time, at a steady rate, with bounded counts.

When everything is set up it writes "PID PORT\\n" to READY atomically. It stops on
SIGTERM, SIGINT, after MAX_SECONDS (the safety timer), or when its parent is gone:
it stops forking, SIGKILLs and reaps its children, aborts its sockets and prints
one JSON line of counts on stdout (opened, closed, spawns, reaped, failed children,
seconds, the highest number of children alive, why it stopped), then exits 0.
A child also ends on its own: SIGALRM kills it 5 s after its lifetime, and it
exits when the supervisor is gone. Traffic stays on 127.0.0.1.
"""

import argparse
import collections
import ctypes
import json
import os
import random
import signal
import socket
import struct
import sys
import time

LINGER0 = struct.pack("ii", 1, 0)
TICK = 0.1  # seconds between two rounds of opening and closing
PR_SET_NAME = 15


def abort(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    except OSError:
        pass
    s.close()


def set_comm(name):
    """prctl(PR_SET_NAME): the name sockwatch shows for the process (best effort)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def pair(listener):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(listener.getsockname())
    s, _ = listener.accept()
    return c, s


def child(idx, life, conns, parent):
    """A short-lived process with a listener, K connections, UDP, a socketpair."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(life) + 5)  # the child's own safety timer: SIGALRM kills it
    set_comm("soak-kid-%d" % (idx % 8))
    socks = []
    lis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lis.bind(("127.0.0.1", 0))
    lis.listen(64)
    socks.append(lis)
    for _ in range(conns):
        socks.extend(pair(lis))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    socks.append(u)
    socks.extend(socket.socketpair())
    end = time.monotonic() + life
    while time.monotonic() < end and os.getppid() == parent:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        a, b = pair(lis)
        abort(a)
        abort(b)
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        except OSError:
            pass
    os._exit(0)  # the rest is closed by the kernel as the process exits


def main():
    ap = argparse.ArgumentParser(description="churning loopback workload for the soak")
    ap.add_argument("ready")
    ap.add_argument("max_seconds", type=float)
    ap.add_argument("--rate", type=int, default=100, help="connections opened (and closed) per second")
    ap.add_argument("--hold", type=int, default=200, help="connections held at once")
    ap.add_argument("--child-every", type=float, default=2.0, help="seconds between two forks")
    ap.add_argument("--children-max", type=int, default=4, help="children alive at once")
    ap.add_argument("--child-life", default="3:6", help="a child's lifetime, A:B seconds")
    ap.add_argument("--child-conns", type=int, default=10, help="connections per child")
    ap.add_argument("--graceful-every", type=int, default=16,
                    help="every G-th close is a normal one (TIME_WAIT), 0: none")
    args = ap.parse_args()
    lo, hi = (float(x) for x in args.child_life.split(":"))

    stop = []

    def on_signal(signum, frame):
        stop.append("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    rnd = random.Random(20)
    parent = os.getppid()
    me = os.getpid()
    lis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lis.bind(("127.0.0.1", 0))
    lis.listen(1024)
    held = collections.deque()
    kids = {}  # pid -> deadline
    st = {"opened": 0, "closed": 0, "spawns": 0, "reaped": 0, "failed": 0, "killed": 0,
          "max_children": 0}
    t0 = time.monotonic()
    per_tick = max(1, round(args.rate * TICK))

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (me, lis.getsockname()[1]))
    os.rename(tmp, args.ready)

    next_tick = t0
    next_fork = t0
    why = None
    while why is None:
        now = time.monotonic()
        if stop:
            why = stop[0]
            break
        if now - t0 >= args.max_seconds:
            why = "safety timer"
            break
        if os.getppid() != parent:
            why = "parent gone"
            break
        # Reap the children that exited.
        while kids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if kids.pop(pid, None) is not None:
                st["reaped"] += 1
                if status != 0:
                    st["failed"] += 1
        # A child that outlived its lifetime by far is killed (its alarm should have).
        for pid, dl in list(kids.items()):
            if now > dl:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                st["killed"] += 1
                kids[pid] = float("inf")
        if now >= next_fork:
            next_fork += args.child_every
            if len(kids) < args.children_max:
                life = rnd.uniform(lo, hi)
                idx = st["spawns"]
                pid = os.fork()
                if pid == 0:
                    try:
                        lis.close()
                        for s in held:
                            s.close()
                        child(idx, life, args.child_conns, me)
                    except BaseException as e:  # noqa: BLE001 (a child never returns)
                        sys.stderr.write("soakchurn child: %r\n" % (e,))
                    os._exit(1)
                kids[pid] = now + life + 10
                st["spawns"] += 1
                st["max_children"] = max(st["max_children"], len(kids))
        # This tick's connections: open per_tick, close the oldest beyond hold.
        for _ in range(per_tick):
            held.extend(pair(lis))
            st["opened"] += 1
        while len(held) > 2 * args.hold:
            for _ in range(2):
                x = held.popleft()
                g = args.graceful_every
                if g > 0 and st["closed"] % g == g - 1:
                    x.close()
                else:
                    abort(x)
            st["closed"] += 1
        next_tick += TICK
        delay = next_tick - time.monotonic()
        if delay < -1.0:  # far behind (a stopped process): do not catch up in a burst
            next_tick = time.monotonic()
        elif delay > 0:
            time.sleep(delay)

    for pid in kids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in list(kids):
        os.waitpid(pid, 0)
        st["reaped"] += 1
    while held:
        abort(held.popleft())
    lis.close()
    st["seconds"] = round(time.monotonic() - t0, 1)
    st["stopped_by"] = why
    print(json.dumps(st), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
