"""Two loopback connections that close on a signal, for the AGE tests, run as a child process.

    python3 closer.py READY

Listens on 127.0.0.1 (an ephemeral port), connects two clients and accepts both;
writes READY (atomically) as JSON: pid, port, and the clients' local ports tw_port and
cw_port. On SIGUSR1 it closes:

  - the first client first, then (once its FIN arrived) the server's end: the client
    ends in TIME_WAIT, which the kernel keeps for 60 s after this process is gone;
  - the second client with its last data and its FIN in one segment (TCP_CORK), and
    the server's end stays open: that end is in CLOSE_WAIT, its last ACK and its last
    data received at the same moment.

Then it writes READY + ".closed" and sleeps until SIGTERM (exit 0); a safety timer ends
it after 120 s (exit 3).
"""

import os
import signal
import socket
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from swtest import write_ready  # noqa: E402

SAFETY = 120.0


def main():
    ready = sys.argv[1]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *a: sys.exit(3))
    signal.alarm(int(SAFETY))
    # Held until sigwait takes it: one sent before the wait is not lost.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    port = lsock.getsockname()[1]
    c1 = socket.create_connection(("127.0.0.1", port), timeout=10)
    s1, _ = lsock.accept()
    c2 = socket.create_connection(("127.0.0.1", port), timeout=10)
    s2, _ = lsock.accept()
    write_ready(ready, {"pid": os.getpid(), "port": port,
                        "tw_port": c1.getsockname()[1], "cw_port": c2.getsockname()[1]})
    signal.sigwait({signal.SIGUSR1})
    c1.close()
    s1.settimeout(10)
    if s1.recv(1) != b"":
        sys.exit(4)
    s1.close()
    c2.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    c2.sendall(b"bye")
    c2.close()
    write_ready(ready + ".closed", {"closed": True})
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
