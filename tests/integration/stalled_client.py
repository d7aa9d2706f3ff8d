#!/usr/bin/env python3
# stalled_client.py PORT TOKEN PROJECT SECONDS -- a WebSocket client that
# says hello, starts a preview stream and then reads nothing, with a tiny
# receive buffer so that the server's writes back up quickly (Node cannot
# set SO_RCVBUF). Used by preview.test.mjs; exits after SECONDS.
import base64
import json
import os
import socket
import sys
import time

port, token, project, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(port)))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mixroom.v1\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(1)
    if not chunk:
        sys.exit("the upgrade was refused")
    head += chunk
if b" 101 " not in head.split(b"\r\n", 1)[0]:
    sys.exit("the upgrade was refused: " + head.decode(errors="replace"))


def send(obj):
    data = json.dumps(obj).encode()
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


send({"type": "hello", "id": 1, "token": token, "project": project, "client": "c-stalled", "since": None})
time.sleep(0.5)
send({"type": "play", "id": 2, "from": 0, "loop": [0, 96000]})
print("playing", flush=True)
time.sleep(seconds)  # read nothing
s.close()
