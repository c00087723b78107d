"""TCP endpoints with known traffic, for test_traffic.py (standard library only).

    talker.py sink READY            listen on 127.0.0.1, read and discard everything
    talker.py send PORT RATE SECONDS READY
                                    connect to 127.0.0.1:PORT, send RATE bytes per
                                    second for SECONDS, then stay connected, idle
    talker.py idle PORT READY TRIGGER
                                    connect and stay idle; when the file TRIGGER
                                    appears, open a second connection and name its
                                    local port in READY.2

READY gets a JSON object once the endpoint is up: {"pid": N, "port": N}, the port
being the listening port (sink) or the connection's local port (send, idle). Each
runs until SIGTERM. The sender paces against the clock: after t seconds it has
sent RATE * t bytes (to within one chunk), so its true rate is known.
"""

import json
import os
import select
import signal
import socket
import sys
import time

CHUNK = 65536


def ready(path, **fields):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(pid=os.getpid(), **fields), f)
    os.rename(tmp, path)


def sink(path):
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    conns = []
    ready(path, port=lsock.getsockname()[1])
    while True:
        r, _, _ = select.select([lsock] + conns, [], [])
        for s in r:
            if s is lsock:
                c, _ = lsock.accept()
                conns.append(c)
            elif not s.recv(1 << 20):
                conns.remove(s)
                s.close()


def send(port, rate, seconds, path):
    s = socket.create_connection(("127.0.0.1", port))
    ready(path, port=s.getsockname()[1])
    buf = b"x" * CHUNK
    start = time.monotonic()
    sent = 0
    while True:
        now = time.monotonic() - start
        if now >= seconds:
            break
        due = rate * now
        if sent < due:
            try:
                sent += s.send(buf)
            except OSError:  # the sink went first, at the test's end
                sys.exit(0)
        else:
            time.sleep(min((sent - due) / rate, 0.01))
    while True:
        signal.pause()


def idle(port, path, trigger):
    first = socket.create_connection(("127.0.0.1", port))
    ready(path, port=first.getsockname()[1])
    while not os.path.exists(trigger):
        time.sleep(0.01)
    second = socket.create_connection(("127.0.0.1", port))
    ready(path + ".2", port=second.getsockname()[1])
    while True:
        signal.pause()


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    role = sys.argv[1]
    if role == "sink":
        sink(sys.argv[2])
    elif role == "send":
        send(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif role == "idle":
        idle(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit("talker.py: unknown role %r" % role)


main()
