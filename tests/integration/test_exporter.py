#!/usr/bin/env python3
"""--listen and --replace, against the real binary (no Prometheus server needed).

- `sockwatch --listen 127.0.0.1:0 -b -n 0 -d 0.2` binds a free port, says where in one
  line, and serves GET and HEAD /metrics (200, the exposition's content type, a body
  that parses, promtool check metrics accepts it when installed); a query string is
  ignored; POST and PUT get 405 with Allow; another path gets 404. Its stdout stays
  empty (no -o given).
- 200 clients scraping at once, in a loop for 3 s, while it refreshes every 0.2 s: every
  response is 200 and whole, the refresh counter keeps rising during the burst, and
  the process is still there. Idle connections that never send a request do not
  stop a scrape.
- The same address again: one line naming "Address already in use", exit 2, nothing on
  stdout. Bad --listen values: one line, exit 2; --listen with --check: one UNKNOWN
  status line, exit 3; --replace without --output-file: exit 2.
- `--output-file PATH --replace`: a reader polling PATH during 30 refreshes at -d 0.05
  never sees it empty or partial (Prometheus: the last family's HELP line ends it and
  it parses; JSON: one whole line that parses), sees it change, and no temporary file
  is left beside it; the file's mode is 0644 (umask 022). On a full file system (a
  4 KiB tmpfs, root only) it says so in one line, exits 1 and leaves no file. Without
  --replace the same option appends (30 lines).
- `--listen` with the interactive view (in tmux): the TUI draws, its message line says
  where it serves, and /metrics answers and follows its refreshes.
"""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import http_request, parse_prometheus, prom_samples  # noqa: E402

CLIENTS = 200
BURST_SECONDS = 3.0
MAX_REQUESTS_PER_CLIENT = 40  # bounds the burst's request count


def promtool_check(t, tag, body):
    """promtool check metrics on body, when promtool is installed."""
    promtool = shutil.which("promtool")
    if promtool is None:
        t.note("%s: promtool not installed, its check skipped (scripts/bootstrap --test "
               "installs prometheus)" % tag)
        return
    p = subprocess.run([promtool, "check", "metrics"], input=body, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    t.check(p.returncode == 0 and not p.stdout.strip(),
            "%s: promtool check metrics accepts it, with no complaint" % tag,
            got=(p.returncode, p.stdout.decode("utf-8", "replace")[:1000]))


def refreshes(addr):
    _, _, body = http_request(addr)
    v = prom_samples(parse_prometheus(body.decode())[0], "sockwatch_refreshes_total")
    return v[0] if v else None


def check_endpoints(t, addr):
    st, hd, body = http_request(addr)
    t.check_eq(st, 200, "GET /metrics: 200")
    t.check_eq(hd.get("content-type"), "text/plain; version=0.0.4; charset=utf-8",
               "GET /metrics: the text exposition's content type")
    try:
        samples, types = parse_prometheus(body.decode("utf-8"))
    except (ValueError, IndexError, UnicodeDecodeError) as e:
        t.fail("GET /metrics: the body parses as the exposition format", got=str(e))
        samples, types = [], {}
    t.check(all(n.startswith("sockwatch_") for n, _, _ in samples),
            "every sample is a sockwatch_ family", got=[n for n, _, _ in samples
                                                        if not n.startswith("sockwatch_")][:5])
    t.check_eq(types.get("sockwatch_refreshes_total"), "counter", "refreshes_total is a counter")
    t.check(len(prom_samples(samples, "sockwatch_process_sockets")) > 0,
            "per-process socket series are there")
    promtool_check(t, "GET /metrics", body)
    st, hd, gz = http_request(addr, headers={"Accept-Encoding": "gzip"})
    try:
        unzipped = gzip.decompress(gz) if hd.get("content-encoding") == "gzip" else b""
    except (OSError, EOFError):
        unzipped = b""
    t.check(st == 200 and unzipped.endswith(b"\n") and b"\nsockwatch_build_info{" in unzipped
            and "accept-encoding" in hd.get("vary", "").lower(),
            "Accept-Encoding: gzip: the page comes gzipped (Vary: Accept-Encoding), whole",
            got=(st, hd.get("content-encoding"), hd.get("vary"), len(gz)))
    for ae in ("identity", "gzip;q=0", "br"):
        st, hd, plain = http_request(addr, headers={"Accept-Encoding": ae})
        t.check(st == 200 and "content-encoding" not in hd and b"sockwatch_build_info{" in plain,
                "Accept-Encoding: %s: plain text" % ae, got=(st, hd.get("content-encoding")))
    st, hd, head_body = http_request(addr, "HEAD")
    t.check(st == 200 and head_body == b"", "HEAD /metrics: 200, no body", got=(st, head_body[:50]))
    st, _, _ = http_request(addr, path="/metrics?debug=1")
    t.check_eq(st, 200, "GET /metrics?debug=1: the query string is ignored")
    for method in ("POST", "PUT", "DELETE"):
        st, hd, _ = http_request(addr, method)
        t.check(st == 405 and "GET" in hd.get("allow", ""),
                "%s /metrics: 405 with Allow: GET, HEAD" % method, got=(st, hd.get("allow")))
    for path in ("/", "/metric", "/metrics/x", "/../../etc/passwd"):
        st, _, _ = http_request(addr, path=path)
        t.check_eq(st, 404, "GET %s: 404" % path)


def check_burst(t, proc, addr):
    """CLIENTS threads, each scraping in a loop for BURST_SECONDS."""
    host, port = addr.rsplit(":", 1)
    idle = []
    for _ in range(10):  # connections that never send a request
        s = socket.create_connection((host, int(port)), timeout=5)
        idle.append(s)
    st, _, _ = http_request(addr, timeout=5)
    t.check_eq(st, 200, "a scrape is answered while 10 idle connections are open")
    before = refreshes(addr)
    results = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    deadline = [0.0]

    def client():
        mine = []
        start.wait()
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline[0]:
                break
            try:
                st, hd, body = http_request(addr, timeout=20)
                whole = body.endswith(b"\n") and b"sockwatch_build_info{" in body
                mine.append((st, whole))
            except OSError as e:
                mine.append(("error", str(e)))
        with lock:
            results.extend(mine)
    deadline[0] = time.monotonic() + BURST_SECONDS
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    elapsed = time.monotonic() - t0
    after = refreshes(addr)
    for s in idle:
        s.close()
    bad = [r for r in results if r != (200, True)]
    t.note("burst: %d clients, %d scrapes in %.1f s, refreshes %s -> %s"
           % (CLIENTS, len(results), elapsed, before, after))
    t.check(len(results) >= CLIENTS and not bad,
            "every scrape of the burst is 200 and whole", got=(len(results), bad[:5]))
    t.check(proc.poll() is None, "sockwatch is still running after the burst", got=proc.poll())
    # At -d 0.2 a refresh loop that is never held up does ~5 a second (less the refresh
    # itself); 3 s of scraping held it up if it did not manage 5 in all.
    t.check(before is not None and after is not None and after - before >= 5,
            "the refresh loop kept going during the burst (5 or more refreshes)",
            got=(before, after, "%.1f s" % elapsed))


def check_usage_errors(t, addr):
    rc, out, err = t.sockwatch("--listen", addr, "-b", "-n", "1")
    t.check(rc == 2 and out == "" and len(err.strip().splitlines()) == 1
            and "Address already in use" in err and addr in err,
            "--listen on a busy address: one line naming it, exit 2", got=(rc, out[:100], err))
    for bad in ("nope", "127.0.0.1", "127.0.0.1:65536", "127.0.0.1:x", "[::1", "::1:80",
                "[]:80", "no.such.host.invalid:80"):
        rc, out, err = t.sockwatch("--listen", bad, "-b", "-n", "1")
        t.check(rc == 2 and out == "" and len(err.strip().splitlines()) == 1,
                "--listen %r: one line, exit 2" % bad, got=(rc, err))
    rc, out, err = t.sockwatch("--check", "--listen", "127.0.0.1:0")
    t.check(rc == 3 and out.startswith("SOCKWATCH UNKNOWN - --listen")
            and len(out.strip().splitlines()) == 1,
            "--check --listen: one UNKNOWN status line, exit 3", got=(rc, out, err))
    rc, out, err = t.sockwatch("-b", "--replace")
    t.check(rc == 2 and "--output-file" in err, "--replace without --output-file: exit 2",
            got=(rc, err))


def check_replace(t, fmt, complete):
    path = os.path.join(t.tmpdir, "out-%s.prom" % fmt)
    stop = threading.Event()
    seen = {"reads": 0, "missing": 0, "bad": [], "contents": set()}

    def reader():
        while not stop.is_set() and seen["reads"] < 200000:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                seen["missing"] += 1  # before the first refresh only (checked below)
                continue
            seen["reads"] += 1
            if not complete(data):
                seen["bad"].append(data[-200:])
            seen["contents"].add(hash(data))
    th = threading.Thread(target=reader)
    th.start()
    old = os.umask(0o022)
    try:
        rc, out, err = t.sockwatch("-b", "-o", fmt, "-n", "30", "-d", "0.05",
                                   "--output-file", path, "--replace", timeout=60)
    finally:
        os.umask(old)
        stop.set()
        th.join(30)
    tag = "--replace -o %s" % fmt
    t.check_eq(rc, 0, "%s: 30 refreshes, exit 0" % tag)
    t.note("%s: %d reads, %d distinct contents, %d before the file existed"
           % (tag, seen["reads"], len(seen["contents"]), seen["missing"]))
    t.check(seen["reads"] > 30 and not seen["bad"],
            "%s: the reader never saw an empty or partial file" % tag,
            got=(seen["reads"], seen["bad"][:2]))
    t.check(len(seen["contents"]) >= 2, "%s: the reader saw the file replaced" % tag,
            got=len(seen["contents"]))
    left = [n for n in os.listdir(t.tmpdir) if n.startswith(".out-%s" % fmt)]
    t.check_eq(left, [], "%s: no temporary file left beside it" % tag)
    t.check_eq(oct(os.stat(path).st_mode & 0o777), "0o644", "%s: mode 0644 under umask 022" % tag)
    with open(path, "rb") as f:
        t.check(complete(f.read()), "%s: the file holds the last refresh, whole" % tag)


def prom_complete(data):
    try:
        text = data.decode("utf-8")
        parse_prometheus(text)
    except (ValueError, IndexError, UnicodeDecodeError):
        return False
    return text.endswith("\n") and "\nsockwatch_build_info{" in text


def json_complete(data):
    if not data.endswith(b"\n") or data.count(b"\n") != 1:
        return False
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False


def check_replace_full_disk(t):
    """--replace on a full file system (a 4 KiB tmpfs made here, root only): one line
    on stderr, exit 1, no temporary file left, nothing half-written at PATH."""
    if os.geteuid() != 0:
        t.note("--replace on a full disk: needs root to mount a small tmpfs, skipped")
        return
    d = os.path.join(t.tmpdir, "full")
    os.mkdir(d)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "swtest", d],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    if p.returncode != 0:  # a container may forbid mounts: the rest still runs
        t.note("--replace on a full disk: cannot mount a tmpfs here, skipped: %s"
               % p.stdout.decode("utf-8", "replace").strip())
        return
    t.defer(lambda: subprocess.run(["umount", d], timeout=30), "umount " + d)
    path = os.path.join(d, "sockwatch.json")
    rc, out, err = t.sockwatch("-b", "-o", "json", "--view", "sockets", "--output-file", path,
                               "--replace")
    lines = [l for l in err.strip().splitlines() if path in l]  # not the visibility hints
    t.check(rc == 1 and len(lines) == 1 and "cannot write %s" % path in lines[0],
            "--replace on a full disk: one line naming the file, exit 1", got=(rc, err))
    t.check_eq(os.listdir(d), [], "--replace on a full disk: no file, no temporary file left")


def check_append(t):
    path = os.path.join(t.tmpdir, "log.jsonl")
    rc, _, _ = t.sockwatch("-b", "-o", "json", "-n", "30", "-d", "0.05", "--output-file", path,
                           timeout=60)
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    t.check(rc == 0 and len(lines) == 30, "--output-file without --replace appends: 30 lines",
            got=(rc, len(lines)))


def check_tui(t):
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap --test installs it)")
        return
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tui"))
    from tmuxdrv import Tmux
    # The TUI's screen hides the "serving" line; the port is chosen here. Another
    # program may take it between the two: then the TUI exits 2 and this says so.
    port = swtest.free_port()
    addr = "127.0.0.1:%d" % port
    tm = Tmux(t, "%s -d 0.3 --listen %s" % (t.sockwatch_path, addr))
    try:
        tm.wait(lambda s: "PID" in s and "SOCK" in s, "TUI with --listen: the processes view")
        tm.wait(lambda s: "serving metrics at http://%s/metrics" % addr in s,
                "TUI with --listen: the message line says where it serves")
        got = swtest.wait_for(lambda: refreshes_or_none(addr), 10.0)
        t.check(got is not None and got >= 1, "TUI with --listen: /metrics answers", got=got)
        later = swtest.wait_for(lambda: (refreshes_or_none(addr) or 0) > (got or 0), 10.0)
        t.check(later, "TUI with --listen: the metrics follow the TUI's refreshes")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "TUI with --listen: q quits with status 0")
    finally:
        tm.kill()


def refreshes_or_none(addr):
    try:
        return refreshes(addr)
    except OSError:
        return None


def main(t):
    w = t.workload("--conns", 5)
    proc, addr, errpath = swtest.start_exporter(t, "-b", "-n", "0", "-d", "0.2")
    t.note("sockwatch pid %d serving %s; workload pid %d" % (proc.pid, addr, w.pid))
    t.check(addr.startswith("127.0.0.1:") and not addr.endswith(":0"),
            "--listen 127.0.0.1:0 says the port it bound", got=addr)
    ok = swtest.wait_for(lambda: http_request(addr)[0] == 200, 10.0)
    t.check(ok, "/metrics answers 200 once the first refresh is done")
    check_endpoints(t, addr)
    check_burst(t, proc, addr)
    check_usage_errors(t, addr)
    t.stop(proc)
    t.check_eq(proc.returncode, 0, "the exporter exits 0 on SIGTERM")
    with open(errpath, errors="replace") as f:
        err = f.read()
    t.check("serving metrics at http://%s/metrics" % addr in err,
            "stderr says where it serves", got=err[:300])
    t.check_eq(os.path.getsize(errpath[:-len("stderr")] + "stdout"), 0,
               "-b --listen without -o: nothing on stdout")
    check_replace(t, "prometheus", prom_complete)
    check_replace(t, "json", json_complete)
    check_replace_full_disk(t)
    check_append(t)
    check_tui(t)


swtest.run(main, __doc__.splitlines()[0])
