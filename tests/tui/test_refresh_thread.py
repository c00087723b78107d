#!/usr/bin/env python3
"""Keys are answered while a refresh hangs: collection runs on a thread of its own.

A refresh can take longer than the interval (a million sockets), or hang: reading
/proc/PID/cmdline of a process whose memory map is locked blocks, as every top-like
tool knows. Here a real hang: in a private mount namespace (unshare -m), a FIFO is
bind-mounted over /proc/PID/stat of a child that opens one more file every 50 ms
(so that no refresh takes it from the scanner's cache), and each refresh blocks
reading the FIFO until the test writes that process's real stat line into it.

  1. before the first refresh is in, the screen says what its dump found (Sockets N,
     TCP states: the dump comes before /proc), marked as such; a key typed then
     waits for it (2: the listen view), as typed ahead; one stat line lets the first
     refresh finish, and the listen view shows;
  2. with the next refresh hanging, five view switches are each answered within
     1.5 s and the header's time does not move (no refresh came in): before the
     collection thread, the first key waited for the refresh, for ever;
  3. another stat line: the hung refresh finishes, and the header says how long it
     took (seconds, where the first took milliseconds);
  4. q while a refresh hangs: sockwatch exits with status 0 (the thread is left to
     the exit);
  5. (no hang) z pauses: [PAUSED], and over 1.5 s no refresh comes in and sockwatch
     takes under 0.15 s of CPU (a refresh done meanwhile waits, unpolled); z again:
     refreshes come back.
"""

import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from tmuxdrv import Tmux  # noqa: E402

VIEWS = [("4", "REMOTE"), ("3", "DIR"), ("5", "SERVICE"), ("1", "CLOSE_WAIT"),
         ("2", "LOCAL ADDRESS:PORT")]


def header_time(screen):
    m = re.match(r"sockwatch \S+\s+(\d\d:\d\d:\d\d)", screen)
    return m.group(1) if m else None


def hung_in_fifo(exe):
    """Whether the sockwatch of this test (the one in another mount namespace) has a
    thread blocked reading a pipe: the FIFO over /proc/PID/stat."""
    mine = os.readlink("/proc/self/ns/mnt")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if (os.path.realpath("/proc/%s/exe" % pid) != exe
                    or os.readlink("/proc/%s/ns/mnt" % pid) == mine):
                continue
            for tid in os.listdir("/proc/%s/task" % pid):
                with open("/proc/%s/task/%s/wchan" % (pid, tid)) as f:
                    if "pipe_read" in f.read():
                        return True
        except OSError:
            continue
    return False


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_of(ppid):
    """The first process whose parent is ppid, or None."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                    return int(pid)
        except (OSError, ValueError, IndexError):
            continue
    return None


def paused(t):
    tm = Tmux(t, "%s -d 0.2" % t.sockwatch_path, w=160, h=40)
    try:
        s = tm.wait(lambda s: header_time(s) is not None and "refresh" in s.splitlines()[0],
                    "5: the first refresh is in")
        shell = int(tm.run("display-message", "-p", "-t", "sw", "#{pane_pid}").strip())
        pid = swtest.wait_for(lambda: child_of(shell), 5.0)
        tm.keys("z")
        s = tm.wait(lambda s: "[PAUSED]" in s.splitlines()[0], "5: z: the header says [PAUSED]")
        head, c0 = s.splitlines()[0], cpu_seconds(pid) if pid else 0
        time.sleep(1.5)  # the length of the pause looked at, not a wait for something
        s = tm.screen()
        used = cpu_seconds(pid) - c0 if pid else None
        t.check(s.splitlines()[0] == head, "5: paused, no refresh comes in over 1.5 s",
                got=(head, s.splitlines()[0]))
        t.check(used is not None and used < 0.15, "5: paused, under 0.15 s of CPU in 1.5 s",
                got=used)
        tm.keys("z")
        tm.wait(lambda s: "[PAUSED]" not in s.splitlines()[0] and s.splitlines()[0] != head,
                "5: z again: refreshes come back")
        tm.keys("q")
        t.check_eq(tm.exit_status(), "0", "5: q quits with status 0")
    finally:
        tm.kill()


def main(t):
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        t.skip("needs unshare and root (a bind mount over /proc in a mount namespace)")
    # Bounded: 2,400 files over 2 minutes at most.
    sleeper = t.popen([sys.executable, "-c", "import os, time\n"
                       "for i in range(2400):\n"
                       "    os.open('/dev/null', os.O_RDONLY)\n"
                       "    time.sleep(0.05)\n"])
    with open("/proc/%d/stat" % sleeper.pid, "rb") as f:
        stat = f.read()
    fifo = os.path.join(t.tmpdir, "stat.fifo")
    os.mkfifo(fifo)
    # Read and write: opening never blocks, and the reader's open() finds a writer.
    wfd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    t.defer(lambda: os.close(wfd), "close the FIFO")
    bind = "mount --bind %s /proc/%d/stat && exec" % (fifo, sleeper.pid)
    cmd = "%s -m --propagation private sh -c '%s \"$@\"' sh %s -d 0.3" % (
        unshare, bind, t.sockwatch_path)
    tm = Tmux(t, cmd, w=160, h=40)
    try:
        exe = os.path.realpath(t.sockwatch_path)
        # 1. The first refresh hangs: what its dump found, and keys wait.
        t.check(swtest.wait_for(lambda: hung_in_fifo(exe), 8.0),
                "1: the first refresh is blocked reading the FIFO")
        tm.wait(lambda s: re.search(r"Sockets [1-9]\d*", s) and "reading the processes" in s
                and "TCP estab" in s, "1: meanwhile, the dump's totals, marked")
        tm.keys("2")
        s = tm.screen()
        t.check("reading the processes" in s and "LOCAL ADDRESS:PORT" not in s,
                "1: a view key before the first refresh waits for it", got=s[:200])
        os.write(wfd, stat)
        s = tm.wait(lambda s: "LOCAL ADDRESS:PORT" in s and header_time(s) is not None,
                    "1: one stat line: the first refresh is in, in the view typed ahead")
        # 2. The next refresh hangs now (0.3 s later): keys are answered all the same.
        t.check(swtest.wait_for(lambda: hung_in_fifo(exe), 8.0),
                "2: the next refresh is blocked reading the FIFO")
        hung_at = time.monotonic()
        # The header of the refresh before the hung one (a refresh that started late
        # may find every process in the scanner's cache and not hang): two captures
        # alike, as the one taken last may still be being drawn.
        heads = []
        s = tm.wait(lambda s: heads.append(s.splitlines()[0]) or heads[-2:] == heads[-1:] * 2,
                    "2: the header of the last refresh in")
        first = header_time(s)
        cost = re.search(r"refresh \d+ms", s)
        t.check(cost is not None, "2: the refresh before the hung one took milliseconds",
                got=s[:200])
        for key, title in VIEWS:
            t0 = time.monotonic()
            tm.keys(key)
            s = tm.wait(lambda s, title=title: title in s.splitlines()[4] if len(
                s.splitlines()) > 4 else False,
                "2: key %s answered while the refresh hangs" % key, timeout=1.5)
            t.note("key %s: %.0f ms" % (key, (time.monotonic() - t0) * 1e3))
        s = tm.screen()
        t.check(header_time(s) == first and cost is not None and cost.group(0) in s,
                "2: no refresh came in meanwhile", got=s[:200])
        # 3. Let the hung refresh end after 1.5 s (not a wait for something: the hang's
        # length): it shows, with what it took.
        time.sleep(max(0.0, 1.5 - (time.monotonic() - hung_at)))
        os.write(wfd, stat)
        tm.wait(lambda s: re.search(r"refresh \d+\.\ds", s.splitlines()[0]) is not None,
                "3: one more stat line: the hung refresh is in, it took seconds")
        # 4. q while the next one hangs.
        t.check(swtest.wait_for(lambda: hung_in_fifo(exe), 8.0),
                "4: the refresh after it is blocked too")
        tm.keys("q")
        t.check_eq(tm.exit_status(timeout=5), "0", "4: q while a refresh hangs: exit status 0")
    finally:
        tm.kill()
    paused(t)


swtest.run(main, __doc__.splitlines()[0])
