"""A listener workload for the relations tests, run as a child process.

    python3 listeners.py mix DIR READY        wildcard and specific listeners on one port
                                              (IPv4, IPv6, v4-mapped) and UNIX listeners
    python3 listeners.py reuseport DIR READY  two processes sharing 127.0.0.3:PORT through
                                              SO_REUSEPORT, 3 connections accepted by each
    python3 listeners.py filter DIR READY     sockets of every kind a filter tells apart:
                                              listeners (v4, v6, dual-stack, one on a named
                                              port), connections, CLOSE-WAIT, TIME-WAIT,
                                              UDP bound and connected, UNIX path, abstract
                                              and unnamed
    python3 listeners.py named DIR READY      a TCP listener on 127.0.0.1 on a port that
                                              /etc/services names (the first one free),
                                              with one connection; "port" null when none
                                              is free

Every connection is made and accepted before READY is written (atomically) as JSON:
the pids, and for each accepted socket the listener the kernel handed it to (the
truth the model's rule is checked against). Then it sleeps until SIGTERM and exits 0.
Traffic stays on loopback; a safety timer ends it after 120 s.
"""

import os
import select
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from swtest import write_ready  # noqa: E402

SAFETY = 120.0


def endpoint(family, addr):
    """'127.0.0.1:80' or '[::1]:80' as sockwatch spells an address and port."""
    host, port = addr[0], addr[1]
    return ("[%s]:%d" if family == socket.AF_INET6 else "%s:%d") % (host, port)


def listen(family, host, port, reuseport=True, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
    s.bind((host, port))
    s.listen(16)
    return s


def free_port():
    """A port free on every loopback address of both families (a dual-stack bind tells)."""
    probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    probe.bind(("::", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def hold_until_term(children=()):
    """Sleep until SIGTERM (exit 0) or the safety timer (exit 3); end and reap children first."""
    def leave(code):
        for pid in children:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        sys.exit(code)
    signal.signal(signal.SIGTERM, lambda *a: leave(0))
    signal.signal(signal.SIGALRM, lambda *a: leave(3))
    signal.alarm(int(SAFETY))
    while True:
        signal.pause()


def connect(family, host, port):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect((host, port))
    return c


def mix(tmpdir, ready):
    keep = []
    accepted = []
    p4, p6, pm = free_port(), free_port(), free_port()
    # IPv4: a wildcard and a specific listener on one port (both SO_REUSEPORT).
    w4 = listen(socket.AF_INET, "0.0.0.0", p4)
    s4 = listen(socket.AF_INET, "127.0.0.2", p4)
    # IPv6: a dual-stack wildcard (v4 connections arrive v4-mapped) and ::1.
    w6 = listen(socket.AF_INET6, "::", p6, v6only=False)
    s6 = listen(socket.AF_INET6, "::1", p6)
    # A v4-mapped specific listener beside an IPv4 wildcard on its port.
    sm = listen(socket.AF_INET6, "::ffff:127.0.0.4", pm, v6only=False)
    wm = listen(socket.AF_INET, "0.0.0.0", pm)
    tcp = [w4, s4, w6, s6, sm, wm]
    keep += tcp
    plan = [(socket.AF_INET, "127.0.0.2", p4, 2), (socket.AF_INET, "127.0.0.1", p4, 3),
            (socket.AF_INET6, "::1", p6, 2), (socket.AF_INET, "127.0.0.1", p6, 2),
            (socket.AF_INET, "127.0.0.4", pm, 1), (socket.AF_INET, "127.0.0.5", pm, 2)]
    for family, host, port, n in plan:
        for _ in range(n):
            keep.append(connect(family, host, port))
    # Accept everything, remembering which listener the kernel chose.
    for lsock in tcp:
        lsock.setblocking(False)
    deadline = time.monotonic() + 10
    want = sum(p[3] for p in plan)
    while len(accepted) < want and time.monotonic() < deadline:
        for lsock in tcp:
            try:
                a, peer = lsock.accept()
            except BlockingIOError:
                continue
            keep.append(a)
            accepted.append({"listener": endpoint(lsock.family, lsock.getsockname()),
                             "local": endpoint(a.family, a.getsockname()),
                             "remote": endpoint(a.family, peer)})
        time.sleep(0.01)
    # UNIX: a path listener with 2 connections, an abstract one with 1.
    path = os.path.join(tmpdir, "u")
    abstract = "\0sockwatch-rel-%d" % os.getpid()
    unix = []
    for name, n in ((path, 2), (abstract, 1)):
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(name)
        u.listen(8)
        keep.append(u)
        unix.append(u)
        for _ in range(n):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(name)
            keep.append(c)
            keep.append(u.accept()[0])
    write_ready(ready, {"pid": os.getpid(), "ports": [p4, p6, pm], "accepted": accepted,
                        "unix_path": path, "expected_tcp": want})
    hold_until_term()


def reuseport(tmpdir, ready):
    port = free_port()
    servers = []
    for _ in range(2):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            lsock = listen(socket.AF_INET, "127.0.0.3", port)
            os.write(w, b"L\n")
            held = []
            signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
            signal.alarm(int(SAFETY))
            while True:
                a, peer = lsock.accept()
                held.append(a)
                os.write(w, ("%d\n" % peer[1]).encode())
        os.close(w)
        servers.append({"pid": pid, "fd": r, "buf": b"", "ports": []})
        while b"L\n" not in servers[-1]["buf"]:
            servers[-1]["buf"] += os.read(r, 64)
        servers[-1]["buf"] = servers[-1]["buf"].replace(b"L\n", b"", 1)

    def read_accepts(srv):
        while b"\n" not in srv["buf"]:
            srv["buf"] += os.read(srv["fd"], 64)
        line, srv["buf"] = srv["buf"].split(b"\n", 1)
        srv["ports"].append(int(line))

    # The kernel spreads connections by hash: keep those that even the split (3 each),
    # reset the others (SO_LINGER 0: no TIME_WAIT), at most 200 tries.
    keep = []
    for _ in range(200):
        if all(len(s["ports"]) >= 3 for s in servers):
            break
        c = connect(socket.AF_INET, "127.0.0.3", port)
        cport = c.getsockname()[1]
        got = None
        deadline = time.monotonic() + 5
        while got is None and time.monotonic() < deadline:
            for s in servers:
                if cport in s["ports"]:
                    got = s
            if got is None:
                rl, _, _ = select.select([s["fd"] for s in servers], [], [], 0.5)
                for s in servers:
                    if s["fd"] in rl:
                        read_accepts(s)
        if got is not None and len(got["ports"]) <= 3:
            keep.append(c)
        else:
            if got is not None:
                got["ports"].remove(cport)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            c.close()
    write_ready(ready, {"pid": os.getpid(), "port": port,
                        "servers": [{"pid": s["pid"], "accepted": s["ports"]} for s in servers]})
    hold_until_term([s["pid"] for s in servers])


def named_port():
    """A port /etc/services names that is free on 127.0.0.1: (socket, port, name) or None."""
    for port in (5432, 6379, 11211, 3306, 5672, 9418, 873):
        try:
            name = socket.getservbyport(port, "tcp")
            lsock = listen(socket.AF_INET, "127.0.0.1", port, reuseport=False)
        except OSError:
            continue
        return lsock, port, name
    return None


def services_tcp(path="/etc/services"):
    """{port: name} of the TCP ports services(5) names, the first name of each, as
    sockwatch reads them; only plain names (what a screen can be matched against)."""
    names = {}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return names
    for line in data.split(b"\n"):
        words = line.split(b"#", 1)[0].split()
        if len(words) < 2 or b"/" not in words[1]:
            continue
        port, proto = words[1].split(b"/", 1)
        if proto != b"tcp" or not port.isdigit() or not 0 < int(port) < 65536:
            continue
        name = words[0].decode("ascii", "replace")
        if int(port) not in names and len(name) <= 32:
            names[int(port)] = name
    return {p: n for p, n in names.items()
            if all(c.isalnum() or c in "-_." for c in n)}


def named(tmpdir, ready):
    """A listener on a named port, out of the ephemeral range first, away from the
    ports filter mode tries (another test may hold them), then any."""
    taken = {5432, 6379, 11211, 3306, 5672, 9418, 873}
    names = services_tcp()
    order = ([p for p in names if 1024 <= p < 32768 and p not in taken] +
             [p for p in names if p < 1024 and p not in taken])
    lsock = None
    for port in order:
        try:
            lsock = listen(socket.AF_INET, "127.0.0.1", port, reuseport=False)
            break
        except OSError:
            continue
    if lsock is None:
        write_ready(ready, {"pid": os.getpid(), "port": None})
        hold_until_term()
    port = lsock.getsockname()[1]
    c = connect(socket.AF_INET, "127.0.0.1", port)
    keep = [lsock, c, lsock.accept()[0]]
    write_ready(ready, {"pid": os.getpid(), "port": port, "name": names[port],
                        "client": c.getsockname()[1], "sockets": len(keep)})
    hold_until_term()


def filter_mix(tmpdir, ready):
    keep = []
    pa, pb, pc, pd = free_port(), free_port(), free_port(), free_port()
    la = listen(socket.AF_INET, "0.0.0.0", pa, reuseport=False)
    lb = listen(socket.AF_INET, "127.0.0.2", pb, reuseport=False)
    lc = listen(socket.AF_INET6, "::", pc, reuseport=False, v6only=False)
    ld = listen(socket.AF_INET6, "::1", pd, reuseport=False, v6only=True)
    keep += [la, lb, lc, ld]
    plan = [(la, socket.AF_INET, "127.0.0.1", 3), (lb, socket.AF_INET, "127.0.0.2", 2),
            (lc, socket.AF_INET6, "::1", 2), (lc, socket.AF_INET, "127.0.0.1", 2),
            (ld, socket.AF_INET6, "::1", 1)]
    named = named_port()
    if named is not None:
        keep.append(named[0])
        plan.append((named[0], socket.AF_INET, "127.0.0.1", 1))
    for lsock, family, host, n in plan:
        for _ in range(n):
            keep.append(connect(family, host, lsock.getsockname()[1]))
            keep.append(lsock.accept()[0])
    # CLOSE-WAIT: the client closes, the accepted socket stays open (and the client's
    # side lingers in FIN-WAIT-2).
    for _ in range(2):
        c = connect(socket.AF_INET, "127.0.0.1", pa)
        keep.append(la.accept()[0])
        c.close()
    # TIME-WAIT on the server's side: it closes first, then the client.
    for _ in range(2):
        c = connect(socket.AF_INET, "127.0.0.2", pb)
        a = lb.accept()[0]
        a.close()
        time.sleep(0.05)
        c.close()
    # UDP: bound on both families, and a connected one.
    ua = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ua.bind(("127.0.0.1", 0))
    ub = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    ub.bind(("::1", 0))
    uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uc.connect(("127.0.0.1", ua.getsockname()[1]))
    keep += [ua, ub, uc]
    # UNIX: a path listener with 2 connections, an abstract one with 1, a socketpair.
    path = os.path.join(tmpdir, "filter.sock")
    abstract = "sockwatch-filter-%d" % os.getpid()
    for name, n in ((path, 2), ("\0" + abstract, 1)):
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(name)
        u.listen(8)
        keep.append(u)
        for _ in range(n):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(name)
            keep += [c, u.accept()[0]]
    keep += list(socket.socketpair())
    write_ready(ready, {"pid": os.getpid(), "tcp": [pa, pb, pc, pd], "udp":
                        [ua.getsockname()[1], ub.getsockname()[1], uc.getsockname()[1]],
                        "named": list(named[1:]) if named else None,
                        "unix_path": path, "abstract": abstract})
    hold_until_term()


if __name__ == "__main__":
    mode, tmpdir, ready = sys.argv[1], sys.argv[2], sys.argv[3]
    {"mix": mix, "reuseport": reuseport, "filter": filter_mix, "named": named}[mode](tmpdir,
                                                                                   ready)
