"""One request on the supervisor's control socket, straight (no CLI JVM start): what the bench
scripts poll with. As a module: request(sock_path, message) -> the final answer, as a dict (progress
steps and heartbeats skipped); and get(port, path, timeout) -> one HTTP GET on a new connection, the
whole answer as bytes; port_env(port) -> the port under every name a worker gets it. As a script: control.py SOCKET JSON prints that answer's JSON.
"""
import json, socket, sys

# The names a worker is given its port under (the supervisor's Env.PORT_NAMES): ours, Spring Boot's, Quarkus's, Micronaut's.
PORT_NAMES = ("PORT", "SERVER_PORT", "QUARKUS_HTTP_PORT", "MICRONAUT_SERVER_PORT")


def port_env(port):
    """The port as a worker's environment has it, for a JVM started by hand like one."""
    return {name: str(port) for name in PORT_NAMES}


def request(sock_path, message):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(json.dumps(dict({"v": 1}, **message)).encode() + b"\n")
    buf = b""
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
            lines = buf.split(b"\n")
            for line in lines[:-1]:
                answer = json.loads(line)
                if answer.get("progress") is None:
                    return answer
            buf = lines[-1]
    finally:
        s.close()
    raise IOError("the supervisor closed the connection without answering")


def get(port, path, timeout):
    """GET path on a new connection to 127.0.0.1:port, read until the server closes: status line to body."""
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
    try:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    finally:
        s.close()


if __name__ == "__main__":
    print(json.dumps(request(sys.argv[1], json.loads(sys.argv[2]))))
