"""Drives bench/lag-accuracy.sh: blocks a warm worker's event loop and polls the supervisor.

argv: control socket, app port, repeats. For each block length: the reported max of the one-second
report that covers the block, minus the block; and how long after the block ended the supervisor had it.
"""
import statistics, sys, time, urllib.request
from control import request

sock_path, port, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def describe():
    return request(sock_path, {"command": "describe", "target": "lag"})["apps"][0]["workers"][0]["telemetry"]

def newest():
    t = describe()
    return t["lag"]["1s"]["maxMs"], t["lag"]["10m"]["samples"]

def get(path):
    urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)).read()

for ms in (50, 100, 200):
    errors, delays = [], []
    for _ in range(repeats):
        _, before = newest()
        get("/block?ms=%d" % ms)
        ended = time.monotonic()
        while True:  # the first report newer than the block that shows it
            max_ms, samples = newest()
            if samples != before and max_ms >= ms / 2:
                break
            before = samples
            time.sleep(0.02)
        delays.append((time.monotonic() - ended) * 1000)
        errors.append(round(max_ms - ms, 1))
        time.sleep(1.2)
    print("block %3d ms: reported max - block = %s ms; reported after median %d ms, max %d ms (n=%d)"
          % (ms, errors, statistics.median(delays), max(delays), repeats))
