#!/usr/bin/env python3
"""Dead socket fds: sockets the kernel no longer lists, still held open by their process.

- A server accepts 12 connections whose peers then reset them (SO_LINGER 0, close) and
  never closes the accepted fds; it also holds 2 UDP sockets never bound and a netlink
  socket. sockwatch -b -o json -n 40 -d 1 -p SERVER,CONTROL counts dead == 12 (the reset
  TCP sockets, which no dump lists any more), unbound == 2 and other == 15 at every
  refresh, and flags dead_sockets (a warning, dead_old == 12) within 40 refreshes, not
  before the fds have been dead for --dead-age (30 s).
- A control process holding 12 live idle connections (both ends, and the listener) has
  dead == 0 and is never flagged.
"""
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

N = 12
UNBOUND = 2
DEAD_AGE = 30.0  # the default --dead-age
REFRESHES = 40

# The two children: "dead N" (accepts N connections, waits for every reset) and "live N".
CHILD = r"""
import select, socket, sys, time

mode, n = sys.argv[1], int(sys.argv[2])
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(64)
held = []
if mode == "dead":
    print(lsock.getsockname()[1], flush=True)
    held = [lsock.accept()[0] for _ in range(n)]
    # Every peer's reset: POLLERR or POLLHUP on each fd, nothing read, nothing closed.
    p = select.poll()
    for s in held:
        p.register(s, select.POLLIN)
    pending = {s.fileno() for s in held}
    deadline = time.monotonic() + 20
    while pending and time.monotonic() < deadline:
        for fd, ev in p.poll(100):
            if ev & (select.POLLERR | select.POLLHUP):
                pending.discard(fd)
                p.unregister(fd)
    if pending:
        sys.exit("%d connections not reset after 20 s" % len(pending))
    held += [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(int(sys.argv[3]))]
    held.append(socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
else:
    for _ in range(n):
        held.append(socket.create_connection(lsock.getsockname()))
        held.append(lsock.accept()[0])
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def start_child(t, *args):
    return t.popen([sys.executable, "-c", CHILD] + [str(a) for a in args],
                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)


def expect_line(proc, what, timeout=20.0):
    line = swtest.read_line(proc.stdout, timeout).decode().strip()
    if not line:
        raise RuntimeError("%s: no line after %.0f s (exit status %s)"
                           % (what, timeout, proc.poll()))
    return line


def reasons(p):
    return get(p, "leak", "reasons") or []


def main(t):
    server = start_child(t, "dead", N, UNBOUND)
    port = int(expect_line(server, "dead server's port"))
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(N)]
    for c in clients:  # a reset, not a FIN: the accepted ends go straight to CLOSE
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    t.check_eq(expect_line(server, "dead server ready"), "ready", "server saw every reset")
    control = start_child(t, "live", N)
    t.check_eq(expect_line(control, "control ready"), "ready", "control holds its connections")
    t.note("server pid %d, control pid %d" % (server.pid, control.pid))

    # JSON Lines as they come, up to a deadline: stop two refreshes after the flag.
    sw = t.popen([t.sockwatch_path, "-b", "-o", "json", "-n", str(REFRESHES), "-d", "1",
                  "-p", "%d,%d" % (server.pid, control.pid)],
                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + REFRESHES + 10
    snaps, times, flagged_at = [], [], None
    while len(snaps) < REFRESHES and time.monotonic() < deadline:
        line = swtest.read_line(sw.stdout, max(0.1, deadline - time.monotonic()))
        if not line:
            break
        objs = swtest.parse_json_lines(line.decode())
        snaps.append(objs[0] if objs else None)
        times.append(time.monotonic())
        if flagged_at is None and "dead_sockets" in reasons(find_process(snaps[-1], server.pid)):
            flagged_at = len(snaps) - 1
        if flagged_at is not None and len(snaps) >= flagged_at + 3:
            break
    t.stop(sw)
    t.check(len(snaps) >= 3, "sockwatch wrote JSON lines", got=len(snaps))
    if not snaps:
        return

    bad = []
    for i, snap in enumerate(snaps):
        p = find_process(snap, server.pid)
        got = tuple(get(p, k) for k in ("tcp", "dead", "unbound", "other"))
        if got != (1, N, UNBOUND, N + UNBOUND + 1):
            bad.append((i + 1, got))
    t.check(not bad, "server: tcp 1, dead %d, unbound %d, other %d at every refresh"
            % (N, UNBOUND, N + UNBOUND + 1), got=bad[:3])

    if t.check(flagged_at is not None, "server flagged dead_sockets within %d refreshes"
               % REFRESHES, got=[get(find_process(s, server.pid), "leak") for s in snaps[-2:]]):
        t.note("flagged at refresh %d, %.1f s after the first" % (
            flagged_at + 1, times[flagged_at] - times[0]))
        lk = get(find_process(snaps[flagged_at], server.pid), "leak")
        t.check_eq(get(lk, "level"), "warning", "dead_sockets level")
        t.check_eq(get(lk, "dead_old"), N, "dead_old")
        # Refreshes are at least 1 s apart: the flag cannot come before dead-age.
        t.check(flagged_at >= DEAD_AGE - 1 and times[flagged_at] - times[0] >= DEAD_AGE - 1.5,
                "not flagged before the fds were dead for %.0f s" % DEAD_AGE,
                got=(flagged_at + 1, times[flagged_at] - times[0]))
        later = [reasons(find_process(s, server.pid)) for s in snaps[flagged_at:]]
        t.check(all("dead_sockets" in r for r in later), "and flagged at every refresh after",
                got=later)

    bad = [(i + 1, get(p, "dead"), get(p, "leak")) for i, p in
           enumerate(find_process(s, control.pid) for s in snaps)
           if get(p, "dead") != 0 or get(p, "tcp") != 2 * N + 1
           or get(p, "leak", "level") != "ok"]
    t.check(not bad, "control: tcp %d, dead 0, never flagged over %d refreshes"
            % (2 * N + 1, len(snaps)), got=bad[:3])


swtest.run(main, __doc__)
