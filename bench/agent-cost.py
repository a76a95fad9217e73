"""What the agent costs one JVM's start, beside what the start-up archive saves (issue 13).

A server is started five ways, interleaved round after round, and timed from the process's start to
its first answered request on / (on $PORT). By default a plain JDK server (com.sun.net.httpserver,
compiled here into a jar: no framework, so the agent's share is not hidden). Given a jar instead,
that app is started the first two ways only: what the JDK's own archive does for it with no
supervisor and no agent, the most a start-up archive can give that app on that JDK (an app that
bundles our library cannot start with the agent outside a supervisor). The five ways:
  cold                no agent, no archive
  archive             no agent, the AOT cache (JDK 24+) or AppCDS archive made by its own training
  cold+agent          the agent, installed as for a worker (port sharing with --bind self, pools)
  archive+agent       the agent, and an archive made by a training with the agent
  archive+agent-idle  the agent's jar loaded, its premain returning at once (no supervisor socket)
The agent's telemetry finds no supervisor here, so its connection and JMX are not in these figures.

argv: [rounds=8] [java=java] [jar]. Prints one line per way.
"""
import atexit, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request
from control import port_env

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
agent = os.path.join(root, "shared", "target", "cluster-agent.jar")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
java = sys.argv[2] if len(sys.argv) > 2 else "java"
jdk_bin = os.path.dirname(os.path.realpath(shutil.which(java)))
work = tempfile.mkdtemp(prefix="agent-cost-")
atexit.register(shutil.rmtree, work, True)  # also when a start fails


def hello_jar():
    source = os.path.join(work, "Hello.java")
    with open(source, "w") as f:
        f.write("""import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Hello {
    public static void main(String[] a) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 128);
        s.createContext("/", x -> { byte[] b = "hi".getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });
        s.start();
    }
}
""")
    subprocess.run([os.path.join(jdk_bin, "javac"), "--release", "17", "-d", work, source], check=True)
    with open(os.path.join(work, "manifest"), "w") as f:
        f.write("Main-Class: Hello\n")
    path = os.path.join(work, "hello.jar")
    subprocess.run([os.path.join(jdk_bin, "jar"), "cfm", path, os.path.join(work, "manifest"), "-C", work, "Hello.class"], check=True)
    return path


app_given = len(sys.argv) > 3
jar = os.path.abspath(sys.argv[3]) if app_given else hello_jar()
feature = int(subprocess.run([java, "-version"], capture_output=True, text=True).stderr.split('"')[1].split(".")[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(options, with_agent, idle=False, train_requests=0):
    """Milliseconds from the start to the first answer; a training run answers more, then stops cleanly."""
    port = free_port()
    env = dict(os.environ, CLUSTER_APP="hello", CLUSTER_WORKER_ID="0", **port_env(port))
    env.pop("CLUSTER_WORKER_SOCKET", None)
    if with_agent and not idle:
        env.update(CLUSTER_WORKER_SOCKET=os.path.join(work, "no-supervisor.sock"), CLUSTER_BIND="self")
    cmd = [java] + options + (["-javaagent:" + agent] if with_agent else []) + ["-jar", jar]
    began = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5).read()
                break
            except OSError:
                if p.poll() is not None or time.monotonic() - began > 60:
                    raise SystemExit("the server did not answer: " + " ".join(cmd))
                time.sleep(0.002)
        took = (time.monotonic() - began) * 1000
        for _ in range(train_requests):
            urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5).read()
        if train_requests:
            p.send_signal(signal.SIGTERM)
            p.wait(120)
        return took
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def archive(name):
    path = os.path.join(work, name)
    return path, (["-XX:AOTCacheOutput=" + path], ["-XX:AOTCache=" + path]) if feature >= 24 \
        else (["-XX:ArchiveClassesAtExit=" + path], ["-XX:SharedArchiveFile=" + path])


_, (train_plain, use_plain) = archive("plain.archive")
with_agent, (train_agent, use_agent) = archive("agent.archive")
start(train_plain, False, train_requests=50)
if feature >= 24 and not app_given:  # a dynamic CDS archive (JDK 17) is not written with an agent loaded: the agent's runs use the plain one
    start(train_agent, True, train_requests=50)
use_with_agent = use_agent if os.path.exists(with_agent) else use_plain
ways = {"cold": ([], False, False), "archive": (use_plain, False, False), "cold+agent": ([], True, False),
        "archive+agent": (use_with_agent, True, False), "archive+agent-idle": (use_with_agent, True, True)}
if app_given:
    ways = {way: ways[way] for way in ("cold", "archive")}
took = {way: [] for way in ways}
for _ in range(rounds):
    for way, (options, agent_on, idle) in ways.items():
        took[way].append(start(options, agent_on, idle))
        time.sleep(0.5)
print("%s on %s, start -> first answer (n=%d, interleaved):" % (sys.argv[3] if app_given else "a JDK HttpServer", java, rounds))
for way, values in took.items():
    print("  %-19s median %4.0f ms, min %4.0f" % (way, statistics.median(values), min(values)))
