#!/usr/bin/env python3
"""Services from cgroups: each process's service, the top-level services, --service,
and a leak that only the service's total shows.

On the cgroup2 hierarchy (its mount found in /proc/self/mountinfo; in a hybrid layout
it is not /sys/fs/cgroup): system.slice (made only if absent, removed at the end only
if made here), system.slice/swt-PID.service and system.slice/docker-<64 hex>.scope.
1. One workload (--conns 5: 11 TCP sockets) moved into each, one left where it was:
   service {"kind": "systemd", "name": "swt-PID.service", "cgroup": "/system.slice/..."}
   and {"kind": "docker", "name": <first 12 hex>, ...}; `services` has an entry for
   each with processes 1, its pid, 11 sockets (all TCP), its fds and states, leak ok;
   --service NAME shows that service's process only. The workloads are moved back to
   their cgroup before the directories are removed.
2. Two workers in system.slice/swt-PID-leak.service, each opening 2 UDP sockets a
   second (tests/integration/sockgrow.py), with thresholds that each worker's rise
   stays under and the sum exceeds: the service's leak has reason growth (level not
   ok) at the last refresh, and neither worker is flagged growth at any refresh,
   while a lone control process rising as fast as both together is.
Needs root and a writable cgroup2 hierarchy; otherwise skipped. Every cgroup made
here is removed in every path (swtest's deferred cleanup, processes moved back
first), also those a killed earlier run left behind when they are empty.
"""
import hashlib
import os
import re
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get, is_number  # noqa: E402

CONNS = 5
SOCKETS = 1 + 2 * CONNS  # a workload's listener and both ends of its connections

# The leak (part 2). The leak history lives in one sockwatch process, so this is one
# batch run of N refreshes (separate runs would each start with an empty history and
# never fill a window); its last line is judged for the service, every line for the
# workers. Each worker opens RATE sockets a second on a schedule that never bursts, so
# over the WINDOW its count rises by at most RATE * WINDOW + 1 = 21, at 120/min. The
# detector compares the rise of the lower envelope (the floors of 6 parts of the
# window: 5/6 of it, ~33 for the sum of both) with GROWTH_MIN, and its slope (~240/min
# for the sum) with GROWTH_RATE: both separate a worker (21 < 25, 120 < 180) from the
# service (33 > 25, 240 > 180), with margin either way. DELAY 0.5 gives 20 samples a
# window (the detector needs 10); N = 40 lasts 20 s, the first 10 filling the window.
# The workers grow for MAX / RATE = 40 s, past the run's end: still rising at its
# last refresh.
RATE = 2
WINDOW = 10
GROWTH_MIN = 25
GROWTH_RATE = 180
DELAY = 0.5
N = 40
MAX = 80

STALE_SVC = re.compile(r"^swt-(\d+)(-leak)?\.service$")
STALE_SCOPE = re.compile(r"^docker-([0-9a-f]{8})[0-9a-f]{56}\.scope$")


def docker_id(pid):
    """64 hex digits: this run's pid, then a hash of it (so a stale one is recognised)."""
    return "%08x" % pid + hashlib.sha256(b"sockwatch-test-%d" % pid).hexdigest()[:56]


def sweep_stale(t, cg2):
    """Remove the empty cgroups of earlier runs that are gone (killed with SIGKILL)."""
    slice_dir = os.path.join(cg2, "system.slice")
    try:
        names = os.listdir(slice_dir)
    except FileNotFoundError:
        return
    for name in names:
        m, pid = STALE_SVC.match(name), None
        if m:
            pid = int(m.group(1))
        else:
            m = STALE_SCOPE.match(name)
            if m and name == "docker-%s.scope" % docker_id(int(m.group(1), 16)):
                pid = int(m.group(1), 16)
        if pid is None or pid == os.getpid() or swtest.pid_alive(pid):
            continue
        path = os.path.join(slice_dir, name)
        if swtest.cgroup_pids(path):
            t.note("%s, left by an earlier run, still holds %s: left alone"
                   % (path, swtest.cgroup_pids(path)))
        elif swtest._rmdir(path):
            t.note("removed %s, left by an earlier run" % path)


def start_grower(t, k, rate=RATE, most=MAX):
    ready = os.path.join(t.tmpdir, "sockgrow.%d.ready" % k)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sockgrow.py")
    proc = t.popen([sys.executable, script, ready, "--rate", str(rate), "--max", str(most)],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if not swtest.wait_for(lambda: os.path.exists(ready) or proc.poll() is not None, 30):
        raise RuntimeError("sockgrow.py not ready after 30 s")
    if proc.poll() is not None:
        raise RuntimeError("sockgrow.py exited with %s before it was ready" % proc.returncode)
    return proc


def socket_fds(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def find_service(snap, kind, name):
    return [s for s in (snap or {}).get("services") or []
            if isinstance(s, dict) and s.get("kind") == kind and s.get("name") == name]


def in_cgroup(t, pid, rel, what):
    got = swtest.proc_cgroup2(pid)
    t.check_eq(got, "/" + rel, "setup: %s (pid %d) in cgroup2 %s" % (what, pid, rel))
    return got


SERVICE_KEYS = ["kind", "name", "cgroup", "processes", "pids", "sockets", "fds", "tcp", "udp",
                "unix", "other", "dead", "states", "traffic", "partial", "leak"]


def check_service_entry(t, snap, tag, kind, name, w):
    """One workload alone in its service: the entry adds up to that process."""
    rows = find_service(snap, kind, name)
    if not t.check(len(rows) == 1, "%s: one services entry %s %s" % (tag, kind, name),
                   got=[(s.get("kind"), s.get("name")) for s in (snap or {}).get("services")
                        or []] if isinstance(snap, dict) and "services" in snap
                   else "no services key"):
        return
    s, p = rows[0], find_process(snap, w.pid) or {}
    t.check_eq(sorted(s), sorted(SERVICE_KEYS), "%s: %s's keys" % (tag, name))
    t.check_eq(s.get("processes"), 1, "%s: %s processes" % (tag, name))
    t.check_eq(s.get("pids"), [w.pid], "%s: %s pids" % (tag, name))
    t.check_eq(s.get("sockets"), SOCKETS, "%s: %s sockets" % (tag, name))
    t.check_eq(s.get("tcp"), SOCKETS, "%s: %s tcp" % (tag, name))
    t.check_eq([s.get("udp"), s.get("unix"), s.get("other")], [0, 0, 0],
               "%s: %s [udp, unix, other]" % (tag, name))
    t.check(is_number(s.get("fds")) and s.get("fds") == p.get("fds"),
            "%s: %s fds == its process's fds (%s)" % (tag, name, p.get("fds")), got=s.get("fds"))
    t.check_eq([get(s, "states", "established"), get(s, "states", "listen")], [2 * CONNS, 1],
               "%s: %s states [established, listen]" % (tag, name))
    t.check_eq(s.get("states"), p.get("states"), "%s: %s states == its process's" % (tag, name))
    t.check_eq(get(s, "leak", "level"), "ok", "%s: %s leak level" % (tag, name))
    t.check_eq(get(s, "leak", "reasons"), [], "%s: %s leak reasons" % (tag, name))


def check_only_service(t, name, w, others):
    tag = "--service %s" % name
    rc, snaps, out, err = t.sockwatch_json("--service", name)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    if not t.check(snaps is not None and len(snaps) == 1, "%s: one JSON object" % tag,
                   got=(out[:200], err.strip()[:300])):
        return
    pids = sorted(p.get("pid") for p in snaps[0].get("processes") or [])
    t.check_eq(pids, [w.pid], "%s: the pids of processes (not %s)"
               % (tag, ", ".join(str(o.pid) for o in others)))


def check_no_service(t, name):
    """--service that no process is in: an empty result, one line saying so, status 0."""
    tag = "--service %s" % name
    rc, snaps, out, err = t.sockwatch_json("--service", name)
    t.check_eq(rc, 0, "%s: exit status" % tag)
    t.check(snaps is not None and len(snaps) == 1 and not snaps[0].get("processes")
            and not snaps[0].get("services"), "%s: no processes, no services" % tag,
            got=out[:200])
    lines = [line for line in err.splitlines() if name in line]
    t.check(len(lines) == 1, "%s: one line on stderr names it" % tag, got=err)


def part_services(t):
    me = os.getpid()
    svc = "swt-%d.service" % me
    hexid = docker_id(me)
    scope = "docker-%s.scope" % hexid
    rel = {"systemd": "system.slice/" + svc, "docker": "system.slice/" + scope}
    for r in rel.values():
        t.check(t.cgroup(r), "setup: made cgroup %s" % r)
    wa, wb = t.workload("--conns", CONNS), t.workload("--conns", CONNS)
    wc = t.workload("--conns", CONNS)  # stays where it is
    origin = {w.pid: swtest.proc_cgroup2(w.pid) for w in (wa, wb)}
    t.move_to_cgroup(wa.pid, rel["systemd"])
    t.move_to_cgroup(wb.pid, rel["docker"])
    path_a = in_cgroup(t, wa.pid, rel["systemd"], "workload a")
    path_b = in_cgroup(t, wb.pid, rel["docker"], "workload b")
    t.note("workload %d in %s, %d in %s, %d in %s" % (wa.pid, path_a, wb.pid, path_b, wc.pid,
                                                      swtest.proc_cgroup2(wc.pid)))

    tag = "one workload per service"
    rc, snaps, out, err = t.sockwatch_json()
    t.check_eq(rc, 0, "%s: exit status" % tag)
    if t.check(snaps is not None and len(snaps) == 1, "%s: one JSON object" % tag, got=out[:300]):
        snap = snaps[0]
        pa, pb = find_process(snap, wa.pid), find_process(snap, wb.pid)
        t.check_eq(get(pa, "service"), {"kind": "systemd", "name": svc, "cgroup": path_a},
                   "%s: service of pid %d" % (tag, wa.pid))
        t.check_eq(get(pb, "service"), {"kind": "docker", "name": hexid[:12], "cgroup": path_b},
                   "%s: service of pid %d" % (tag, wb.pid))
        pc = find_process(snap, wc.pid)
        t.check(isinstance(pc, dict) and "service" in pc
                and get(pc, "service", "name") not in (svc, hexid[:12]),
                "%s: pid %d (not moved) has a service key, not one of these" % (tag, wc.pid),
                got=get(pc, "service") if isinstance(pc, dict) and "service" in pc
                else "no service key")
        check_service_entry(t, snap, tag, "systemd", svc, wa)
        check_service_entry(t, snap, tag, "docker", hexid[:12], wb)
    check_only_service(t, svc, wa, (wb, wc))
    check_only_service(t, hexid[:12], wb, (wa, wc))
    check_no_service(t, "swt-%d-nosuch.service" % me)

    # Back where they came from before the directories go (cleanup does it too).
    for w in (wa, wb):
        t.cgroup_restore(w.pid)
        t.check_eq(swtest.proc_cgroup2(w.pid), origin[w.pid],
                   "pid %d moved back to its cgroup" % w.pid)
    for r in rel.values():
        t.cgroup_remove(r)
        t.check(not os.path.exists(os.path.join(swtest.cgroup2_root(), r)),
                "cgroup %s removed" % r)
    for w in (wa, wb, wc):
        t.stop(w)


def part_leak(t):
    me = os.getpid()
    svc = "swt-%d-leak.service" % me
    rel = "system.slice/" + svc
    t.check(t.cgroup(rel), "setup: made cgroup %s" % rel)
    workers = [start_grower(t, k) for k in (1, 2)]
    pids = sorted(w.pid for w in workers)
    # The control: one process alone, outside the service, rising as fast as the two
    # workers together. The thresholds must flag it (today's per-process detector),
    # so that the service's verdict below is about adding up, not about the numbers.
    control = start_grower(t, 3, rate=2 * RATE, most=2 * MAX).pid
    for pid in pids:
        t.move_to_cgroup(pid, rel)
        in_cgroup(t, pid, rel, "worker")
    for pid in pids + [control]:
        os.kill(pid, signal.SIGUSR1)
    # Listed from the first refresh on: sockwatch lists processes that hold sockets.
    t.check(swtest.wait_for(lambda: all(socket_fds(p) >= 1 for p in pids + [control]), 10),
            "setup: both workers and the control hold their first socket")
    t.note("workers %s in %s: %d sockets a second each; sockwatch -n %d -d %g --window %d "
           "--growth-min %d --growth-rate %d" % (pids, rel, RATE, N, DELAY, WINDOW, GROWTH_MIN,
                                                 GROWTH_RATE))
    rc, out, err = t.sockwatch("-b", "-o", "json", "-n", N, "-d", DELAY, "--window", WINDOW,
                               "--growth-min", GROWTH_MIN, "--growth-rate", GROWTH_RATE,
                               timeout=N * DELAY + 60)
    held = {p: socket_fds(p) for p in pids}
    t.check(all(RATE * N * DELAY * 0.8 <= n <= MAX for n in held.values()),
            "setup: each worker grew to about %d sockets over the run" % (RATE * N * DELAY),
            got=held)
    t.check_eq(rc, 0, "leak run: exit status")
    snaps = swtest.parse_json_lines(out) or []
    t.check_eq(len(snaps), N, "leak run: JSON snapshots")
    if err.strip():
        t.note("stderr: %s" % err.strip()[:500])
    if not snaps:
        return

    # The workers: never flagged growth (their own rise is under both thresholds), yet
    # their growth is measured (so the thresholds, not blindness, keep them unflagged).
    for pid in pids:
        leaks = [get(find_process(s, pid), "leak") for s in snaps]
        bad = [(i + 1, lk) for i, lk in enumerate(leaks)
               if "growth" in (get(lk, "reasons") or [])]
        t.check(not bad, "worker %d: no growth at any of %d refreshes" % (pid, len(snaps)),
                got=bad[:2])
        rate = get(leaks[-1], "growth_per_min")
        t.check(is_number(rate) and abs(rate - 60 * RATE) <= 0.3 * 60 * RATE,
                "worker %d: growth_per_min at the last refresh within 30%% of %d"
                % (pid, 60 * RATE), got=rate)
        t.check_eq(get(find_process(snaps[-1], pid), "service", "name"), svc,
                   "worker %d: service name" % pid)

    lk = get(find_process(snaps[-1], control), "leak")
    t.check("growth" in (get(lk, "reasons") or []),
            "control %d (alone, %d sockets a second): growth at the last refresh"
            % (control, 2 * RATE), got=lk)
    first = next((i for i, sn in enumerate(snaps)
                  if "growth" in (get(find_process(sn, control), "leak", "reasons") or [])), None)
    if first is not None:
        t.note("control flagged growth from refresh %d of %d" % (first + 1, len(snaps)))

    # The service: its total rises past both thresholds.
    last = snaps[-1]
    rows = find_service(last, "systemd", svc)
    if not t.check(len(rows) == 1, "last refresh: one services entry systemd %s" % svc,
                   got=[(s.get("kind"), s.get("name")) for s in last.get("services") or []]
                   if "services" in last else "no services key"):
        return
    s = rows[0]
    t.check_eq(s.get("processes"), 2, "last refresh: %s processes" % svc)
    t.check_eq(s.get("pids"), pids, "last refresh: %s pids" % svc)
    want = sum(get(find_process(last, p), "sockets") or 0 for p in pids)
    t.check_eq(s.get("sockets"), want, "last refresh: %s sockets (the workers' sum)" % svc)
    # The same sums as its processes'; a socket opened between the dump and the /proc scan
    # is "other" for that refresh, in the process's counts and the service's alike.
    for key in ("udp", "other"):
        t.check_eq(s.get(key), sum(get(find_process(last, p), key) or 0 for p in pids),
                   "last refresh: %s %s (the workers' sum)" % (svc, key))
    t.check_eq((s.get("udp") or 0) + (s.get("other") or 0), want,
               "last refresh: %s udp + other == sockets" % svc)
    lk = s.get("leak")
    t.check("growth" in (get(lk, "reasons") or []),
            "last refresh: %s leak reasons has growth" % svc, got=lk)
    t.check(get(lk, "level") in ("warning", "critical"),
            "last refresh: %s leak level warning or critical (not ok)" % svc, got=lk)
    rate = get(lk, "growth_per_min")
    t.check(is_number(rate) and abs(rate - 120 * RATE) <= 0.3 * 120 * RATE,
            "last refresh: %s growth_per_min within 30%% of %d" % (svc, 120 * RATE), got=rate)
    first = next((i for i, sn in enumerate(snaps)
                  if "growth" in (get(find_service(sn, "systemd", svc), 0, "leak", "reasons")
                                  or [])), None)
    if first is not None:
        t.note("service flagged growth from refresh %d of %d" % (first + 1, len(snaps)))


def main(t):
    if os.geteuid() != 0:
        t.skip("not running as root: cannot create cgroups or move processes")
    cg2 = swtest.cgroup2_root()
    if cg2 is None:
        t.skip("no cgroup2 hierarchy mounted (no cgroup2 line in /proc/self/mountinfo)")
    if not os.access(os.path.join(cg2, "cgroup.procs"), os.W_OK):
        t.skip("the cgroup2 hierarchy at %s is not writable" % cg2)
    t.note("cgroup2 at %s" % cg2)
    sweep_stale(t, cg2)
    try:
        made = t.cgroup("system.slice")
    except OSError as e:
        t.skip("cannot create cgroups under %s: %s" % (cg2, e))
    t.note("%s/system.slice %s" % (cg2, "made here" if made else "exists: left as it is"))
    part_services(t)
    part_leak(t)


swtest.run(main, __doc__)
