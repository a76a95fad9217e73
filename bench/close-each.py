"""A connection per request: C clients, for S seconds, each opening a connection, sending one GET and reading
the answer to its end. Counts the answers that are not a 200 (a reset, a refusal, a timeout or a short read
count too). For servers whose way of closing wrk counts as a read error (the JDK's HttpServer).

argv: PORT SECONDS [CLIENTS=8] [PATH=/]. Prints "N requests, M failed"."""
import socket, sys, threading, time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 8
path = sys.argv[4] if len(sys.argv) > 4 else "/"
request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode()
counts = {"ok": 0, "failed": 0}
lock = threading.Lock()


def client():
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        answer = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(request)
                while chunk := s.recv(4096):
                    answer += chunk
        except OSError:
            pass
        with lock:
            counts["ok" if answer.startswith(b"HTTP/1.1 200") else "failed"] += 1


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("%d requests, %d failed" % (counts["ok"] + counts["failed"], counts["failed"]))
