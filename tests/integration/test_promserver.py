#!/usr/bin/env python3
"""A real Prometheus server scrapes sockwatch --listen and sees a leak.

Debian's prometheus (the server; scripts/bootstrap --test installs it) is started on
127.0.0.1 with a 1 s scrape interval and a temporary storage path, scraping
`sockwatch --listen 127.0.0.1:PORT -b -n 0 -d 1 --window 10 --growth-min 10`. A leaker
opening 5 sockets a second runs beside it. Through Prometheus's HTTP API
(/api/v1/query):
- up{job="sockwatch"} is 1 (the scrape works, the exposition parses);
- the leaker's sockwatch_process_sockets series rises by 20 or more;
- its sockwatch_process_leak_level becomes non-zero and
  sockwatch_process_leak_reason{reason="growth"} appears; its growth rate is positive;
- sockwatch_refreshes_total rises (the health series are there).
Every query of the Grafana dashboard (contrib/grafana) runs there, and its leak panels
show the leaker. promtool check metrics accepts a scrape. Skipped (exit 77, saying so) when prometheus
or promtool is not installed.
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import start_leaker  # noqa: E402

LEAK_RATE = 5
DEADLINE = 90.0  # for each condition seen through Prometheus


def query(prom, expr):
    """The instant vector of expr: a list of (labels, float); [] on any error."""
    url = "http://%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": expr}))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
    except (OSError, ValueError):
        return []
    if doc.get("status") != "success":
        return []
    return [(e["metric"], float(e["value"][1])) for e in doc["data"]["result"]]


def query_error(prom, expr):
    """None when Prometheus evaluates expr, else its error (or the HTTP error)."""
    url = "http://%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": expr}))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e).get("error", str(e))
        except ValueError:
            return str(e)
    except (OSError, ValueError) as e:
        return str(e)
    return None if doc.get("status") == "success" else doc.get("error", "failed")


def check_dashboard(t, prom):
    """Every query of contrib/grafana/sockwatch.json runs on this Prometheus, and the
    ones of the leak panels find the leaker."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib",
                        "grafana", "sockwatch.json")
    with open(path) as f:
        dash = json.load(f)
    bad, empty = [], []
    for p in dash["panels"]:
        for tg in p["targets"]:
            expr = tg["expr"].replace("$instance", ".*").replace("$__rate_interval", "1m")
            err = query_error(prom, expr)
            if err is not None:
                bad.append((p["title"], err))
            elif not query(prom, expr):
                empty.append(p["title"])
    t.check(not bad, "every dashboard query runs on Prometheus", got=bad)
    t.note("dashboard panels with no data now (nothing to show on this machine): %s"
           % (", ".join(empty) or "none"))
    for title in ("Socket growth of flagged processes", "Leaking processes",
                  "Top 10 processes by sockets"):
        t.check(title not in empty, "dashboard panel %r shows the leak" % title)
    flagged = [tg["expr"] for p in dash["panels"] if p["title"] == "Processes flagged leaking"
               for tg in p["targets"]]
    v = first_value(prom, flagged[0].replace("$instance", ".*")) if flagged else None
    t.check(v is not None and v >= 1, "dashboard: 'Processes flagged leaking' counts it", got=v)


def first_value(prom, expr):
    r = query(prom, expr)
    return r[0][1] if r else None


def main(t):
    server, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if server is None or promtool is None:
        t.skip("the Prometheus server test needs prometheus and promtool (Debian's "
               "prometheus package; scripts/bootstrap --test installs it)")
    _, leaker = start_leaker(t, "--leak", LEAK_RATE)
    sw, addr, _ = swtest.start_exporter(t, "-b", "-n", "0", "-d", "1", "--window", "10",
                                        "--growth-min", "10")
    t.note("sockwatch pid %d at %s, leaker pid %d" % (sw.pid, addr, leaker))

    # Until its first refresh is done the exporter answers 503 (a loaded machine: a while).
    got = swtest.wait_for(lambda: (lambda r: r if r[0] == 200 else None)(swtest.http_request(addr)),
                          15.0, interval=0.1)
    st, _, body = got if got else swtest.http_request(addr)
    p = subprocess.run([promtool, "check", "metrics"], input=body, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    t.check(st == 200 and p.returncode == 0 and not p.stdout.strip(),
            "promtool check metrics accepts a scrape, with no complaint",
            got=(st, p.returncode, p.stdout.decode("utf-8", "replace")[:800]))

    cfg = os.path.join(t.tmpdir, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: sockwatch\n"
                "    static_configs:\n      - targets: ['%s']\n" % addr)
    prom = "127.0.0.1:%d" % swtest.free_port()
    log = open(os.path.join(t.tmpdir, "prometheus.log"), "wb")
    proc = t.popen([server, "--config.file=" + cfg,
                    "--storage.tsdb.path=" + os.path.join(t.tmpdir, "tsdb"),
                    "--web.listen-address=" + prom, "--log.level=warn"],
                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=t.tmpdir)
    log.close()

    def ready():
        try:
            with urllib.request.urlopen("http://%s/-/ready" % prom, timeout=2) as r:
                return r.status == 200
        except OSError:
            return proc.poll() is not None
    swtest.wait_for(ready, 60.0, interval=0.2)
    if not t.check(proc.poll() is None, "prometheus started on %s" % prom, got=proc.poll()):
        with open(os.path.join(t.tmpdir, "prometheus.log"), errors="replace") as f:
            t.note(f.read()[-2000:])
        return

    up = swtest.wait_for(lambda: first_value(prom, 'up{job="sockwatch"}') == 1, DEADLINE, 0.5)
    t.check(up, 'Prometheus: up{job="sockwatch"} is 1', got=query(prom, "up"))

    sel = '{job="sockwatch",pid="%d"}' % leaker
    first = swtest.wait_for(lambda: first_value(prom, "sockwatch_process_sockets" + sel),
                            DEADLINE, 0.5)
    t.check(first is not None, "Prometheus has the leaker's sockwatch_process_sockets series")
    rise = swtest.wait_for(
        lambda: (first_value(prom, "sockwatch_process_sockets" + sel) or 0) >= (first or 0) + 20,
        DEADLINE, 0.5)
    t.check(rise, "the leaker's socket series rises by 20 or more",
            got=(first, first_value(prom, "sockwatch_process_sockets" + sel)))
    level = swtest.wait_for(
        lambda: (first_value(prom, "sockwatch_process_leak_level" + sel) or 0) > 0, DEADLINE, 0.5)
    t.check(level, "the leaker's sockwatch_process_leak_level becomes non-zero",
            got=query(prom, "sockwatch_process_leak_level" + sel))
    reasons = [m.get("reason") for m, v in query(prom, "sockwatch_process_leak_reason" + sel)]
    t.check("growth" in reasons, 'sockwatch_process_leak_reason{reason="growth"} for the leaker',
            got=reasons)
    g = first_value(prom, "sockwatch_process_socket_growth_per_second" + sel)
    t.check(g is not None and g > 0, "the leaker's growth rate is positive", got=g)
    r = first_value(prom, 'increase(sockwatch_refreshes_total{job="sockwatch"}[1m])')
    t.check(r is not None and r > 0, "sockwatch_refreshes_total rises in Prometheus", got=r)
    check_dashboard(t, prom)
    t.check(sw.poll() is None, "sockwatch still runs", got=sw.poll())


swtest.run(main, __doc__.splitlines()[0])
