"""Drives bench/chaos.sh: kills a ready worker at random every MIN..MAX seconds while wrk loads the
app, and samples ten times a second (straight on the control socket) whether any worker is online.

argv: control socket, app name, kills, min seconds, max seconds[, the app's port: also time requests
of our own, one new connection at a time]. Prints one line of figures; the
load's figures come from wrk, run by the script around this.
"""
import os, random, signal, sys, threading, time
from control import get, request

sock_path, app, kills, low, high = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])

def workers():
    return [w for w in request(sock_path, {"command": "list"})["workers"] if w["app"] == app]

samples, online, running = [0], [0], [True]
def sample():
    while running[0]:
        samples[0] += 1
        if any(w["state"] == "online" for w in workers()):
            online[0] += 1
        time.sleep(0.1)

# A client of our own beside wrk (whose latency is not per-request once connections are reset):
# one request at a time, each on a new connection, timed from connect to the last byte.
port = int(sys.argv[6]) if len(sys.argv) > 6 else 0
latencies, probe_failures = [], [0]
def probe():
    while running[0]:
        began = time.monotonic()
        try:
            data = get(port, "/whoami", 10)
            if data.startswith(b"HTTP/1.1 200"):
                latencies.append((time.monotonic() - began) * 1000)
            else:
                probe_failures[0] += 1
        except OSError:
            probe_failures[0] += 1
        time.sleep(0.01)

sampler = threading.Thread(target=sample)
sampler.start()
prober = threading.Thread(target=probe)
if port:
    prober.start()
killed, none_ready, restarts = 0, 0, []
for _ in range(kills):
    time.sleep(random.uniform(low, high))
    ready = [w for w in workers() if w["state"] == "online"]
    if not ready:
        none_ready += 1
        continue
    os.kill(random.choice(ready)["pid"], signal.SIGKILL)
    killed += 1
running[0] = False
sampler.join()
if port:
    prober.join()
errored = [w for w in workers() if w["state"] == "errored"]
print("%d kills every %g-%g s (%d times no worker was ready to kill): >= 1 worker online %.2f %% of %d samples (10/s); %d errored"
      % (killed, low, high, none_ready, 100.0 * online[0] / samples[0], samples[0], len(errored)))
if port:
    latencies.sort()
    print("    our client (one new connection per request, ~100/s): %d answered, %d failed; p99 %.0f ms, max %.0f ms"
          % (len(latencies), probe_failures[0], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], latencies[-1]))
