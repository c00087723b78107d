#!/usr/bin/env python3
"""Ports by name from /etc/services, as ss shows them, on a real listener.

listeners.py named holds a TCP listener on 127.0.0.1, on the first free port that
/etc/services names (chosen at run time; skipped when none is free), with one
connection to it. Then:

  1. the batch table: the listen view's LOCAL ADDRESS:PORT is 127.0.0.1:NAME, the
     sockets view's LOCAL and REMOTE name it, the ports view's PORT is NAME;
     --numeric shows 127.0.0.1:PORT instead, everywhere;
  2. CSV keeps the number; JSON has both ("port" and "port_name"), with --numeric too;
  3. the TUI in tmux: the listen view shows the name, N switches to the number and
     back (the message line says which), and --numeric starts with the number;
  4. in a private mount namespace (unshare -m): an /etc/services whose name for the
     port holds an escape sequence comes out escaped in the table, the TUI and JSON,
     never raw; without the file, numbers and no message about it.
"""

import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from listeners import services_tcp  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402


def table_rows(out, title):
    """The lines after the column titles that start with `title`."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*" + re.escape(title) + r"\b", line):
            return [l.split() for l in lines[i + 1:] if l.strip()]
    return []


def batch(t, *args):
    rc, out, err = t.sockwatch("-b", "-n", "1", *args)
    t.check_eq(rc, 0, "sockwatch -b %s: exit status" % " ".join(args))
    return out


def main(t):
    proc, info = t.listeners("named")
    if info.get("port") is None:
        t.skip("no TCP port that /etc/services names is free on 127.0.0.1")
    port, name, client, pid = info["port"], info["name"], info["client"], info["pid"]
    t.note("listener on 127.0.0.1:%d (%s), client port %d" % (port, name, client))
    byname, bynum = "127.0.0.1:%s" % name, "127.0.0.1:%d" % port
    # The client's port is an ephemeral one, which /etc/services may name too.
    cname = "127.0.0.1:%s" % services_tcp().get(client, client)
    expr = ["sport", "=", ":%d" % port, "or", "dport", "=", ":%d" % port]

    # 1. The batch table, by name and by number.
    rows = table_rows(batch(t, "--view", "listen", *expr), "PROTO")
    t.check([r[:2] for r in rows if str(pid) in r] == [["tcp", byname]],
            "listen view: LOCAL ADDRESS:PORT is %s" % byname, got=rows)
    rows = table_rows(batch(t, "--view", "listen", "--numeric", *expr), "PROTO")
    t.check([r[:2] for r in rows if str(pid) in r] == [["tcp", bynum]],
            "listen view --numeric: LOCAL ADDRESS:PORT is %s" % bynum, got=rows)
    rows = table_rows(batch(t, "--view", "sockets", *expr), "PROTO")
    t.check(sorted(tuple(r[1:4]) for r in rows) ==
            sorted([("established", byname, cname), ("established", cname, byname),
                    ("listen", byname, "0.0.0.0:0")]),
            "sockets view: LOCAL and REMOTE name the port", got=rows)
    rows = table_rows(batch(t, "--view", "sockets", "--numeric", *expr), "PROTO")
    t.check(sorted(tuple(r[1:4]) for r in rows) ==
            sorted([("established", bynum, "127.0.0.1:%d" % client),
                    ("established", "127.0.0.1:%d" % client, bynum),
                    ("listen", bynum, "0.0.0.0:0")]),
            "sockets view --numeric: numbers", got=rows)
    rows = table_rows(batch(t, "--view", "ports", *expr), "PORT")
    t.check([r[:3] for r in rows if r[2] == "in"] == [[name, "tcp", "in"]],
            "ports view: PORT is %s" % name, got=rows)
    rows = table_rows(batch(t, "--view", "ports", "--numeric", *expr), "PORT")
    t.check([r[:3] for r in rows if r[2] == "in"] == [[str(port), "tcp", "in"]],
            "ports view --numeric: PORT is %d" % port, got=rows)

    # 2. CSV: numbers. JSON: both, whatever --numeric says.
    out = batch(t, "--view", "listen", "-o", "csv", *expr)
    t.check(",tcp,%s," % bynum in out and name not in out, "CSV: the local cell is %s" % bynum,
            got=out)
    for extra in ([], ["--numeric"]):
        what = "JSON%s" % (" --numeric" if extra else "")
        rc, snaps, out, err = t.sockwatch_json("--view", "sockets", *(extra + expr))
        if not t.check(rc == 0 and snaps, "%s: one snapshot" % what, got=err):
            continue
        s = snaps[0]
        lis = [l for l in s["listening"] if l["port"] == port]
        t.check([(l["port"], l["port_name"]) for l in lis] == [(port, name)],
                "%s: the listener has port %d and port_name %s" % (what, port, name), got=lis)
        ports = [(p["port"], p["port_name"]) for p in s["ports"] if p["direction"] == "in"]
        t.check(ports == [(port, name)], "%s: the port row has both" % what, got=ports)
        server = [x for x in s["sockets"] if x["state"] == "established"
                  and x["local"]["port"] == port]
        want_c = services_tcp().get(client)
        t.check([(x["local"], x["remote"]["port_name"]) for x in server] ==
                [({"address": "127.0.0.1", "port": port, "port_name": name}, want_c)],
                "%s: the accepted socket's local and remote port_name" % what, got=server)

    # 3. The TUI: N toggles.
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap --test installs it)")
        return
    def shows(s, local):
        """A row of the listen view on screen: tcp, local, then (at least) the pid."""
        row = re.compile(r"^tcp\s+%s\s.*\b%d\b" % (re.escape(local), pid))
        return any(row.search(l) for l in s.splitlines())
    tm = Tmux(t, "%s -d 0.5 %s" % (t.sockwatch_path, " ".join(expr)))
    try:
        tm.keys("2")
        tm.wait(lambda s: shows(s, byname), "TUI listen view: %s" % byname)
        tm.keys("N")
        tm.wait(lambda s: shows(s, bynum) and "port numbers" in s,
                "N: %s, and the message line says port numbers" % bynum)
        tm.keys("N")
        tm.wait(lambda s: shows(s, byname) and "port names" in s, "N again: %s" % byname)
        tm.keys("?")
        tm.wait(lambda s: re.search(r"^\s+N\s+ports by name", s, re.M) is not None,
                "the help screen lists N")
        tm.keys("Escape")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()
    tm = Tmux(t, "%s -d 0.5 --numeric %s" % (t.sockwatch_path, " ".join(expr)))
    try:
        tm.keys("2")
        tm.wait(lambda s: shows(s, bynum), "TUI --numeric: %s" % bynum)
        tm.keys("N")
        tm.wait(lambda s: shows(s, byname), "TUI --numeric, N: %s" % byname)
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()

    # 4. Another /etc/services, in a mount namespace of its own.
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        t.note("unshare or root missing: a hostile and a missing /etc/services are not run")
        return
    hostile = os.path.join(t.tmpdir, "services")
    with open(hostile, "wb") as f:
        f.write(b"evil\x1b[31m\x07\t%d/tcp\n" % port)
    esc = "evil\\x1b[31m\\x07"
    bind = "mount --bind %s /etc/services && exec" % hostile
    rc, out, err = t.run([unshare, "-m", "--propagation", "private", "sh", "-c",
                          '%s "$@"' % bind, "sh", t.sockwatch_path, "-b", "--view", "listen"]
                         + expr)
    t.check(rc == 0 and "127.0.0.1:%s " % esc in out and "\x1b" not in out and "\x07" not in out,
            "a name with an escape sequence: escaped in the table", got=(rc, out, err))
    rc, out, err = t.run([unshare, "-m", "--propagation", "private", "sh", "-c",
                          '%s "$@"' % bind, "sh", t.sockwatch_path, "-b", "-o", "json",
                          "--view", "listen"] + expr)
    lis = [l for s in swtest.parse_json_lines(out) or [] for l in s["listening"]
           if l["port"] == port]
    t.check(rc == 0 and [l["port_name"] for l in lis] == ["evil\x1b[31m\x07"]
            and "\\u001b[31m\\u0007" in out and "\x1b" not in out,
            "and as \\u escapes in JSON", got=(rc, out[:400], err))
    tm = Tmux(t, "%s -m --propagation private sh -c '%s \"$@\"' sh %s -d 0.5 %s"
              % (unshare, bind, t.sockwatch_path, " ".join(expr)))
    try:
        tm.keys("2")
        tm.wait(lambda s: shows(s, "127.0.0.1:" + esc), "and in the TUI")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits")
    finally:
        tm.kill()
    # No /etc/services at all: numbers, and nothing said about it.
    rc, out, err = t.run([unshare, "-m", "--propagation", "private", "sh", "-c",
                          'mount -t tmpfs none /etc && exec "$@"', "sh", t.sockwatch_path,
                          "-b", "--view", "listen"] + expr)
    rows = table_rows(out, "PROTO")
    t.check(rc == 0 and [r[:2] for r in rows if str(pid) in r] == [["tcp", bynum]]
            and "services" not in err, "no /etc/services: %s, no message" % bynum,
            got=(rc, rows, err))


swtest.run(main, __doc__.splitlines()[0])
