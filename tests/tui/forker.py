"""A server shaped like nginx for the TUI tests: a master that listens and forks workers.

Usage: forker.py [WORKERS [UID]]. Prints one JSON line {"master": pid, "workers": [pids], "port": N} once every worker
runs, then waits for its stdin to close; then it ends its workers (by pid) and exits.
A worker whose master is gone exits by itself within a second.
"""

import json
import os
import select
import signal
import socket
import sys
import time


def worker(ls, master):
    ls.settimeout(0.2)
    while os.getppid() == master:
        try:
            c, _ = ls.accept()
            c.close()
        except OSError:
            pass
    os._exit(0)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if len(sys.argv) > 2:  # run as this uid (the interpreter may not be readable by it)
        uid = int(sys.argv[2])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    me = os.getpid()
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            worker(ls, me)
        kids.append(pid)
    sys.stdout.write(json.dumps({"master": me, "workers": kids,
                                 "port": ls.getsockname()[1]}) + "\n")
    sys.stdout.flush()
    deadline = time.monotonic() + 300  # bounded, whatever the test does
    while time.monotonic() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.buffer.read1(4096):
            break
    for pid in kids:
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except OSError:
            pass


if __name__ == "__main__":
    main()
