"""A worker whose socket count rises at a fixed pace, for the service leak test.

    python3 sockgrow.py READY --rate R --max M [--safety S]

Writes {"pid": PID} to READY (atomically) and waits. SIGUSR1 starts the growth: one
UDP socket bound to 127.0.0.1 (port chosen by the kernel) every 1/R seconds, M in
all, then it holds them. The schedule never bursts: a socket that is late (a busy
machine) is opened at once and the next one comes 1/R seconds after it, so that
over any T seconds the count rises by at most R*T + 1. SIGTERM: close everything and
exit 0. A safety timer (default 120 s) exits 3 so that it never outlives its test.
Traffic: none (the sockets are only bound, on loopback).
"""

import argparse
import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from swtest import write_ready  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ready")
    ap.add_argument("--rate", type=float, required=True, help="sockets per second")
    ap.add_argument("--max", type=int, required=True, help="sockets in all")
    ap.add_argument("--safety", type=float, default=120.0)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *a: sys.exit(3))
    signal.alarm(int(args.safety))
    # SIGUSR1 stays pending until taken here: none is lost before the wait begins.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    write_ready(args.ready, {"pid": os.getpid()})
    while signal.sigtimedwait({signal.SIGUSR1}, 1.0) is None:
        pass  # SIGTERM and SIGALRM are handled between the waits
    held = []
    step = 1.0 / args.rate
    due = time.monotonic()
    while len(held) < args.max:
        left = due - time.monotonic()
        if left > 0:
            time.sleep(left)  # the pace of the growth, not a wait for a condition
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        held.append(s)
        due = max(due, time.monotonic()) + step
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
