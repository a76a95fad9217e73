"""Drives bench/chaos.sh: kills a ready worker at random every MIN..MAX seconds while wrk loads the
app, and samples ten times a second (straight on the control socket) whether any worker is online.

argv: control socket, app name, kills, min seconds, max seconds. Prints one line of figures; the
load's figures come from wrk, run by the script around this.
"""
import os, random, signal, sys, threading, time
from control import request

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

sampler = threading.Thread(target=sample)
sampler.start()
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
errored = [w for w in workers() if w["state"] == "errored"]
print("%d kills every %g-%g s (%d times no worker was ready to kill): >= 1 worker online %.2f %% of %d samples (10/s); %d errored"
      % (killed, low, high, none_ready, 100.0 * online[0] / samples[0], samples[0], len(errored)))
