"""Filter expressions: sockwatch against ss on the same live sockets, and the bad ones.

A child process (listeners.py filter) holds sockets of every kind an expression tells
apart: IPv4, IPv6 and dual-stack listeners (one on a port /etc/services names when one
is free), connections over both families and v4-mapped, CLOSE-WAIT, FIN-WAIT-2,
TIME-WAIT, bound and connected UDP, UNIX path, abstract and unnamed sockets. For a long
list of expressions (every operator, state groups, prefixes, wildcards, ports by name
and number, nested parentheses, not), the set of (state, local, remote) that
`sockwatch -b -o json --view sockets EXPR` lists equals what `ss -Htan EXPR` lists
(`-u`, `-x` for the UDP and UNIX lists), among the sockets of the child's ports (TCP,
UDP) or of the child (UNIX). Each runs twice: with the kernel filtering (pushdown) and
with --no-pushdown; the two must agree with ss and so with each other. Bad expressions
exit 2 with one line that names a column; --check says UNKNOWN, exit 3.
"""

import os
import re
import shlex
import shutil
import swtest

SS_STATE = {"ESTAB": "established", "SYN-SENT": "syn_sent", "SYN-RECV": "syn_recv",
            "FIN-WAIT-1": "fin_wait1", "FIN-WAIT-2": "fin_wait2", "TIME-WAIT": "time_wait",
            "UNCONN": "close", "CLOSE-WAIT": "close_wait", "LAST-ACK": "last_ack",
            "LISTEN": "listen", "CLOSING": "closing"}

TCP_EXPRS = [
    "",
    "state established", "state listening", "state close-wait", "state time-wait",
    "state fin-wait-2", "state closed", "state connected", "state synchronized",
    "state bucket", "state big", "state all", "state ESTABLISHED",
    "exclude listening", "exclude established exclude listening",
    "state established state listening", "state listening state close-wait",
    "excl time-wait",
    "sport = :{A}", "sport == :{A}", "sport eq :{A}", "sport :{A}", "sport {A}",
    "dport = :{A}", "dport != :{A}", "dport ne :{A}", "dport neq :{A}",
    "sport > :{A}", "sport gt :{A}", "sport < :{A}", "sport lt :{A}",
    "sport >= :{A}", "sport ge :{A}", "sport geq :{A}", "sport <= :{A}", "sport le :{A}",
    "sport leq :{A}", "dport >= :{C}", "dport <= :{C}", "dport > :{C}", "dport < :{C}",
    "sport = :{Ahex}",
    "src 127.0.0.1", "src 127.0.0.2", "src 127.0.0.0/8", "src 127.0.0.0/31", "dst 127.0.0.1",
    "src = 127.0.0.1", "src 127.0.0.1:{A}", "dst 127.0.0.1:{A}", "src 127.0.0.2:{B}",
    "src [::1]", "dst [::1]", "src [::1]:{D}", "src ::1/128", "src [::ffff:127.0.0.1]",
    "dst [::ffff:127.0.0.1]", "src ::ffff:127.0.0.0/104", "src ::/0", "src 0.0.0.0/0",
    "dst ::/0", "src 0.0.0.0", "src [::]", "src *:{A}", "src *:{C}", "dst *:{C}",
    "src 127.0.0.1:*", "dst 10.0.0.0/8", "not dst 10.0.0.0/8",
    "src inet:127.0.0.1", "src inet6:[::1]", "dst inet:127.0.0.0/8",
    "( dport = :{A} or sport = :{A} )",
    "state established ( dport = :{A} or sport = :{A} )",
    "state established '( dport = :{C} or sport = :{C} )'",
    "not sport = :{A}", "! sport = :{A}",
    "not ( sport = :{A} or dport = :{A} )",
    "sport = :{A} or sport = :{B} and dport > :1024",
    "( sport = :{A} or sport = :{B} ) and not dport = :0",
    "sport = :{A} or ( sport = :{B} and dport > :1024 )",
    "sport = :{A} dport > :1024", "sport = :{A} and dport > :1024",
    "sport = :{A} && dport > :1024", "sport = :{A} & dport > :1024",
    "sport = :{A} || sport = :{C}", "sport = :{A} | sport = :{C}",
    "sport = :{A} or sport = :{C} or dport = :{D}",
    "( ( sport = :{A} ) or ( not ( dport < :{B} ) ) )",
    "not ( not ( src 127.0.0.1 ) and dst [::1] )",
    "exclude time-wait src 127.0.0.0/8", "state close-wait sport = :{A}",
    "dport = :", "sport = :*", "dport >= :", "dport <= :", "dport > :", "dport < :",
    "src *", "dst *",
]
NAMED_EXPRS = ["sport = :{NAME}", "dport = :{NAME}", "src 127.0.0.1:{NAME}",
               "sport > :{NAME}", "dport != :{NAME}"]
UDP_EXPRS = ["", "sport = :{UA}", "dport = :{UA}", "dst 127.0.0.1", "src [::1]",
             "state established", "state closed", "state unconnected", "not dport = :{UA}",
             "src 127.0.0.1:{UA} or src [::1]:{UB}", "dport = :", "sport > :{UA}"]
UNIX_EXPRS = ["", "state listening", "state established", "exclude listening",
              "src unix:{PATH}", "src unix:{DIR}/*", "src unix:@{ABS}", "src unix:@sockwatch-*",
              "not src unix:{PATH}", "src unix:{PATH} or src unix:@{ABS}",
              "state established src unix:{PATH}", "src *", "dst *"]


def norm_addr(a):
    a = a.split("%")[0]  # "127.0.0.53%lo": the device a socket is bound to
    if a.startswith("[") and a.endswith("]"):
        a = a[1:-1]
    return "::" if a == "*" else a


def split_endpoint(s):
    host, _, port = s.rpartition(":")
    return norm_addr(host), 0 if port == "*" else int(port)


def ss_inet(t, flag, words):
    """{(state, local, remote)} from ss -H{flag}an WORDS, or None when ss refused."""
    rc, out, err = t.run(["ss", "-H%san" % flag] + words)
    if rc != 0:
        return None, err
    rows = set()
    single = None
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:  # one state asked for: ss leaves the column out
            single = single or state_of_words(words)
            f = [single] + f
        state = SS_STATE.get(f[0], f[0])
        rows.add((state, split_endpoint(f[3]), split_endpoint(f[4])))
    return rows, err


def state_of_words(words):
    """The one state of a single-state filter, as sockwatch names it."""
    text = " ".join(words)
    m = re.match(r"\s*state\s+(\S+)", text)
    name = (m.group(1) if m else "").lower()
    return {"listening": "listen", "closed": "close", "unconnected": "close"}.get(
        name, name.replace("-", "_").replace("wait_1", "wait1").replace("wait_2", "wait2"))


def ss_unix(t, words):
    """{(state, inode, peer inode)} from ss -Hxan WORDS."""
    rc, out, err = t.run(["ss", "-Hxan"] + words)
    if rc != 0:
        return None, err
    rows = set()
    single = None
    for line in out.splitlines():
        f = line.split()
        # [Netid] State Recv-Q Send-Q Local Inode Peer PeerInode
        if f and f[0].startswith("u_"):
            f = f[1:]
        if len(f) == 6:
            single = single or state_of_words(words)
            f = [single] + f
        rows.add((SS_STATE.get(f[0], f[0]), int(f[4]), int(f[6])))
    return rows, err


SW_UDP_STATE = {"connected": "established", "unconnected": "close"}


def sw_rows(t, words, proto, pushdown=True):
    if not words and not pushdown:
        pushdown = True  # no expression: nothing to push down
    args = ["--view", "sockets"] + ([] if pushdown else ["--no-pushdown"]) + words
    rc, snaps, out, err = t.sockwatch_json(*args)
    if rc != 0 or not snaps:
        return None, err
    rows = set()
    for s in snaps[0]["sockets"]:
        if s["proto"] != proto:
            continue
        if proto == "unix":
            rows.add((s["state"], s["inode"], s.get("peer_inode") or 0))
        else:
            rows.add((SW_UDP_STATE.get(s["state"], s["state"]),
                      (s["local"]["address"], s["local"]["port"]),
                      (s["remote"]["address"], s["remote"]["port"])))
    return rows, err


def child_unix_inodes(pid):
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]$", link)
        if m:
            inodes.add(int(m.group(1)))
    return inodes


def settled(diff):
    """A difference between two listings taken one after the other, less the TIME_WAIT
    sockets: the kernel ends those on its own (60 s after the close) between the runs."""
    return {r for r in diff if r[0] != "time_wait"}


def compare(t, what, want, got_push, got_plain):
    t.check(not settled(got_push ^ want), "%s: sockwatch lists what ss lists" % what,
            got={"sockwatch only": sorted(got_push - want), "ss only": sorted(want - got_push)})
    t.check(not settled(got_plain ^ got_push), "%s: --no-pushdown lists the same" % what,
            got={"pushdown only": sorted(got_push - got_plain),
                 "no-pushdown only": sorted(got_plain - got_push)})


def differential(t, info):
    a, b, c, d = info["tcp"]
    ua, ub, uc = info["udp"]
    subs = {"A": a, "B": b, "C": c, "D": d, "Ahex": hex(a), "UA": ua, "UB": ub,
            "PATH": info["unix_path"], "DIR": os.path.dirname(info["unix_path"]),
            "ABS": info["abstract"]}
    exprs = list(TCP_EXPRS)
    if info["named"]:
        subs["NAME"] = info["named"][1]
        exprs += NAMED_EXPRS
        ports = {a, b, c, d, info["named"][0]}
    else:
        t.note("no named port was free: the service-name expressions are left out")
        ports = {a, b, c, d}

    def ours(rows):
        return {r for r in rows if r[1][1] in ports or r[2][1] in ports}

    n = 0
    for tmpl in exprs:
        words = shlex.split(tmpl.format(**subs))
        want, err = ss_inet(t, "t", words)
        if not t.check(want is not None, "ss takes %r" % tmpl, got=err):
            continue
        push, err1 = sw_rows(t, words, "tcp")
        plain, err2 = sw_rows(t, words, "tcp", pushdown=False)
        if not t.check(push is not None and plain is not None,
                       "sockwatch takes %r" % tmpl, got=err1 + err2):
            continue
        compare(t, "tcp %r" % tmpl, ours(want), ours(push), ours(plain))
        n += 1
    uports = {ua, ub, uc}
    for tmpl in UDP_EXPRS:
        words = shlex.split(tmpl.format(**subs))
        want, err = ss_inet(t, "u", words)
        if not t.check(want is not None, "ss takes %r" % tmpl, got=err):
            continue
        push, _ = sw_rows(t, words, "udp")
        plain, _ = sw_rows(t, words, "udp", pushdown=False)
        if t.check(push is not None and plain is not None, "sockwatch takes %r" % tmpl):
            keep = lambda rows: {r for r in rows if r[1][1] in uports or r[2][1] in uports}
            compare(t, "udp %r" % tmpl, keep(want), keep(push), keep(plain))
            n += 1
    inodes = child_unix_inodes(info["pid"])
    for tmpl in UNIX_EXPRS:
        words = shlex.split(tmpl.format(**subs))
        want, err = ss_unix(t, words)
        if not t.check(want is not None, "ss takes %r" % tmpl, got=err):
            continue
        push, _ = sw_rows(t, words, "unix")
        plain, _ = sw_rows(t, words, "unix", pushdown=False)
        if t.check(push is not None and plain is not None, "sockwatch takes %r" % tmpl):
            keep = lambda rows: {r for r in rows if r[1] in inodes}
            compare(t, "unix %r" % tmpl, keep(want), keep(push), keep(plain))
            n += 1
    t.note("%d expressions compared with ss" % n)
    # The list is not vacuous: a narrow expression lists few of the child's sockets.
    narrow, _ = sw_rows(t, ["sport", "=", ":%d" % b], "tcp")
    wide, _ = sw_rows(t, [], "tcp")
    t.check(narrow is not None and wide is not None and 0 < len(ours(narrow)) < len(ours(wide)),
            "a narrow expression lists some sockets, and fewer")


BAD = [
    (["(", "state"], "column 8"),
    (["(", "dport", "=", ":22"], "column 14"),
    (["src", "300.1.1.1"], "column 5"),
    (["state", "nosuchstate"], "column 7"),
    (["sport", ">", ":nosuchservice"], "column 9"),
    (["dport", "=", ":22", ")"], "column 13"),
    (["src"], "column 4"),
    (["dport = :22 or"], "column 15"),
    (["127.0.0.1"], "column 1"),
]


def bad_expressions(t):
    for words, col in BAD:
        rc, out, err = t.sockwatch("-b", "-n", "1", *words)
        lines = err.strip().splitlines()
        t.check_eq(rc, 2, "%r exits 2" % " ".join(words))
        t.check(len(lines) == 1 and col in lines[0] and out == "",
                "%r: one line that names the %s, no output" % (" ".join(words), col), got=err)
    rc, out, err = t.sockwatch("--check", "state", "nosuchstate")
    t.check(rc == 3 and out.startswith("SOCKWATCH UNKNOWN") and "column 7" in out,
            "--check: a bad expression is UNKNOWN, exit 3", got=(rc, out, err))
    rc, out, err = t.sockwatch("-b", "--no-pushdown")
    t.check_eq(rc, 2, "--no-pushdown without an expression is a usage error")


def views(t, info):
    """Words after the options, unquoted, as ss takes them; every view counts only matches."""
    a = info["tcp"][0]
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets", "state", "close-wait",
                                           "sport", "=", ":%d" % a)
    socks = snaps[0]["sockets"] if rc == 0 and snaps else []
    t.check(len(socks) == 2 and all(s["state"] == "close_wait" for s in socks),
            "state close-wait sport = :A lists the 2 CLOSE-WAIT sockets", got=socks)
    proc = swtest.find_process(snaps[0], info["pid"]) if socks else None
    t.check(proc is not None and proc["sockets"] == 2 and proc["states"]["close_wait"] == 2
            and proc["other"] == 0, "the child counts those 2 sockets, nothing else", got=proc)
    t.check(snaps and snaps[0]["totals"]["sockets"] == 2,
            "the totals are the matched sockets", got=snaps and snaps[0]["totals"])
    others = [p for p in (snaps[0]["processes"] if snaps else []) if p["pid"] != info["pid"]]
    t.check_eq(others, [], "no other process holds a matched socket")
    # Listeners that do not match still make their connections inbound.
    rc, snaps, out, err = t.sockwatch_json("--view", "ports", "state", "established")
    ports = [p for p in (snaps[0]["ports"] if snaps else [])
             if p["port"] == a and p["direction"] == "in"]
    t.check(len(ports) == 1 and ports[0]["established"] == 3,
            "state established: the 3 connections accepted on :A are inbound on :A", got=ports)
    t.check(snaps and snaps[0]["listening"] == [], "state established: no listener is listed",
            got=snaps and snaps[0]["listening"])


def own_words(t, info):
    """sockwatch's words where ss has none: pid, comm, user, service, netns."""
    pid = info["pid"]
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets")
    if not t.check(rc == 0 and snaps, "an unfiltered snapshot", got=err):
        return
    child = {s["cookie"] for s in snaps[0]["sockets"] if pid in s["pids"]}
    proc = swtest.find_process(snaps[0], pid) or {}
    service = (proc.get("service") or {}).get("name")

    def cookies(*words):
        rc, snaps, out, err = t.sockwatch_json("--view", "sockets", *words)
        if rc != 0 or not snaps:
            t.fail("%s: a snapshot" % " ".join(words), got=err)
            return set()
        return {s["cookie"] for s in snaps[0]["sockets"]}
    t.check(len(child) > 20, "the child holds its sockets", got=len(child))
    t.check_eq(cookies("pid", str(pid)), child, "pid PID: the child's sockets")
    t.check_eq(cookies("comm", "python3", "pid", str(pid)), child, "comm python3 pid PID: the same")
    t.check_eq(cookies("comm", "no-such-comm"), set(), "comm no-such-comm: none")
    t.check(child <= cookies("user", "root"), "user root: the child's sockets among them")
    t.check(child <= cookies("netns", "host"), "netns host: the child's sockets among them")
    t.check_eq(cookies("netns", "no-such-netns"), set(), "netns no-such-netns: none")
    if service:
        t.check(child <= cookies("service", service), "service %s: the child's sockets" % service)
    a = info["tcp"][0]
    want = {s["cookie"] for s in snaps[0]["sockets"] if pid in s["pids"]
            and s.get("local", {}).get("port") == a and s["state"] != "listen"}
    t.check(want, "the child has connections on port %d" % a)
    t.check_eq(cookies("pid", str(pid), "and", "sport", "=", ":%d" % a, "and", "not", "state",
                       "listening"), want, "pid, a port and a state word together")


def main(t):
    if shutil.which("ss") is None:
        t.skip("ss (iproute2) is not installed")
    proc, info = t.listeners("filter")
    differential(t, info)
    views(t, info)
    own_words(t, info)
    bad_expressions(t)
    t.stop(proc)


swtest.run(main, __doc__)
