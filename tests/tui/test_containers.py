"""The TUI across network namespaces and services, driven in tmux (root).

A namespace swt-PID-t (ip netns add) holds one workload with a listener on 8080 and
3 connections; a second workload on the host is moved into the cgroup
/swt-PID-tui.service of the cgroup2 hierarchy. Then, in the interactive view:
- the processes view has the NETNS column (two namespaces are shown) and names the
  namespace's workload's namespace, and the SERVICE column names the unit;
- 2, the listen view: the 8080 listener with its namespace's name;
- 5, the services view: the unit with 1 process; Enter lists its processes (the
  moved workload only, "processes of swt-PID-tui.service"); Esc goes back to it;
- S groups back to the processes view; q quits with status 0.
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402


def main(t):
    if os.geteuid() != 0:
        t.skip("needs root (ip netns add, cgroup2)")
    if shutil.which("ip") is None or swtest.cgroup2_root() is None:
        t.skip("needs ip (iproute2) and a writable cgroup2 hierarchy")
    if shutil.which("tmux") is None:
        t.fail("tmux is installed (scripts/bootstrap installs it)")
        return
    me = os.getpid()
    ns = "swt-%d-t" % me
    unit = "swt-%d-tui.service" % me
    t.netns(ns)
    inside = t.workload("--listen-port", 8080, "--conns", 3, prefix=("ip", "netns", "exec", ns))
    host = t.workload("--conns", 2)
    t.check(t.cgroup(unit), "setup: made cgroup /%s" % unit)
    t.move_to_cgroup(host.pid, unit)
    t.check_eq(swtest.proc_cgroup2(host.pid), "/" + unit, "setup: workload %d in /%s"
               % (host.pid, unit))

    # --numeric: 8080 is "http-alt" in /etc/services, and this test is about namespaces.
    tm = Tmux(t, "%s -d 0.5 --numeric -p %d,%d" % (t.sockwatch_path, inside.pid, host.pid),
              w=200, h=40)
    try:
        # The cells are as wide as their columns (NETNS 12, SERVICE 20), a cut one ends in a mark.
        tm.wait(lambda s: "NETNS" in s and "SERVICE" in s and ns[:11] in s and unit[:19] in s,
                "processes view: NETNS and SERVICE columns, the namespace and the unit")
        tm.keys("2")
        tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s and "127.0.0.1:8080" in s and ns[:11] in s,
                "2: the 8080 listener, in its namespace")
        tm.keys("5")
        tm.wait(lambda s: "KIND" in s and "PROCS" in s and unit in s,
                "5: the services view lists the unit")
        tm.keys("Home")
        for row in range(2):  # the unit is one of the two services shown
            tm.keys("Enter")
            screen = tm.wait(lambda s: "> processes of " in s, "row %d: Enter lists the "
                             "processes of a service" % (row + 1))
            if "> processes of %s" % unit in screen:
                break
            tm.keys("Escape")
            tm.wait(lambda s: "> processes of " not in s, "Esc: back to the services")
            tm.keys("Down")
        screen = tm.wait(lambda s: "> processes of %s" % unit in s and str(host.pid) in s,
                         "Enter: the unit's processes")
        t.check(str(inside.pid) not in screen.split("> processes of")[1],
                "the namespace's workload is not one of the unit's processes",
                got=screen)
        tm.keys("Escape")
        tm.wait(lambda s: "KIND" in s and "PROCS" in s, "Esc: back to the services view")
        tm.keys("S")
        tm.wait(lambda s: "PID USER" in s and str(inside.pid) in s and str(host.pid) in s,
                "S: back to the processes view, both processes")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "q quits with status 0")
    finally:
        tm.kill()
    t.cgroup_restore(host.pid)


swtest.run(main, __doc__)
