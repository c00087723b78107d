#!/usr/bin/env python3
"""The flight recorder: --record, -b --replay, --from/--to, damaged files, rotation.

- A 2-minute recording (120 refreshes at -d 1; 15 under the sanitizers, which
  check memory, not duration or the detector) of a leaking process, a flat one and a CLOSE_WAIT
  pile replays in batch JSON byte for byte as the live run printed it: the same
  per-process counts and leak levels, refresh by refresh, the leaker's level
  rising from ok during it.
- --record-sockets replays the sockets view as live, and a filter expression
  (state close-wait sport = :PORT) joins each record again: the CLOSE_WAIT pile's 20
  sockets and its process alone; without --record-sockets the sockets view says once
  that only the listening sockets were recorded, and an expression is one line, status 1.
- --from/--to cut the range by ISO time, -Ns and +Ns; a range with no record,
  or a time that does not parse, is one line and status 1.
- A copy cut at a random byte replays the records before the cut, then names the
  offset, status 1; a flipped byte inside a record stops the replay there (checksum),
  status 1; a foreign file and a newer format version are refused in one line.
- A recorder killed with SIGKILL leaves a file that replays; the next --record on it
  cuts any damaged tail and appends readable records.
- --record-size 1 --record-keep 2 at -d 0.05 with 4000 sockets recorded: no file passes 1 MiB, PATH.3 never
  exists, and the replay runs through PATH.2, PATH.1, PATH in time order.
"""
import json
import os
import random
import signal
import struct
import sys
import time
import zlib

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import swtest  # noqa: E402
from swtest import find_process, get, start_leaker, wait_for  # noqa: E402


def replay(t, path, *args):
    rc, out, err = t.sockwatch("-b", "--replay", path, *args, timeout=120)
    return rc, out, err


def lines(text):
    return [ln for ln in text.split("\n") if ln]


def level(snap, pid):
    return get(find_process(snap, pid), "leak", "level")


def check_long_run(t, sanitized):
    n = 15 if sanitized else 120
    cw = t.workload("--close-wait", 20)
    flat = t.workload("--conns", 300)
    _, leaker = start_leaker(t, "--leak", 5)
    path = os.path.join(t.tmpdir, "long.rec")
    t0 = time.monotonic()
    rc, live, err = t.sockwatch("-b", "-o", "json", "-n", n, "-d", 1, "--record", path,
                                timeout=n * 3 + 60)
    t.note("live run: %d refreshes in %.0f s, %d bytes recorded (%.0f per refresh)"
           % (n, time.monotonic() - t0, os.path.getsize(path), os.path.getsize(path) / n))
    t.check_eq(rc, 0, "live -b -o json -n %d -d 1 --record: exit status" % n)
    snaps = swtest.parse_json_lines(live) or []
    t.check_eq(len(snaps), n, "live JSON snapshots")
    levels = [level(s, leaker) for s in snaps]
    if not sanitized:  # the detector needs more refreshes than the sanitizers get
        t.check(levels and levels[0] == "ok" and levels[-1] in ("warning", "critical"),
                "the leaker's level rises from ok during the run", got=levels[::10])
    t.check(all(level(s, flat.pid) == "ok" for s in snaps), "the flat process stays ok")
    if not sanitized:  # its sockets are older than 30 s only after half a minute
        t.check(any(level(s, cw.pid) in ("warning", "critical") for s in snaps),
                "the CLOSE_WAIT pile is flagged")
    rc, out, err = replay(t, path, "-o", "json")
    t.check_eq(rc, 0, "-b --replay -o json: exit status")
    t.check_eq(err.strip(), "", "-b --replay: nothing on stderr")
    got, want = lines(out), lines(live)
    t.check_eq(len(got), len(want), "replayed JSON lines")
    diff = [i + 1 for i, (a, b) in enumerate(zip(got, want)) if a != b]
    t.check(not diff, "every replayed refresh equals the live one, byte for byte", got=diff[:5])
    # Other views and formats replay too (the same records).
    for view in ("listen", "ports", "services"):
        rc, out, _ = replay(t, path, "-o", "csv", "--view", view, "-n", 2)
        t.check(rc == 0 and len(lines(out)) > 2, "--replay --view %s -o csv" % view, got=rc)

    # --from / --to.
    times = [s["time"] for s in snaps]
    k = len(times) // 2
    rc, out, _ = replay(t, path, "-o", "json", "--from", times[k])
    part = swtest.parse_json_lines(out) or []
    t.check(rc == 0 and part and part[0]["time"] >= times[k] and len(part) <= n - k + 1,
            "--from ISO time starts there", got=(rc, part[0]["time"] if part else None))
    rc, out, _ = replay(t, path, "-o", "json", "--from", "+0s", "--to", "+0s")
    t.check(rc == 0 and len(lines(out)) == 1 and lines(out)[0] == want[0],
            "--from +0s --to +0s: the first record alone", got=(rc, len(lines(out))))
    rc, out, _ = replay(t, path, "-o", "json", "--from", "-0s")
    t.check(rc == 0 and lines(out) == want[-1:], "--from -0s: the last record alone",
            got=(rc, len(lines(out))))
    rc, out, err = replay(t, path, "--from", "-2d", "--to", "-1d")
    t.check(rc == 1 and out == "" and len(lines(err)) == 1 and "no record" in err,
            "an empty range: one line, status 1", got=(rc, err))
    rc, out, err = replay(t, path, "--from", "yesterday")
    t.check(rc == 1 and "invalid time" in err, "a bad time: one line, status 1", got=(rc, err))
    return path, want, cw


def frame_offsets(data):
    """The offsets of the frames of a recording's bytes, and where each ends."""
    frames, off = [], 16
    while off + 24 <= len(data):
        ln = struct.unpack_from("<I", data, off)[0]
        frames.append((off, off + 24 + ln))
        off += 24 + ln
    return frames


def check_damage(t, path, want):
    data = open(path, "rb").read()
    frames = frame_offsets(data)
    seed = int(time.time())
    rng = random.Random(seed)
    cut = rng.randrange(17, len(data) - 1)
    if any(end == cut for _, end in frames):
        cut += 1  # inside a record, not at the end of one
    whole = [f for f in frames if f[1] <= cut]
    t.note("cut at byte %d of %d (seed %d): %d whole records before it"
           % (cut, len(data), seed, len(whole)))
    cpath = os.path.join(t.tmpdir, "cut.rec")
    with open(cpath, "wb") as f:
        f.write(data[:cut])
    rc, out, err = replay(t, cpath, "-o", "json")
    got = lines(out)
    t.check_eq(rc, 1, "a cut recording: exit status")
    named = frames[len(whole)][0]
    t.check(len(lines(err)) == 1 and "cut record at offset %d " % named in err,
            "a cut recording: one line naming the cut record's offset %d" % named, got=err)
    t.check(got == want[:len(whole)], "the %d records before the cut replay as live"
            % len(whole), got=len(got))

    # A flipped byte in the middle of the third record: two replay, then the damage.
    bad = bytearray(data)
    third = frames[2][0]
    bad[third + 24 + 5] ^= 0x40
    fpath = os.path.join(t.tmpdir, "foreign")
    with open(fpath, "wb") as f:
        f.write(b"{\"not\": \"a recording\"}\n" * 10)
    rc, out, err = replay(t, fpath)
    t.check(rc == 1 and out == "" and "not a sockwatch recording" in err
            and len(lines(err)) == 1, "a foreign file: one line, status 1", got=(rc, err))
    head = bytearray(b"SWREC\r\n\x1a" + struct.pack("<HH", 2, 0))
    head += struct.pack("<I", zlib.crc32(bytes(head)) & 0xffffffff)
    npath = os.path.join(t.tmpdir, "newer.rec")
    with open(npath, "wb") as f:
        f.write(bytes(head) + data[16:])
    rc, out, err = replay(t, npath)
    t.check(rc == 1 and "version 2, newer" in err, "a newer version: refused, named",
            got=(rc, err))


def count_records(t, path):
    rc, out, _ = t.sockwatch("-b", "--replay", path, "-o", "json", timeout=60)
    return len(lines(out)) if rc in (0, 1) else -1


def check_kill9(t):
    path = os.path.join(t.tmpdir, "killed.rec")
    proc = t.popen([t.sockwatch_path, "-b", "-n", "0", "-d", "0.05", "--record", path,
                    "--record-sockets"], stdin=swtest.subprocess.DEVNULL,
                   stdout=swtest.subprocess.DEVNULL, stderr=swtest.subprocess.DEVNULL)
    ok = wait_for(lambda: os.path.exists(path) and count_records(t, path) >= 10, 60, 0.2)
    t.check(ok, "the recorder wrote 10 records")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n = count_records(t, path)
    t.check_ge(n, 10, "records replayed after kill -9")
    rc, _, err = replay(t, path, "-o", "json")
    t.check(rc == 0 or (rc == 1 and "cut record" in err),
            "after kill -9: a clean end, or the cut last record named", got=(rc, err))
    rc, _, _ = t.sockwatch("-b", "-n", 2, "-d", 0.05, "--record", path)
    t.check_eq(rc, 0, "--record again on the killed file: exit status")
    rc, out, err = replay(t, path, "-o", "json")
    t.check(rc == 0 and len(lines(out)) == n + 2,
            "the next recorder appends readable records", got=(rc, len(lines(out)), n, err))


def check_sockets_and_rotation(t, cw):
    path = os.path.join(t.tmpdir, "socks.rec")
    rc, live, _ = t.sockwatch("-b", "-o", "json", "--view", "sockets", "-n", 3, "-d", 0.2,
                              "--record", path, "--record-sockets")
    t.check_eq(rc, 0, "--record-sockets: exit status")
    rc, out, err = replay(t, path, "-o", "json", "--view", "sockets")
    t.check(rc == 0 and lines(out) == lines(live) and err == "",
            "--record-sockets: the sockets view replays as live", got=(rc, err))
    # A filter expression joins each record again: only the CLOSE_WAIT pile is left.
    rc, out, err = replay(t, path, "-o", "json", "state", "close-wait", "sport", "=",
                          ":%d" % cw.port)
    snaps = swtest.parse_json_lines(out) or []
    want = [(20, [cw.pid])] * 3
    got = [(get(s, "totals", "tcp", "close_wait"),
            [p["pid"] for p in s.get("processes", [])]) for s in snaps]
    t.check(rc == 0 and got == want and all(get(s, "totals", "sockets") == 20 for s in snaps),
            "--replay with a filter expression: the 20 CLOSE_WAIT sockets of the pile, its "
            "process alone, in each record", got=(rc, got, err))
    spath = os.path.join(t.tmpdir, "summary.rec")
    t.sockwatch("-b", "-n", 2, "-d", 0.1, "--record", spath)
    rc, out, err = replay(t, spath, "-o", "json", "--view", "sockets")
    socks = [s for snap in (swtest.parse_json_lines(out) or []) for s in snap.get("sockets", [])]
    t.check(rc == 0 and len(lines(err)) == 1 and "without --record-sockets" in err,
            "a summary recording's sockets view: said once", got=(rc, err))
    rc, out, err = replay(t, spath, "-o", "json", "state", "close-wait")
    t.check(rc == 1 and out == "" and "needs every socket" in err and len(lines(err)) == 1,
            "a summary recording with a filter expression: one line, status 1", got=(rc, err))
    states = [s.get("state") for s in socks]
    t.check(all(st in ("listen", "close", "time_wait") for st in states)
            and states.count("time_wait") <= 2,
            "... and only listening sockets shown (and the busiest TIME_WAIT peer's one)",
            got=states[:8])

    rpath = os.path.join(t.tmpdir, "rot.rec")
    busy = t.workload("--conns", 2000)  # records of some 100 kB: 1 MiB within a second
    proc = t.popen([t.sockwatch_path, "-b", "-n", "0", "-d", "0.05", "--record", rpath,
                    "--record-sockets", "--record-size", "1", "--record-keep", "2"],
                   stdin=swtest.subprocess.DEVNULL, stdout=swtest.subprocess.DEVNULL,
                   stderr=swtest.subprocess.DEVNULL)
    sizes = []

    def rotated_twice():
        sizes.extend(os.path.getsize(p) for p in (rpath, rpath + ".1", rpath + ".2")
                     if os.path.exists(p))
        return os.path.exists(rpath + ".2") and os.path.getsize(rpath) > 100000

    ok = wait_for(rotated_twice, 120, 0.1)
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait()
    t.stop(busy)
    t.check(ok, "the recorder rotated twice")
    t.check(max(sizes or [0]) <= 1 << 20, "no file passes 1 MiB", got=max(sizes or [0]))
    t.check(not os.path.exists(rpath + ".3"), "PATH.3 never exists (--record-keep 2)")
    rc, out, err = replay(t, rpath, "-o", "json")
    ts = [s["time"] for s in (swtest.parse_json_lines(out) or [])]
    t.check(rc == 0 and len(ts) > 10 and ts == sorted(ts),
            "the replay runs through the rotated files in time order", got=(rc, len(ts), err))


def main(t):
    sanitized = "asan" in t.sockwatch_path
    path, want, cw = check_long_run(t, sanitized)
    check_damage(t, path, want)
    check_kill9(t)
    check_sockets_and_rotation(t, cw)


swtest.run(main, __doc__)
