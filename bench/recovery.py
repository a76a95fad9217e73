"""Drives bench/recovery.sh: kill -9 of worker 0 -> the slot serving again, measured as a client
sees it: the moment SIGKILL is sent to the moment a new connection to the port is answered by the
new process (its pid in the answer). The apps are measured in turn, round after round (interleaved,
so a slow minute of the machine hurts each alike).

argv: control socket, kills, then one APP:PORT:STANDBYS:PATH per app. Before each kill it waits until the
machine is quiet (see settled()). Prints one line
of figures per app, and the RSS of its standbys and workers when it had any.
"""
import os, re, signal, sys, time
from control import get, request

sock_path, kills = sys.argv[1], int(sys.argv[2])
apps = [a.split(":", 3) for a in sys.argv[3:]]
standbys_of = {name: int(n) for name, _, n, _ in apps}
PID = re.compile(rb'"pid":(\d+)|^(\d+)\s*$', re.M)


def rows(app):
    return [w for w in request(sock_path, {"command": "list"})["workers"] if w["app"] == app]


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(l for l in f if l.startswith("VmRSS")).split()[1]) / 1024.0


def answered_by(port, path, deadline):
    """The pid that answers a new connection; retried (connection refused) until the deadline."""
    while True:
        try:
            data = get(port, path, max(0.1, deadline - time.monotonic()))
            m = PID.search(data.split(b"\r\n\r\n", 1)[-1])
            if m:
                return int(m.group(1) or m.group(2))
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("no answer on port %s" % port)
        time.sleep(0.001)


def busy():
    """The fraction of the machine's processors busy over the next 0.5 s (/proc/stat)."""
    def sample():
        ticks = [int(t) for t in open("/proc/stat").readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait
    total0, idle0 = sample()
    time.sleep(0.5)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


QUIET = 0.15  # seven idle JVMs (workers, standbys, the daemon) keep about 0.07 of this 2-core VM busy
loud = []  # kills made on a machine that did not quiet down within a minute


def settled(app):
    """Worker 0 of app, and its standbys, once every app is quiet: each worker 0 and each standby up
    for 3 s, then the machine's processors at most QUIET busy (a JVM that just started, or just
    answered its first request, is still loading and compiling, on JDK 25 for well over 3 s, and
    would slow the measurement of whichever app comes next)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ws = request(sock_path, {"command": "list"})["workers"]
        up = all(w["uptimeMs"] >= 3000 and w["state"] in ("online", "standby") for w in ws)
        mine = [w for w in ws if w["app"] == app]
        w0 = [w for w in mine if w["id"] == 0]
        if up and w0 and len(mine) == 1 + standbys_of[app]:
            quiet_by = time.monotonic() + 60
            while busy() > QUIET:
                if time.monotonic() > quiet_by:
                    loud.append(app)
                    break
            return w0[0], [w for w in mine if w["id"] < 0]
        time.sleep(0.1)
    raise TimeoutError("%s did not settle" % app)


took = {name: [] for name, _, _, _ in apps}
memory = {}
for _ in range(kills):
    for name, port, _, path in apps:
        worker, standbys = settled(name)
        if standbys and name not in memory:
            memory[name] = (rss_mb(standbys[0]["pid"]), rss_mb(worker["pid"]))
        old = worker["pid"]
        sent = time.monotonic()
        os.kill(old, signal.SIGKILL)
        pid = answered_by(port, path, sent + 120)
        took[name].append((time.monotonic() - sent) * 1000)
        if pid == old:
            raise AssertionError("%s: answered by the killed pid %d" % (name, old))

for name, values in took.items():
    v = sorted(values)
    line = "%-10s kill -9 -> new connection answered by the new process: median %.1f ms, p95 %.1f ms, min %.1f, max %.1f ms (n=%d)" % (
        name, v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2, v[min(len(v) - 1, int(len(v) * 0.95 + 0.999) - 1)],
        v[0], v[-1], len(v))
    if name in memory:
        line += "; RSS of a waiting standby %.0f MB (a serving worker %.0f MB)" % memory[name]
    print(line)
if loud:
    print("kills made while the machine stayed over %d %% busy for a minute: %d" % (QUIET * 100, len(loud)))
