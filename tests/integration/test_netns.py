#!/usr/bin/env python3
"""Network namespaces: every one read, listeners and ports per namespace, --netns.

Two namespaces swt-PID-a and swt-PID-b (ip netns add, loopback up), in each one
workload started with `ip netns exec NAME workload --listen-port 8080 --conns 30`
(ip netns exec execs: the process keeps the pid started), and one workload on the
host on an ephemeral loopback port. Then, as root (default --netns all):
- two 8080 listeners, one per namespace, with distinct netns inodes, each with
  connections 30 and pids [its own process], each naming its namespace
  (netns.name is the ip netns name); the same for the port rows, the processes and
  the sockets (an accepted socket names the listener of its own namespace);
- the host's listener is still there, with netns name "host";
- --netns swt-PID-a shows that namespace's listener and not the host's or the other's;
  --netns INODE (of swt-PID-b) the same for b; --netns host only the host's;
- --netns nosuch: one line on stderr naming it, nothing on stdout, exit 2.
As user nobody (who may not enter other namespaces): the host namespace only, exactly
one hint line about namespaces on stderr, exit 0.
Needs root and ip (iproute2); otherwise skipped. The namespaces are deleted in every
path (swtest's deferred cleanup), also those a killed earlier run left behind.
"""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get  # noqa: E402

PORT = 8080
CONNS = 30
STALE = re.compile(r"^swt-(\d+)-[ab]$")


def sweep_stale(t):
    """Delete swt-PID-a/b namespaces of runs that are gone (killed with SIGKILL)."""
    for name in swtest.netns_names():
        m = STALE.match(name)
        if m and int(m.group(1)) != os.getpid() and not swtest.pid_alive(int(m.group(1))):
            t.note("deleting namespace %s left by an earlier run" % name)
            swtest.netns_delete(name)


def ns_lines(t, name, *ss_args):
    """Lines of `ip netns exec NAME ss -H ARGS` (the setup, seen without sockwatch)."""
    rc, out, err = t.run(["ip", "netns", "exec", name, "ss", "-H"] + list(ss_args))
    if rc != 0:
        t.fail("ip netns exec %s ss %s: exit status" % (name, " ".join(ss_args)), got=(rc, err))
    return [line for line in out.splitlines() if line.strip()]


def tcp_listeners(snap, port=None, pid=None):
    return [e for e in (snap or {}).get("listening") or []
            if e.get("proto") == "tcp" and (port is None or e.get("port") == port)
            and (pid is None or pid in (e.get("pids") or []))]


def snapshot(t, tag, *args, **kw):
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets", *args, **kw)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    if not t.check(snaps is not None and len(snaps) == 1 and isinstance(snaps[0], dict),
                   "%s: one JSON object on stdout" % tag, got=out[:300]):
        t.note("stderr: %s" % err.strip()[:500])
        return None, err
    return snaps[0], err


def check_namespace_rows(t, snap, tag, ns, want_name, want_ino):
    """The listener, port row, process and sockets of one namespace's workload."""
    w = ns["w"]
    rows = tcp_listeners(snap, PORT, w.pid)
    if not t.check(len(rows) == 1, "%s: exactly one %d listener held by pid %d (in %s)"
                   % (tag, PORT, w.pid, want_name), got=tcp_listeners(snap, PORT)):
        return None
    lst = rows[0]
    t.check_eq(lst.get("address"), "127.0.0.1", "%s: %s's listener address" % (tag, want_name))
    t.check_eq(lst.get("connections"), CONNS, "%s: %s's listener connections" % (tag, want_name))
    t.check_eq(lst.get("pids"), [w.pid], "%s: %s's listener pids" % (tag, want_name))
    t.check_eq(lst.get("netns"), {"inode": want_ino, "name": want_name},
               "%s: %s's listener netns" % (tag, want_name))
    # Port 8080 has a listener: the accepted ends are its "in" row, the client ends
    # (remote port 8080) its "out" row; both per namespace.
    ports = [p for p in snap.get("ports") or [] if p.get("port") == PORT
             and p.get("proto") == "tcp" and w.pid in (p.get("pids") or [])]
    t.check_eq(sorted(str(p.get("direction")) for p in ports), ["in", "out"],
               "%s: port %d rows with pid %d: directions" % (tag, PORT, w.pid))
    for p in ports:
        t.check_eq(p.get("established"), CONNS, "%s: %s's port %d %s row established"
                   % (tag, want_name, PORT, p.get("direction")))
        t.check_eq(p.get("netns"), {"inode": want_ino, "name": want_name},
                   "%s: %s's port %d %s row netns" % (tag, want_name, PORT, p.get("direction")))
    p = find_process(snap, w.pid)
    if t.check(p is not None, "%s: process %d (in %s) listed" % (tag, w.pid, want_name)):
        t.check_eq(p.get("netns"), {"inode": want_ino, "name": want_name},
                   "%s: process %d netns" % (tag, w.pid))
        t.check_eq(p.get("tcp"), 1 + 2 * CONNS,
                   "%s: process %d tcp (its sockets listed in its namespace)" % (tag, w.pid))
    socks = [s for s in snap.get("sockets") or [] if w.pid in (s.get("pids") or [])]
    t.check_eq(len(socks), 1 + 2 * CONNS, "%s: sockets of pid %d" % (tag, w.pid))
    wrong = [s for s in socks if get(s, "netns", "inode") != want_ino]
    t.check(socks and not wrong, "%s: every socket of pid %d has netns inode %d"
            % (tag, w.pid, want_ino), got=wrong[:2])
    accepted = [s for s in socks if s.get("state") == "established"
                and get(s, "local", "port") == PORT]
    t.check_eq(len(accepted), CONNS, "%s: accepted sockets of pid %d on port %d"
               % (tag, w.pid, PORT))
    t.check(accepted and all(s.get("listener") == lst.get("id") for s in accepted),
            "%s: each accepted socket in %s names that namespace's listener %s"
            % (tag, want_name, lst.get("id")),
            got=sorted({s.get("listener") for s in accepted}, key=str))
    return lst


def netns_objects(snap):
    """(kind, object) for every process, listener, port row and socket of a snapshot."""
    for kind in ("processes", "listening", "ports", "sockets"):
        for o in (snap or {}).get(kind) or []:
            yield kind, o


def check_only(t, snap, tag, ino, present, absent):
    """Everything shown is in namespace `ino`; `present` pids listen, `absent` pids don't."""
    wrong = [(k, o.get("pid", o.get("port")), o.get("netns")) for k, o in netns_objects(snap)
             if get(o, "netns", "inode") != ino]
    t.check(not wrong, "%s: every process, listener, port row and socket has netns inode %d"
            % (tag, ino), got=wrong[:4])
    for pid, port in present:
        rows = tcp_listeners(snap, port, pid)
        t.check_eq(len(rows), 1, "%s: listener %d of pid %d shown" % (tag, port, pid))
        t.check(find_process(snap, pid) is not None, "%s: process %d shown" % (tag, pid))
    for pid, port in absent:
        t.check_eq(tcp_listeners(snap, port, pid), [],
                   "%s: no listener %d of pid %d (another namespace)" % (tag, port, pid))
        t.check(find_process(snap, pid) is None, "%s: process %d not shown" % (tag, pid),
                got=find_process(snap, pid))


def main(t):
    if os.geteuid() != 0:
        t.skip("not running as root: ip netns add and ip netns exec need it")
    if not shutil.which("ip"):
        t.skip("ip (iproute2) not found")
    sweep_stale(t)
    host_ino = os.stat("/proc/self/ns/net").st_ino
    me = os.getpid()
    ns = {k: {"name": "swt-%d-%s" % (me, k)} for k in ("a", "b")}
    try:
        ns["a"]["ino"] = t.netns(ns["a"]["name"])
    except RuntimeError as e:
        t.skip("cannot create a network namespace here: %s" % e)
    ns["b"]["ino"] = t.netns(ns["b"]["name"])

    # The setup, checked without sockwatch.
    listed = swtest.netns_names()
    for k in ns:
        t.check(ns[k]["name"] in listed, "setup: ip netns list has %s" % ns[k]["name"], got=listed)
    t.check(len({ns["a"]["ino"], ns["b"]["ino"], host_ino}) == 3,
            "setup: the two namespaces and the host's have distinct inodes",
            got=(ns["a"]["ino"], ns["b"]["ino"], host_ino))
    for k in ns:
        name = ns[k]["name"]
        ns[k]["w"] = w = t.workload("--listen-port", PORT, "--conns", CONNS,
                                    prefix=("ip", "netns", "exec", name))
        t.check_eq(os.stat("/proc/%d/ns/net" % w.pid).st_ino, ns[k]["ino"],
                   "setup: pid %d (ip netns exec %s, then exec) is in %s" % (w.pid, name, name))
        if shutil.which("ss"):
            t.check_eq(len(ns_lines(t, name, "-tln", "sport = :%d" % PORT)), 1,
                       "setup: ip netns exec %s ss -tln: one listener on %d" % (name, PORT))
            t.check_eq(len(ns_lines(t, name, "-tn", "state", "established",
                                    "( sport = :%d )" % PORT)), CONNS,
                       "setup: ip netns exec %s ss -tn: %d accepted connections on %d"
                       % (name, CONNS, PORT))
    host = t.workload("--conns", 3)  # on the host, an ephemeral loopback port
    t.note("namespaces %s (inode %d, pid %d), %s (inode %d, pid %d); host inode %d, pid %d "
           "on port %d" % (ns["a"]["name"], ns["a"]["ino"], ns["a"]["w"].pid, ns["b"]["name"],
                           ns["b"]["ino"], ns["b"]["w"].pid, host_ino, host.pid, host.port))
    everyone = [(ns["a"]["w"].pid, PORT), (ns["b"]["w"].pid, PORT), (host.pid, host.port)]

    # 1. Root, default (--netns all): both namespaces and the host.
    tag = "default (all namespaces)"
    snap, _ = snapshot(t, tag)
    if snap is not None:
        lists = [check_namespace_rows(t, snap, tag, ns[k], ns[k]["name"], ns[k]["ino"])
                 for k in ns]
        if all(lists):
            t.check(lists[0].get("id") != lists[1].get("id"),
                    "%s: the two 8080 listeners have distinct ids" % tag,
                    got=[e.get("id") for e in lists])
            t.check(get(lists[0], "netns", "inode") != get(lists[1], "netns", "inode"),
                    "%s: the two 8080 listeners have distinct netns inodes" % tag)
        rows = tcp_listeners(snap, host.port, host.pid)
        if t.check(len(rows) == 1, "%s: the host's listener on port %d" % (tag, host.port),
                   got=tcp_listeners(snap, host.port)):
            t.check_eq(rows[0].get("netns"), {"inode": host_ino, "name": "host"},
                       "%s: the host's listener netns" % tag)
            t.check_eq(rows[0].get("connections"), 3, "%s: the host's listener connections" % tag)
        t.check_eq(get(find_process(snap, host.pid), "netns"),
                   {"inode": host_ino, "name": "host"}, "%s: host process netns" % tag)

    # 2. --netns NAME, --netns INODE, --netns host.
    for k, how, arg in (("a", "NAME", ns["a"]["name"]), ("b", "INODE", str(ns["b"]["ino"]))):
        tag = "--netns %s (%s)" % (arg, how)
        snap, _ = snapshot(t, tag, "--netns", arg)
        if snap is not None:
            check_namespace_rows(t, snap, tag, ns[k], ns[k]["name"], ns[k]["ino"])
            check_only(t, snap, tag, ns[k]["ino"], [(ns[k]["w"].pid, PORT)],
                       [x for x in everyone if x[0] != ns[k]["w"].pid])
    tag = "--netns host"
    snap, _ = snapshot(t, tag, "--netns", "host")
    if snap is not None:
        check_only(t, snap, tag, host_ino, [(host.pid, host.port)], everyone[:2])

    # 3. A namespace that does not exist: a usage error.
    rc, out, err = t.sockwatch("-b", "-o", "json", "-n", "1", "--netns", "nosuch")
    t.check_eq(rc, 2, "--netns nosuch: exit status")
    t.check_eq(out, "", "--netns nosuch: nothing on stdout")
    lines = err.splitlines()
    t.check(len(lines) == 1 and "nosuch" in lines[0],
            "--netns nosuch: one line on stderr, naming it", got=err)

    # 4. As nobody: the host namespace only, one hint about the others, exit 0.
    uid = swtest.nobody_uid()
    tag = "as uid %d (nobody)" % uid
    snap, err = snapshot(t, tag, user=uid, binary=t.private_copy_of_sockwatch())
    # (not "another user namespace?": the line about processes root cannot inspect)
    hints = [line for line in err.splitlines() if re.search(r"namespace|netns", line, re.I)
             and not re.search(r"user namespace", line, re.I)]
    t.check(len(hints) == 1, "%s: exactly one hint line about namespaces on stderr" % tag,
            got=err)
    if snap is not None:
        wrong = [(k, o.get("pid", o.get("port")), o.get("netns")) for k, o in netns_objects(snap)
                 if get(o, "netns", "inode") != host_ino]
        t.check(not wrong, "%s: every process, listener, port row and socket is the host's "
                "(netns inode %d)" % (tag, host_ino), got=wrong[:4])
        rows = [e for e in tcp_listeners(snap, host.port) if e.get("address") == "127.0.0.1"]
        t.check(len(rows) == 1 and get(rows[0], "netns", "name") == "host",
                "%s: the host's listener on port %d, netns name host" % (tag, host.port),
                got=rows)
        others = [e for e in snap.get("listening") or []
                  if get(e, "netns", "name") in (ns["a"]["name"], ns["b"]["name"])]
        t.check_eq(others, [], "%s: no listener of %s or %s" % (tag, ns["a"]["name"],
                                                                ns["b"]["name"]))


swtest.run(main, __doc__)
