#!/usr/bin/env python3
"""Traffic from tcp_info: paced loopback senders against sockwatch's rates.

A sender paces 20 MB/s to a sink over loopback: sockwatch's TX/s of the sender
and RX/s of the sink are within 10% of it; an idle connection shows 0, a socket
new in a refresh shows no rate (null), the refresh after 0. In a network
namespace of its own, nftables drops one TCP packet in ten of a second pair:
its sender retransmits, the loopback processes do not. Process, listener, port
and service rates equal the sums of their sockets' rates in the same snapshot.
"""

import json
import os
import shutil
import subprocess

import swtest
from talkers import Talkers

RATE = 20e6  # bytes per second of the paced sender
REFRESHES = 7
NFT_LOSS = """table inet swloss {
	chain out {
		type filter hook output priority 0; policy accept;
		meta l4proto tcp numgen random mod 10 0 drop
	}
}
"""


def traffic(obj):
    return (obj or {}).get("traffic") or {}


def close(a, b, n=1):
    """Sums of values printed with 3 decimals: equal to within their rounding."""
    return a is not None and b is not None and abs(a - b) <= 0.0006 * (n + 1) + 1e-6 * abs(b)


def sum_of(sockets, key):
    vals = [traffic(s).get(key) for s in sockets]
    return sum(v for v in vals if v is not None), len(vals)


def host_retrans_segs():
    """The Tcp RetransSegs counter of this (the host) network namespace."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("RetransSegs")])


def stream(t, *args, refreshes=REFRESHES, on_first=None, delay="1"):
    """sockwatch -b -o json ARGS, a line per refresh read as it comes."""
    proc = t.popen([t.sockwatch_path, "-b", "-o", "json", "-d", delay, "-n", str(refreshes)]
                   + [str(a) for a in args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   stderr=subprocess.DEVNULL)
    snaps = []
    for i in range(refreshes):
        line = swtest.read_line(proc.stdout, 20)
        if not line:
            break
        snaps.append(json.loads(line))
        if i == 0 and on_first is not None:
            on_first()
    t.stop(proc)
    return snaps


def main(t):
    if os.geteuid() != 0:
        t.skip("needs root: a network namespace and nftables")
    if shutil.which("nft") is None:
        t.fail("nft (Debian's nftables, installed by scripts/bootstrap --test) is not here")
        return
    tk = Talkers(t)
    _, sink, _ = tk.start("sink")
    _, sender, _ = tk.start("send", sink["port"], RATE, 30)
    trigger = os.path.join(t.tmpdir, "trigger")
    _, idler, idle_path = tk.start("idle", sink["port"], after=(trigger,))

    # The lossy pair, in a namespace of its own: loss starts once it is connected.
    ns = "swtraffic%d" % os.getpid()
    t.netns(ns)
    prefix = ("ip", "netns", "exec", ns)
    _, lsink, _ = tk.start("sink", prefix=prefix)
    _, lossy, _ = tk.start("send", lsink["port"], 2e6, 30, prefix=prefix)
    nft = os.path.join(t.tmpdir, "loss.nft")
    with open(nft, "w") as f:
        f.write(NFT_LOSS)
    rc, _, err = t.run(["ip", "netns", "exec", ns, "nft", "-f", nft])
    if not t.check(rc == 0, "nft drops packets in the test namespace", got=err.strip()):
        return

    second = {}

    def open_second():
        open(trigger, "w").close()
        swtest.wait_for(lambda: os.path.exists(idle_path + ".2"), 10)
        with open(idle_path + ".2") as f:
            second.update(json.load(f))

    retrans0 = host_retrans_segs()
    snaps = stream(t, "--view", "sockets", on_first=open_second)
    host_retrans = host_retrans_segs() - retrans0
    if not t.check(len(snaps) == REFRESHES, "%d refreshes" % REFRESHES, got=len(snaps)):
        return
    t.check("port" in second, "the idle process opened a second connection")

    def proc_of(snap, pid):
        return swtest.find_process(snap, pid)

    first = snaps[0]
    # One refresh outside the sockets view keeps each socket's RTT alone (no rate can
    # exist yet): the sums are the same as from whole tcp_info.
    rc, one, _, err = t.sockwatch_json("-p", str(sender["pid"]))
    got = traffic(proc_of(one[0], sender["pid"])) if rc == 0 and one else err
    t.check(isinstance(got, dict) and got.get("tx_bytes_per_second") is None
            and (got.get("rtt_seconds") or {}).get("median") is not None,
            "-b -n 1: the sender's RTT median is known and its rates are null", got=got)
    t.check(traffic(proc_of(first, sender["pid"])).get("tx_bytes_per_second") is None,
            "first refresh: the sender has no rate yet (null, not 0)",
            got=traffic(proc_of(first, sender["pid"])))
    t.check(traffic(proc_of(first, sender["pid"])).get("rtt_seconds", {}).get("median")
            is not None, "first refresh: the sender's RTT is known already")

    retr_lossy = 0.0
    retr_loop = []  # (refresh, pid, retransmits per second) of the loopback processes
    new_seen = []
    for k, snap in enumerate(snaps):
        host = [s for s in snap["sockets"] if s["proto"] == "tcp"
                and s["netns"]["name"] == "host"]
        for s in host:
            if s.get("local", {}).get("port") == second.get("port") and s["state"] == "established":
                new_seen.append((k, traffic(s).get("rx_bytes_per_second")))
        if k == 0:
            continue
        tx = traffic(proc_of(snap, sender["pid"])).get("tx_bytes_per_second")
        rx = traffic(proc_of(snap, sink["pid"])).get("rx_bytes_per_second")
        t.check(tx is not None and abs(tx - RATE) <= 0.1 * RATE,
                "refresh %d: the sender's TX/s is within 10%% of %.0f" % (k, RATE), got=tx)
        t.check(rx is not None and abs(rx - RATE) <= 0.1 * RATE,
                "refresh %d: the sink's RX/s is within 10%% of %.0f" % (k, RATE), got=rx)
        it = traffic(proc_of(snap, idler["pid"]))
        if k < 2:  # its second connection may be new here
            t.check(it.get("tx_bytes_per_second") == 0.0,
                    "refresh %d: the idle process sends 0 B/s" % k, got=it)
        else:
            t.check(it.get("tx_bytes_per_second") == 0.0 and it.get("rx_bytes_per_second") == 0.0,
                    "refresh %d: the idle process shows 0 B/s both ways" % k, got=it)
        dt = snap["totals"].get("traffic_interval_seconds") or 1.0
        for pid in (sender["pid"], sink["pid"], idler["pid"]):
            retr_loop.append((k, pid, dt,
                              traffic(proc_of(snap, pid)).get("retransmits_per_second")))
        retr_lossy += traffic(proc_of(snap, lossy["pid"])).get("retransmits_per_second") or 0

        # Every row's rates are the sums of its sockets' in the same snapshot.
        for pid in (sender["pid"], sink["pid"]):
            mine = [s for s in snap["sockets"] if pid in s["pids"]]
            p = traffic(proc_of(snap, pid))
            for key in ("rx_bytes_per_second", "tx_bytes_per_second"):
                total, n = sum_of(mine, key)
                t.check(close(p.get(key), total, n),
                        "refresh %d: process %d's %s is its sockets' sum" % (k, pid, key),
                        got=(p.get(key), total))
        on_port = [s for s in host if s["local"]["port"] == sink["port"]]
        rows = [r for r in snap["ports"] if r["port"] == sink["port"] and r["direction"] == "in"
                and r["proto"] == "tcp" and r["netns"]["name"] == "host"]
        lsn = [li for li in snap["listening"] if li["port"] == sink["port"]
               and li["netns"]["name"] == "host"]
        conns = [s for s in on_port if s["state"] != "listen"]
        for key in ("rx_bytes_per_second", "tx_bytes_per_second"):
            total, n = sum_of(on_port, key)
            t.check(len(rows) == 1 and close(traffic(rows[0]).get(key), total, n),
                    "refresh %d: port %d's %s is its sockets' sum" % (k, sink["port"], key),
                    got=(rows and traffic(rows[0]).get(key), total))
            total, n = sum_of(conns, key)
            t.check(len(lsn) == 1 and close(traffic(lsn[0]).get(key), total, n),
                    "refresh %d: the listener's %s is its connections' sum" % (k, key),
                    got=(lsn and traffic(lsn[0]).get(key), total))
        svc = (proc_of(snap, sender["pid"]) or {}).get("service") or {}
        srow = [r for r in snap["services"] if r["name"] == svc.get("name")
                and r["kind"] == svc.get("kind")]
        if t.check(len(srow) == 1, "refresh %d: the sender's service is listed" % k, got=svc):
            pids = set(srow[0]["pids"])
            held = [s for s in snap["sockets"] if pids & set(s["pids"])]
            for key in ("rx_bytes_per_second", "tx_bytes_per_second"):
                total, n = sum_of(held, key)
                t.check(close(traffic(srow[0]).get(key), total, n),
                        "refresh %d: service %s's %s is its sockets' sum" % (k, svc["name"], key),
                        got=(traffic(srow[0]).get(key), total))
    t.check(retr_lossy > 0, "the sender in the lossy namespace retransmits", got=retr_lossy)
    # Loopback does not drop, but a starved receiver (under the sanitizers) can make
    # the kernel send a tail-loss probe, a real retransmit: the host namespace's own
    # counter says how many there were. With none, every loopback process shows 0;
    # never more than the host counted (the lossy namespace's are not the host's).
    if host_retrans == 0:
        for k, pid, _, retr in retr_loop:
            t.check_eq(retr, 0.0, "refresh %d: loopback process %d retransmits nothing"
                       % (k, pid))
    else:
        seen = sum((retr or 0) * dt for _, _, dt, retr in retr_loop)
        t.check(all(retr is not None for _, _, _, retr in retr_loop)
                and seen <= host_retrans + 0.5,
                "loopback processes retransmit no more than the host namespace counted (%d)"
                % host_retrans, got=seen)

    # The second connection: no rate where it first appears, a number after.
    if t.check(len(new_seen) >= 2 and new_seen[0][0] < REFRESHES - 1,
               "the second connection is seen in two refreshes", got=new_seen):
        t.check(new_seen[0][1] is None, "a socket new in a refresh has no rate",
                got=new_seen[0])
        t.check(new_seen[1][1] == 0.0, "the refresh after, an idle one shows 0",
                got=new_seen[1])

    # Faster than once a second, tcp_info is sampled once a second and carried between.
    fast = stream(t, "-p", sender["pid"], refreshes=10, delay="0.25")
    dts = [sn["totals"]["traffic_interval_seconds"] for sn in fast]
    t.check(len(fast) == 10 and all(d is None or 0.9 <= d <= 1.3 for d in dts)
            and dts[-1] is not None, "-d 0.25: rates over about a second", got=dts)
    later = [traffic(proc_of(sn, sender["pid"])).get("tx_bytes_per_second")
             for sn, d in zip(fast, dts) if d is not None]
    t.check(later and all(v is not None and abs(v - RATE) <= 0.1 * RATE for v in later),
            "-d 0.25: every refresh after the second sample shows the sender's rate",
            got=later)

    # --traffic-interval sets how often: every 2 s here, rates over those 2 s.
    slow = stream(t, "-p", sender["pid"], "--traffic-interval", "2", refreshes=12, delay="0.25")
    dts = [sn["totals"]["traffic_interval_seconds"] for sn in slow]
    t.check(len(slow) == 12 and all(d is None or 1.8 <= d <= 2.4 for d in dts)
            and dts[-1] is not None and dts[3] is None,
            "--traffic-interval 2 -d 0.25: rates over about 2 s, none before the second "
            "sample", got=dts)
    later = [traffic(proc_of(sn, sender["pid"])).get("tx_bytes_per_second")
             for sn, d in zip(slow, dts) if d is not None]
    t.check(later and all(v is not None and abs(v - RATE) <= 0.1 * RATE for v in later),
            "--traffic-interval 2: the sender's rate, over the longer interval", got=later)

    # UDP and UNIX sockets have no such counters: null, never 0.
    rc, snaps2, out, err = t.sockwatch_json("--view", "sockets")
    other = [s for s in (snaps2 or [{}])[0].get("sockets", []) if s["proto"] != "tcp"]
    t.check(other and all(traffic(s).get("rx_bytes_per_second") is None
                          and s.get("tcp_info") is None for s in other),
            "UDP and UNIX sockets: traffic null", got=len(other))

    # CSV cells are numbers or empty; the table has the columns; --no-traffic drops them.
    rc, out, err = t.sockwatch("-b", "-o", "csv", "-n", "2", "-d", "1", "-p", sender["pid"])
    lines = out.splitlines()
    head = lines[0].split(",") if lines else []
    ok = "tx_bytes_per_second" in head and len(lines) >= 3
    if ok:
        cell = lines[-1].split(",")[head.index("tx_bytes_per_second")]
        ok = cell != "" and abs(float(cell) - RATE) <= 0.1 * RATE
    t.check(ok, "CSV: the sender's tx_bytes_per_second is a number near the rate",
            got=lines[-1:] if lines else err)
    rc, out, err = t.sockwatch("-b", "-n", "1", "-p", sender["pid"])
    t.check(rc == 0 and "TX/s" in out and "RTT" in out, "the table has TX/s and RTT", got=out)
    rc, out, err = t.sockwatch("-b", "-n", "1", "--no-traffic", "-p", sender["pid"])
    t.check(rc == 0 and "TX/s" not in out, "--no-traffic: no traffic columns", got=out)
    rc, snaps3, out, err = t.sockwatch_json("--no-traffic", "-p", str(sender["pid"]))
    p = swtest.find_process((snaps3 or [{}])[0], sender["pid"]) if snaps3 else None
    t.check(p is not None and traffic(p).get("rtt_seconds", {}).get("median") is None,
            "--no-traffic: the JSON's traffic is null", got=p and traffic(p))

    # Prometheus: the rate gauges for the sender.
    rc, out, err = t.sockwatch("-b", "-o", "prometheus", "-n", "2", "-d", "1")
    want = 'sockwatch_process_transmit_bytes_per_second{pid="%d"' % sender["pid"]
    val = [line.rsplit(" ", 1)[1] for line in out.splitlines() if line.startswith(want)]
    t.check(val and abs(float(val[-1]) - RATE) <= 0.1 * RATE,
            "Prometheus: the sender's transmit rate", got=val)


swtest.run(main, __doc__.splitlines()[0])
