"""What belongs to what, checked against the kernel: listeners, their connections, SO_REUSEPORT.

Real sockets in child processes (tests/integration/listeners.py): wildcard and specific
listeners on one port (IPv4, IPv6, v4-mapped) and UNIX listeners; then two processes
sharing 127.0.0.3:PORT through SO_REUSEPORT with 6 connections. In one JSON snapshot,
every listener's `connections` equals the number of established sockets whose
`listener` is its `id`; each accepted socket names the listener the kernel handed it to
(as accept() told the child); reuseport listeners add up to the connections, not double.
"""

import os
import swtest
from swtest import get


def endpoint(family, address, port):
    return ("[%s]:%d" if family == "ipv6" or ":" in address else "%s:%d") % (address, port)


def sock_local(s):
    loc = s.get("local") or {}
    return endpoint("", loc.get("address", "?"), loc.get("port", -1))


def sock_remote(s):
    rem = s.get("remote") or {}
    return endpoint("", rem.get("address", "?"), rem.get("port", -1))


def snapshot(t, *pids):
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets", "-p",
                                           ",".join(str(p) for p in pids))
    t.check_eq(rc, 0, "sockwatch exits 0")
    if not t.check(snaps is not None and len(snaps) == 1, "one JSON snapshot", got=err):
        return None
    return snaps[0]


def check_invariant(t, snap, tag):
    """connections == established sockets naming the listener, for every listener."""
    socks = snap.get("sockets") or []
    listening = snap.get("listening") or []
    t.check(all(isinstance(e.get("id"), str) and e["id"] for e in listening),
            "%s: every listener has a string id" % tag, got=listening[:2])
    ids = [e.get("id") for e in listening]
    t.check_eq(len(ids), len(set(ids)), "%s: listener ids are distinct" % tag)
    t.check(all("listener" in s for s in socks), "%s: every socket has a listener field" % tag,
            got=socks[:1])
    for e in listening:
        if e.get("connections") is None:
            continue
        n = sum(1 for s in socks if s.get("listener") == e.get("id")
                and s.get("state") == "established")
        t.check_eq(n, e.get("connections"), "%s: %s %s:%s: established sockets naming it"
                   % (tag, e.get("proto"), e.get("address"), e.get("port")))


def check_mix(t):
    proc, info = t.listeners("mix")
    snap = snapshot(t, info["pid"])
    if snap is None:
        return
    check_invariant(t, snap, "mix")
    listening = snap.get("listening") or []
    socks = snap.get("sockets") or []
    by_endpoint = {}
    for e in listening:
        if e.get("proto") == "tcp":
            by_endpoint[endpoint(e.get("family"), e.get("address"), e.get("port"))] = e
    t.check_eq(sum(e.get("connections") or 0 for e in by_endpoint.values()),
               info["expected_tcp"], "mix: TCP listeners' connections add up to the accepted")
    t.check_eq(len(info["accepted"]), info["expected_tcp"], "mix: the child accepted every one")
    # Every accepted socket names the listener accept() returned it from.
    wrong = []
    for a in info["accepted"]:
        mine = [s for s in socks if s.get("proto") == "tcp" and sock_local(s) == a["local"]
                and sock_remote(s) == a["remote"]]
        want = by_endpoint.get(a["listener"], {}).get("id")
        if len(mine) != 1 or want is None or mine[0].get("listener") != want:
            wrong.append((a, [m.get("listener") for m in mine], want))
    t.check(not wrong, "mix: each accepted socket is counted for the kernel's listener",
            got=wrong[:3])
    # Which listener got what, by rule: specific beats wildcard, v4-mapped on its own.
    counts = {k: v.get("connections") for k, v in by_endpoint.items()}
    p4, p6, pm = info["ports"]
    t.check_eq([counts.get("127.0.0.2:%d" % p4), counts.get("0.0.0.0:%d" % p4)], [2, 3],
               "mix: IPv4 specific and wildcard")
    t.check_eq([counts.get("[::1]:%d" % p6), counts.get("[::]:%d" % p6)], [2, 2],
               "mix: IPv6 ::1 and the dual-stack wildcard (v4-mapped)")
    t.check_eq([counts.get("[::ffff:127.0.0.4]:%d" % pm), counts.get("0.0.0.0:%d" % pm)], [1, 2],
               "mix: a v4-mapped specific listener and an IPv4 wildcard")
    unix = {e.get("address"): e.get("connections") for e in listening if e.get("proto") == "unix"}
    t.check_eq(unix.get(info["unix_path"]), 2, "mix: UNIX path listener connections")
    t.check_eq(unix.get("@sockwatch-rel-%d" % info["pid"]), 1,
               "mix: UNIX abstract listener connections")
    # A listening socket is its own listener.
    for e in listening:
        if e.get("proto") != "tcp":
            continue
        own = [s for s in socks if s.get("state") == "listen"
               and sock_local(s) == endpoint(e.get("family"), e.get("address"), e.get("port"))]
        t.check(len(own) == 1 and own[0].get("listener") == e.get("id"),
                "mix: listener %s names itself" % e.get("id"), got=own)
    t.stop(proc)


def check_reuseport(t):
    proc, info = t.listeners("reuseport")
    servers = info["servers"]
    t.check(all(len(s["accepted"]) == 3 for s in servers),
            "reuseport: each server accepted 3 (the child evened the kernel's split)",
            got=servers)
    snap = snapshot(t, *[s["pid"] for s in servers])
    if snap is None:
        return
    check_invariant(t, snap, "reuseport")
    rows = [e for e in snap.get("listening") or []
            if e.get("address") == "127.0.0.3" and e.get("port") == info["port"]]
    t.check_eq(len(rows), 2, "reuseport: two listener rows on 127.0.0.3:%d" % info["port"])
    t.check_eq(sum(e.get("connections") or 0 for e in rows), 6,
               "reuseport: their connections add up to 6")
    t.check_eq(sorted(e.get("connections") for e in rows), [3, 3],
               "reuseport: 3 each, as accept() handed them out")
    owner_of = {e.get("id"): e.get("pids") for e in rows}
    wrong = []
    for s in snap.get("sockets") or []:
        if s.get("state") != "established" or sock_local(s) != "127.0.0.3:%d" % info["port"]:
            continue
        if owner_of.get(s.get("listener")) != s.get("pids"):
            wrong.append(s)
    t.check(not wrong, "reuseport: each accepted socket is credited to its own process's "
            "listener", got=wrong[:2])
    # Prometheus: one series for the address, no repeated label set.
    rc, out, err = t.sockwatch("-b", "-o", "prometheus", "-n", "1",
                               "-p", ",".join(str(s["pid"]) for s in servers))
    t.check_eq(rc, 0, "reuseport: prometheus exit status")
    netns = os.stat("/proc/self/ns/net").st_ino
    head = 'sockwatch_listener_connections{proto="tcp",address="127.0.0.3",port="%d",' % info["port"]
    series = [line for line in out.splitlines() if line.startswith(head)]
    t.check_eq(series, [head + 'netns="%d",netns_name="host"} 6' % netns],
               "reuseport: one Prometheus series, the sum")
    labels = [line.rsplit(" ", 1)[0] for line in out.splitlines() if not line.startswith("#")]
    t.check_eq(len(labels), len(set(labels)), "reuseport: no series repeats its labels")
    t.stop(proc)


def main(t):
    check_mix(t)
    check_reuseport(t)


swtest.run(main, __doc__)
