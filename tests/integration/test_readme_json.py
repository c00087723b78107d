#!/usr/bin/env python3
"""README's JSON outline and the man page's JSON schema name the keys sockwatch writes.

One real snapshot, `sockwatch -b -o json -n 1 --view sockets`, is taken while every kind
of element exists: the workload (connections, CLOSE_WAIT, UDP), listeners.py's mix
(TCP listeners, UNIX listeners with a path and an abstract name, UNIX connections) and
one TIME_WAIT socket on loopback that this test leaves behind (so that
totals.system.time_wait_peer is an object, not null). Then:

  1. README.md: the first ```json block after the "### JSON" heading is the outline,
     itself JSON (the rule is in the comment above the block). The snapshot conforms
     to it: every object has exactly the keys of the outline's object at that place;
     each element of an array of objects has exactly the keys of one of the outline's
     elements there (one per kind: an IP and a UNIX listener, ...); a value that is an
     object or an array in the outline is one in the snapshot, or null. And nothing in
     the outline is stale: each of its keys, each kind of element included, occurs in
     the snapshot (a key under a null value does not count as seen).
  2. man/sockwatch.1: the .nf block of section JSON is read as JSON after its
     placeholders are undone (N, F: a number; S: a string; an object holding "..."
     lists only some of its keys; ", ...]" ends a list). Every key it lists exists at
     that place in the snapshot (over all elements of an array), and every key of the
     snapshot under an object the schema lists in full is listed there: the top level,
     totals, totals.fds, totals.system and its time_wait_peer, processes and their
     leak, listening, ports. The keys of objects it elides (TCP states, sockets) are
     each named somewhere in the section's text.
"""
import json
import os
import re
import socket
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README = os.path.join(TOP, "README.md")
MANPAGE = os.path.join(TOP, "man", "sockwatch.1")
OPEN = "..."  # the key that marks an object of the man page's schema as listing some keys


# ---- the documents --------------------------------------------------------------------


def readme_outline(text):
    """The first ```json block after "### JSON", parsed; (None, why) when there is none."""
    lines = text.splitlines()
    try:
        start = lines.index("### JSON")
        fence = next(k for k in range(start + 1, len(lines)) if lines[k].startswith("```"))
        end = next(k for k in range(fence + 1, len(lines)) if lines[k].startswith("```"))
    except (ValueError, StopIteration):
        return None, "no ``` block after a '### JSON' line"
    if any(l.startswith("#") for l in lines[start + 1:fence]):
        return None, "the first block after '### JSON' is under another heading"
    if lines[fence].strip() != "```json":
        return None, "the block after '### JSON' is not marked ```json"
    try:
        return json.loads("\n".join(lines[fence + 1:end])), None
    except ValueError as e:
        return None, "the outline is not JSON: %s" % e


def man_json_section(src):
    """The source lines of section JSON of the man page (up to the next .SH)."""
    lines = src.splitlines()
    try:
        i = next(k for k, l in enumerate(lines) if re.match(r'^\.SH\s+"?JSON"?\s*$', l))
    except StopIteration:
        return None
    out = []
    for line in lines[i + 1:]:
        if line.startswith(".SH"):
            break
        out.append(line)
    return out


def unroff(s):
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\(dq", '"')
    return s.replace("\\&", "").replace("\\%", "").replace("\\:", "")


def man_schema(section):
    """The .nf block of the JSON section as JSON (see the docstring); (None, why)."""
    try:
        a = next(k for k, l in enumerate(section) if l.startswith(".nf"))
        b = next(k for k in range(a + 1, len(section)) if section[k].startswith(".fi"))
    except StopIteration:
        return None, "no .nf/.fi block in section JSON"
    text = "\n".join(unroff(l) for l in section[a + 1:b] if not l.startswith((".", "'")))
    text = re.sub(r",\s*\.\.\.\s*\]", "]", text)  # ["UDPLITE/IPv4", ...]
    text = re.sub(r"\{\s*\.\.\.\s*\}", '{"%s": 0}' % OPEN, text)  # {...}
    text = re.sub(r"\{\s*\.\.\.\s*,", '{"%s": 0,' % OPEN, text)  # {..., "k": v
    text = re.sub(r",\s*\.\.\.\s*\}", ', "%s": 0}' % OPEN, text)  # "k": v, ...}
    text = re.sub(r'([:\[]\s*)[NF]\b', r"\g<1>0", text)
    text = re.sub(r'(:\s*)S\b', r'\g<1>""', text)
    try:
        return json.loads(text), None
    except ValueError as e:
        return None, "the schema does not read as JSON: %s\n%s" % (e, text)


# ---- README: conformance, per kind of element ----------------------------------------


def kind(v):
    return "object" if isinstance(v, dict) else "array" if isinstance(v, list) else "scalar"


def conform(real, outline, path, seen, errors):
    """Does `real` have the outline's shape? Adds the outline's key paths it saw to `seen`,
    and the first mismatch along the way to `errors` (both only when it conforms)."""
    if real is None:
        return True  # unknown: whatever the outline holds there
    if kind(real) != kind(outline):
        errors.append("%s: %s in the output, %s in the outline" % (path, kind(real), kind(outline)))
        return False
    if isinstance(real, dict):
        extra = sorted(set(real) - set(outline))
        missing = sorted(set(outline) - set(real))
        if extra or missing:
            errors.append("%s: keys not in the outline %s, keys the output lacks %s"
                          % (path or "top level", extra, missing))
            return False
        for k in real:
            sub = "%s.%s" % (path, k) if path else k
            seen.add(sub)
            if not conform(real[k], outline[k], sub, seen, errors):
                return False
        return True
    if isinstance(real, list):
        kinds = list(enumerate(outline))
        for n, elem in enumerate(real):
            why = []
            for i, o in kinds:
                s, e = set(), []
                if conform(elem, o, "%s[%d]" % (path, i), s, e):
                    seen |= s
                    break
                why += e
            else:
                if kinds:
                    errors.append("%s, element %d (%s): matches no element of the outline: %s"
                                  % (path, n, _short(elem), "; ".join(why)))
                    return False
        return True
    return True


def outline_paths(outline, path=""):
    """Every key path of the outline, array elements by index ("listening[1].abstract")."""
    out = set()
    if isinstance(outline, dict):
        for k, v in outline.items():
            sub = "%s.%s" % (path, k) if path else k
            out.add(sub)
            out |= outline_paths(v, sub)
    elif isinstance(outline, list):
        for i, v in enumerate(outline):
            out |= outline_paths(v, "%s[%d]" % (path, i))
    return out


# ---- the man page: key paths over all elements ---------------------------------------


def union_paths(v, path=""):
    """{path: value is an object listed in full} over all elements of every array."""
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            if k == OPEN:
                continue
            sub = "%s.%s" % (path, k) if path else k
            out[sub] = out.get(sub, False)
            for p, closed in union_paths(x, sub).items():
                out[p] = out.get(p, False) or closed
    elif isinstance(v, list):
        for x in v:
            for p, closed in union_paths(x, path + "[]").items():
                out[p] = out.get(p, False) or closed
    return out


def closed_objects(v, path="", out=None):
    """Paths of the schema's objects that list every key (no "..."); "" is the top level."""
    out = set() if out is None else out
    if isinstance(v, dict):
        if OPEN not in v:
            out.add(path)
        for k, x in v.items():
            if k != OPEN:
                closed_objects(x, "%s.%s" % (path, k) if path else k, out)
    elif isinstance(v, list):
        for x in v:
            closed_objects(x, path + "[]", out)
    return out


def parent(p):
    return p.rsplit(".", 1)[0] if "." in p else ""


def leaf(p):
    return p.rsplit(".", 1)[-1]


# ---- the workload ---------------------------------------------------------------------


def time_wait_socket():
    """A loopback connection closed by the client first: the client end is left in
    TIME_WAIT (for the kernel's 60 s). Returns the client's port."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname(), timeout=5)
    acc, _ = srv.accept()
    acc.settimeout(5)
    port = cli.getsockname()[1]
    cli.close()
    acc.recv(1)  # the client's FIN
    acc.close()
    srv.close()
    return port


def in_time_wait(port):
    """Whether /proc/net/tcp shows the local port 127.0.0.1:port in TIME_WAIT (06)."""
    want = "0100007F:%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            return any(l.split()[1] == want and l.split()[3] == "06" for l in f.readlines()[1:])
    except OSError:
        return False


def _short(v, limit=200):
    s = json.dumps(v)
    return s if len(s) <= limit else s[:limit] + "..."


# ---- checks -------------------------------------------------------------------------


def check_readme(t, snap):
    with open(README, encoding="utf-8") as f:
        outline, why = readme_outline(f.read())
    if not t.check(outline is not None, "README.md has a JSON outline under '### JSON'", got=why):
        return
    seen, errors = set(), []
    if not t.check(conform(snap, outline, "", seen, errors), "the snapshot has exactly the "
                   "keys of README's outline, each element those of one kind of element"):
        t.note("\n".join(errors))
        return
    stale = sorted(outline_paths(outline) - seen)
    t.check(not stale, "every key of README's outline occurs in the snapshot", got=stale)


def check_manpage(t, snap):
    with open(MANPAGE, encoding="utf-8", errors="replace") as f:
        section = man_json_section(f.read())
    if not t.check(section is not None, "man/sockwatch.1 has a JSON section"):
        return
    schema, why = man_schema(section)
    if not t.check(schema is not None, "the man page's JSON schema reads as JSON once its "
                   "placeholders are undone", got=why):
        return
    real = set(union_paths(snap))
    listed = set(union_paths(schema))
    stale = sorted(listed - real)
    t.check(not stale, "every key of the man page's schema is in the snapshot, at that place",
            got=stale)
    closed = closed_objects(schema)
    missing = sorted(p for p in real - listed if parent(p) in closed)
    t.check(not missing, "every key of the snapshot under an object the man page's schema "
            "lists in full is listed there", got=missing)
    for want in ("", "totals", "totals.fds", "totals.system", "totals.system.time_wait_peer"):
        t.check(want in closed, "the man page's schema lists the keys of %s in full"
                % (want or "the top level"), got=sorted(closed))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", unroff("\n".join(section))))
    unnamed = sorted({leaf(p) for p in real} - words)
    t.check(not unnamed, "every key of the snapshot is named in the man page's JSON section",
            got=unnamed)


def main(t):
    w = t.workload("--conns", 5, "--close-wait", 2, "--udp", 2)
    lst, info = t.listeners("mix")
    port = time_wait_socket()
    t.check(swtest.wait_for(lambda: in_time_wait(port), 10), "a loopback socket in TIME_WAIT")
    rc, snaps, out, err = t.sockwatch_json("--view", "sockets")
    if not t.check(rc == 0 and snaps is not None and len(snaps) == 1,
                   "sockwatch -b -o json -n 1 --view sockets: exit 0, one JSON object",
                   got=(rc, err[:300], out[:300])):
        return
    snap = snaps[0]
    pids = {p.get("pid") for p in snap.get("processes") or [] if isinstance(p, dict)}
    t.check(w.pid in pids and info["pid"] in pids, "the snapshot has the workload's and the "
            "listeners' processes", got=sorted(pids)[:20])
    for key in ("processes", "listening", "ports", "sockets"):
        t.check(isinstance(snap.get(key), list) and len(snap[key]) > 0,
                "the snapshot's %s are not empty" % key, got=_short(snap.get(key)))
    families = {l.get("family") for l in snap.get("listening") or [] if isinstance(l, dict)}
    t.check({"ipv4", "unix"} <= families, "IP and UNIX listeners in the snapshot", got=families)
    t.check(isinstance(swtest.get(snap, "totals", "system", "time_wait_peer"), dict),
            "totals.system.time_wait_peer is an object",
            got=swtest.get(snap, "totals", "system"))
    check_readme(t, snap)
    check_manpage(t, snap)
    t.stop(lst)
    t.stop(w)


swtest.run(main, __doc__)
