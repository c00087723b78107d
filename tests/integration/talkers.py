"""Start talker.py endpoints (paced senders, sinks, idlers) for a test, and wait for each."""

import json
import os
import subprocess
import sys

import swtest

TALKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "talker.py")


class Talkers:
    def __init__(self, t):
        self.t = t
        self.n = 0

    def start(self, role, *args, after=(), prefix=()):
        """talker.py ROLE ARGS READY AFTER; wait for READY: (Popen, its JSON, READY path)."""
        self.n += 1
        path = os.path.join(self.t.tmpdir, "talker.%d.json" % self.n)
        argv = ([str(a) for a in prefix] + [sys.executable, TALKER, role]
                + [str(a) for a in args] + [path] + [str(a) for a in after])
        proc = self.t.popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        if not swtest.wait_for(lambda: os.path.exists(path) or proc.poll() is not None, 30):
            raise RuntimeError("talker.py %s: not ready after 30 s" % role)
        if not os.path.exists(path):
            raise RuntimeError("talker.py %s exited with %s" % (role, proc.returncode))
        with open(path) as f:
            info = json.load(f)
        if info["pid"] != proc.pid:
            raise RuntimeError("talker.py %s: ready file names pid %d" % (role, info["pid"]))
        return proc, info, path
