#!/usr/bin/env python3
"""contrib/: the systemd unit, the Prometheus config and rules, the Grafana dashboard.

- promtool check config accepts contrib/prometheus/prometheus.yml (and its rule file),
  promtool check rules the rules, promtool test rules their tests;
- every query of contrib/grafana/sockwatch.json parses (as a recording rule that
  promtool checks, with the dashboard's variables filled in);
- every sockwatch_ metric the rules and the dashboard name is a family that
  `sockwatch -o prometheus` writes;
- the configured units (build/sockwatch.service, build/sockwatch-record.service) run
  the installed binary, their ExecStart options are ones sockwatch takes (run here
  for 2 refreshes on port 0, or recording into a file that then replays 2 records),
  and systemd-analyze verify accepts them (when systemd-analyze is installed);
- cmake --install into a temporary prefix installs the binary, the man page, the
  units and the examples.
Skipped (exit 77, saying so) without promtool.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CONTRIB = os.path.join(SRC, "contrib")


def run(t, argv, what, cwd=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                       timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    t.check(p.returncode == 0, what, got=(p.returncode, out[-1500:]))
    return out


def dashboard_exprs():
    with open(os.path.join(CONTRIB, "grafana", "sockwatch.json")) as f:
        dash = json.load(f)
    exprs = []
    for p in dash.get("panels", []):
        for tg in p.get("targets", []):
            exprs.append((p.get("title"), tg.get("expr")))
    return dash, exprs


def fill_variables(expr):
    """The dashboard's variables as Grafana would fill them: every instance, 1m."""
    return expr.replace("$instance", ".*").replace("$__rate_interval", "1m")


def rule_exprs():
    text = open(os.path.join(CONTRIB, "prometheus", "sockwatch.rules.yml")).read()
    return re.findall(r"^\s+expr:\s*(.+)$", text, re.M)


def check_prometheus_files(t, promtool):
    d = os.path.join(CONTRIB, "prometheus")
    run(t, [promtool, "check", "config", "prometheus.yml"],
        "promtool check config accepts prometheus.yml and its rule file", cwd=d)
    run(t, [promtool, "check", "rules", "sockwatch.rules.yml"],
        "promtool check rules accepts sockwatch.rules.yml", cwd=d)
    out = run(t, [promtool, "test", "rules", "sockwatch.rules.test.yml"],
              "promtool test rules: every case of sockwatch.rules.test.yml passes", cwd=d)
    t.check("SUCCESS" in out, "promtool test rules says SUCCESS", got=out[-300:])


def check_dashboard(t, promtool, families):
    dash, exprs = dashboard_exprs()
    t.check(len(exprs) >= 10 and all(e for _, e in exprs),
            "the dashboard has its queries", got=len(exprs))
    t.check_eq(dash.get("uid"), "sockwatch", "the dashboard's uid")
    rules = os.path.join(t.tmpdir, "dashboard.rules.yml")
    with open(rules, "w") as f:
        f.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, (_, e) in enumerate(exprs):
            f.write("      - record: dashboard:query_%d\n        expr: %s\n"
                    % (i, json.dumps(fill_variables(e))))
    run(t, [promtool, "check", "rules", rules], "every dashboard query parses (promtool)")
    named = set()
    for e in [e for _, e in exprs] + rule_exprs():
        named.update(re.findall(r"\bsockwatch_[a-z_]+", e))
    missing = sorted(n for n in named if n not in families)
    t.check(named and not missing,
            "every sockwatch_ metric the rules and the dashboard name is written", got=missing)


def check_unit(t, name="sockwatch.service"):
    unit = os.path.join(os.path.dirname(t.bindir), name)
    if not t.check(os.path.exists(unit), "the build configured %s" % name, got=unit):
        return
    text = open(unit).read()
    t.check("@CMAKE_" not in text,
            "the unit has no placeholder left", got=text[:300])
    m = re.search(r"^ExecStart=(.+)$", text, re.M)
    argv = shlex.split(m.group(1)) if m else []
    t.check(argv and os.path.isabs(argv[0]) and argv[0].endswith("/bin/sockwatch"),
            "ExecStart runs the installed sockwatch", got=argv[:1])
    if not argv:
        return
    # The unit's own options, on a free port or into a file of the test's, for 2
    # refreshes: sockwatch takes them.
    rec = os.path.join(t.tmpdir, "unit.rec")
    args = ["127.0.0.1:0" if a.startswith("127.0.0.1:") else
            rec if a.startswith("/var/lib/") else a for a in argv[1:]]
    rc, out, err = t.sockwatch(*(args + ["--iterations", "2", "--delay", "0.1"]))
    if "--record" in args:
        rrc, rout, _ = t.sockwatch("-b", "--replay", rec, "-o", "json")
        t.check(rc == 0 and out == "" and rrc == 0 and len(rout.splitlines()) == 2,
                "%s: its ExecStart options record 2 refreshes, stdout quiet" % name,
                got=(rc, err[-300:], rrc))
    else:
        t.check(rc == 0 and "serving metrics at http://127.0.0.1:" in err and out == "",
                "the unit's ExecStart options run (2 refreshes), stdout quiet",
                got=(rc, err[-300:]))
    sa = shutil.which("systemd-analyze")
    if sa is None:
        t.note("systemd-analyze not installed: the unit's systemd check skipped")
        return
    # verify wants the binary to exist: the built one stands in for the installed one.
    local = os.path.join(t.tmpdir, name)
    with open(local, "w") as f:
        f.write(text.replace(argv[0], t.sockwatch_path))
    run(t, [sa, "verify", "--man=no", local], "systemd-analyze verify accepts %s" % name)
    p = subprocess.run([sa, "security", "--offline=yes", local], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    line = [l for l in p.stdout.decode("utf-8", "replace").splitlines() if "exposure" in l]
    t.note("systemd-analyze security: %s" % (line[-1].strip() if line else "no rating"))


def check_install(t):
    build = os.path.dirname(t.bindir)
    prefix = os.path.join(t.tmpdir, "prefix")
    run(t, ["cmake", "--install", build, "--prefix", prefix],
        "cmake --install into a temporary prefix")
    want = ["bin/sockwatch", "share/man/man1/sockwatch.1", "lib/systemd/system/sockwatch.service",
            "lib/systemd/system/sockwatch-record.service",
            "share/doc/sockwatch/examples/sockwatch.rules.yml",
            "share/doc/sockwatch/examples/sockwatch.json"]
    missing = [w for w in want if not os.path.exists(os.path.join(prefix, w))]
    t.check(not missing, "cmake --install installs the binary, man page, unit and examples",
            got=missing)


def main(t):
    promtool = shutil.which("promtool")
    if promtool is None:
        t.skip("the contrib checks need promtool (Debian's prometheus package; "
               "scripts/bootstrap --test installs it)")
    rc, out, _ = t.sockwatch("-b", "-o", "prometheus")
    families = set(re.findall(r"^# TYPE (\S+) ", out, re.M))
    t.check(rc == 0 and len(families) > 20, "sockwatch -o prometheus lists its families",
            got=(rc, len(families)))
    check_prometheus_files(t, promtool)
    check_dashboard(t, promtool, families)
    check_unit(t)
    check_unit(t, "sockwatch-record.service")
    check_install(t)


swtest.run(main, __doc__.splitlines()[0])
