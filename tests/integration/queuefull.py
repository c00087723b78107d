"""A listener whose accept queue is full, for the --check tests, run as a child process.

    python3 queuefull.py BACKLOG READY

Listens on 127.0.0.1 (an ephemeral port) with listen(BACKLOG) and never accepts; then
connects BACKLOG + 1 clients to it, the most the kernel queues (a listener is full
when its queue is above its backlog; a further SYN would be dropped). Every client
has SO_LINGER 0, so that nothing is left in TIME_WAIT on the host when it ends.
Once every connect() returned it writes READY (atomically) as JSON: pid, port,
backlog and clients. The kernel may still be moving the last handshake into the
queue then: the test waits until sockwatch shows the queue at BACKLOG + 1.
Then it sleeps until SIGTERM (exit 0); a safety timer ends it after 120 s (exit 3).
"""

import os
import signal
import socket
import struct
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
from swtest import write_ready  # noqa: E402

SAFETY = 120.0
LINGER_ABORT = struct.pack("ii", 1, 0)


def main():
    backlog, ready = int(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *a: sys.exit(3))
    signal.alarm(int(SAFETY))
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(backlog)
    port = lsock.getsockname()[1]
    clients = []
    for _ in range(backlog + 1):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ABORT)
        c.settimeout(10)
        c.connect(("127.0.0.1", port))
        clients.append(c)
    write_ready(ready, {"pid": os.getpid(), "port": port, "backlog": backlog,
                        "clients": len(clients)})
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
