#!/usr/bin/env python3
# notify.py -- the systemd end of sd_notify for tests/install/notify.sh:
# binds a NOTIFY_SOCKET datagram socket, starts `BIN serve ...` with it,
# and checks the messages: READY=1 (after which /healthz answers at once,
# no retry), then on SIGTERM STOPPING=1 and exit 0. With WANT=none (a
# build without libsystemd) it checks that nothing is sent instead.
# Every wait is bounded. Prints what it saw; exits 0 or 1.
import os, socket, subprocess, sys, tempfile, time, urllib.request

bin_, want = sys.argv[1], os.environ.get("WANT", "notify")
tmp = tempfile.mkdtemp(prefix="mixroom-notify-")
path = os.path.join(tmp, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
env = dict(os.environ, NOTIFY_SOCKET=path)
proc = subprocess.Popen([bin_, "serve", "--listen", "127.0.0.1:%d" % port,
                         "--data", os.path.join(tmp, "data"), "--no-demo"],
                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def fail(msg):
    print("FAIL: " + msg)
    if proc.poll() is None:
        proc.kill()
    print(proc.communicate(timeout=10)[1].decode(errors="replace"))
    sys.exit(1)

def recv(timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        return None

def healthz():
    with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as r:
        return r.status

if want == "none":
    # no notification; the server still comes up and stops
    for _ in range(300):
        try:
            if healthz() == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        fail("the server did not answer /healthz")
    proc.terminate()
    rc = proc.wait(timeout=30)
    msg = recv(0.5)
    if msg is not None:
        fail("built without libsystemd, yet it sent %r" % msg)
    if rc != 0:
        fail("exit status %d" % rc)
    print("ok: no sd_notify messages (built without libsystemd)")
    sys.exit(0)

msg = recv(30)
if msg is None:
    fail("no READY=1 within 30 s")
if "READY=1" not in msg.split("\n"):
    fail("first message %r is not READY=1" % msg)
try:
    status = healthz()   # ready means listening: no retry
except OSError as e:
    fail("READY=1 was sent but /healthz failed: %s" % e)
if status != 200:
    fail("/healthz answered %d after READY=1" % status)
proc.terminate()
msg = recv(30)
if msg is None or "STOPPING=1" not in msg.split("\n"):
    fail("after SIGTERM got %r, not STOPPING=1" % msg)
rc = proc.wait(timeout=60)
if rc != 0:
    fail("exit status %d after SIGTERM" % rc)
print("ok: READY=1 once /healthz answers, STOPPING=1 on SIGTERM, exit 0")
