"""One request on the supervisor's control socket, straight (no CLI JVM start): what the bench
scripts poll with. As a module: request(sock_path, message) -> the final answer, as a dict (progress
steps and heartbeats skipped). As a script: control.py SOCKET JSON prints that answer's JSON.
"""
import json, socket, sys


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


if __name__ == "__main__":
    print(json.dumps(request(sys.argv[1], json.loads(sys.argv[2]))))
