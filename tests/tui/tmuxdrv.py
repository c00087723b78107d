"""A tmux session for the TUI tests: keys in with send-keys, the screen out with capture-pane.

Every wait polls the screen until a deadline and records a check; nothing sleeps blindly.
"""

import os
import subprocess

import swtest

DEADLINE = 8.0


class Tmux:
    """One detached tmux session on a private server socket."""

    count = 0

    def __init__(self, t, cmd, w=160, h=45, deadline=DEADLINE):
        self.t = t
        self.deadline = deadline  # per wait, unless told otherwise
        self.last_ok = False  # whether the last wait() saw its condition
        # A server of its own per session: a killed server may still hold a reused path.
        Tmux.count += 1
        self.sock = os.path.join(t.tmpdir, "tmux.%d.sock" % Tmux.count)
        self.status = os.path.join(t.tmpdir, "status.%d" % Tmux.count)
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.env = env
        shell = "%s; echo $? > %s" % (cmd, self.status)
        self.run("new-session", "-d", "-s", "sw", "-x", str(w), "-y", str(h), shell)
        self.run("set-option", "-t", "sw", "remain-on-exit", "on")

    def run(self, *args):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=10).stdout.decode("utf-8", "replace")

    def keys(self, *keys):
        self.run("send-keys", "-t", "sw", *keys)

    def literal(self, text):
        self.run("send-keys", "-t", "sw", "-l", text)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "sw")

    def wait(self, cond, what, timeout=None):
        """Wait until cond(screen) holds; record a check; return the last screen."""
        last = [""]

        def probe():
            last[0] = self.screen()
            return cond(last[0])
        ok = swtest.wait_for(probe, self.deadline if timeout is None else timeout, interval=0.1)
        self.last_ok = bool(ok)
        if not self.t.check(bool(ok), what):
            self.t.note("screen was:\n" + last[0].rstrip())
        return last[0]

    def exit_status(self, timeout=None):
        def read():
            try:
                with open(self.status) as f:
                    s = f.read().strip()
                    return s if s else None
            except OSError:
                return None
        return swtest.wait_for(read, self.deadline if timeout is None else timeout)

    def kill(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
