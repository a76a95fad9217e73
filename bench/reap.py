"""For scale beside bench/recovery.sh: how long the kernel takes to reap a killed JVM, with no
supervisor at all. Starts the same jar as a child of this script (standalone, on a free port), waits
until it answers, kills it with SIGKILL and times waitpid. That much of any kill -9 -> serving
figure is spent before any supervisor can know the process is gone.

argv: kills, java, jar, path. Prints one line.
"""
import os, signal, socket, subprocess, sys, time, urllib.request
from control import port_env

kills, java, jar, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
took = []
for _ in range(kills):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, **port_env(port))
    env.pop("CLUSTER_WORKER_SOCKET", None)
    p = subprocess.Popen([java, "-XX:MaxRAMPercentage=25", "-jar", jar], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                p.kill()
                raise
            time.sleep(0.05)
    time.sleep(1)
    sent = time.monotonic()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    took.append((time.monotonic() - sent) * 1000)
took.sort()
print("for scale, the same JVM as a bare child of a script: kill -9 -> waitpid returns: median %.1f ms, min %.1f, max %.1f ms (n=%d)"
      % (took[len(took) // 2], took[0], took[-1], len(took)))
