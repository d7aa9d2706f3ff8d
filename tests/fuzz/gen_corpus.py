#!/usr/bin/env python3
"""gen_corpus.py -- writes the hand-made seed corpora of the fuzzers
(tests/fuzz/corpus/{config,multipart,http_parse,json_body,push,ws_message,
link_body}/) and lists
(tests/fuzz/corpus/{config,multipart,http_parse,json_body,push,delivery}/) and lists
every corpus file (decode's too) in tests/fuzz/local.mk between the
`# corpus: begin` and `# corpus: end` markers, so `make dist` ships them.
Run it from anywhere after changing a seed here: it rewrites the seeds it
owns and leaves other files of the corpus folders (regression inputs of
fixed bugs, added by hand) alone. Each seed is small (< 4 KiB)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def config_seeds():
    long_val = "/srv/" + "d" * 5000
    return {
        "ok-all": "# mixroom.conf\nlisten = 0.0.0.0:8080\ndata = /var/lib/mixroom\n"
                  "web = /usr/share/mixroom/web\nlog_level = debug\nsynchronous = normal\n"
                  "session_days = 7\nupload_limit = 1048576\ntls_cert = /etc/c.pem\n"
                  "tls_key = /etc/k.pem\nallowed_origin = https://studio.example.com\n"
                  "opus_bitrate = 96000\nopus_complexity = 10\nworkers = 4\ndemo = off\n",
        "comments-blank": "\n   \n# a comment = not a setting\n\t# indented comment\nworkers=2\n",
        "crlf": "listen = [::1]:9000\r\ndemo = yes\r\n",
        "no-newline-at-end": "session_days = 3650",
        "localhost": "listen = localhost:0\n",
        "bad-value": "workers = 2\nsession_days = 0\nworkers = 3\n",
        "bad-port": "listen = 127.0.0.1:65536\n",
        "bad-host": "listen = example.com:80\n",
        "no-equals": "workers 4\n",
        "unknown-key": "colour = blue\n",
        "empty-value": "data =\n",
        "empty-key": "= value\n",
        "ints-odd": "upload_limit = 1099511627776\nopus_bitrate = +16000\nworkers = 0x10\n",
        "origins-17": "".join("allowed_origin = http://h%d.example\n" % i for i in range(17)),
        "origin-bad": "allowed_origin = ftp://x\n",
        "two-equals": "data = /a=b\n",
        "long-value": "data = " + long_val + "\n",
        "long-comment-line": "#" + "c" * 8190 + "listen = 0.0.0.0:1\n",
        "nul-in-line": "data = /ok\0/ignored\nworkers = 2\n",
        "pair-listen": "listen=[::]:443",
        "pair-demo": "demo=false",
        "pair-limit": "max_push_ops=500",
        "pair-limit-bad": "max_upload_seconds=0",
        "pair-proxy": "trusted_proxies=127.0.0.1",
        "pair-sync": "synchronous=Full",
        "pair-level": "log_level=warn",
        "pair-nokey": "nothing",
    }


def form(boundary, parts, nl="\r\n", close=True, preamble=""):
    out = preamble
    for headers, body in parts:
        out += "--" + boundary + nl + nl.join(headers) + nl + nl + body + nl
    if close:
        out += "--" + boundary + "--" + nl
    return out


def multipart_seeds():
    ct = "multipart/form-data; boundary=%s\n"
    file_hdr = ['Content-Disposition: form-data; name="file"; filename="kick.wav"',
                "Content-Type: audio/wav"]
    note = ['Content-Disposition: form-data; name="note"']
    b = "XyZ123"
    seeds = {
        "simple": ct % b + form(b, [(file_hdr, "RIFF....WAVEdata")]),
        "note-and-file": ct % b + form(b, [(note, "hello --XyZ123 not a delimiter"),
                                          (file_hdr, "\r\n--XyZ12\r\n--XyZ1234 near copies")]),
        "quoted-boundary": 'multipart/form-data; charset=utf-8; boundary="a b:c"\n' +
                           form("a b:c", [(file_hdr, "data")]),
        "lf-only": ct % b + form(b, [(file_hdr, "data")], nl="\n"),
        "preamble": ct % b + form(b, [(file_hdr, "data")], preamble="this is a preamble\r\n"),
        "cut-off": ct % b + form(b, [(file_hdr, "data that never ends")], close=False),
        "no-file": ct % b + form(b, [(note, "just text")]),
        "empty-filename": ct % b + form(b, [(['Content-Disposition: form-data; name="f"; filename=""'], "x")]),
        "path-filename": ct % b + form(b, [(['Content-Disposition: form-data; name="f"; filename="C:\\\\music\\\\a b.wav"'], "x")]),
        "escaped-filename": ct % b + form(b, [(['Content-Disposition: form-data; filename="a\\"b.wav"; name=f'], "x")]),
        "two-files": ct % b + form(b, [(file_hdr, "first"), (file_hdr, "second")]),
        "bad-boundary-line": ct % b + "--XyZ123xx\r\n\r\nbody\r\n--XyZ123--\r\n",
        "padding-after-boundary": ct % b + "--XyZ123 \t\r\n" + "\r\n".join(file_hdr) + "\r\n\r\nd\r\n--XyZ123--",
        "no-headers": ct % b + "--XyZ123\r\n\r\nbody\r\n--XyZ123--\r\n",
        "crcrlf": ct % b + form(b, [(file_hdr, "\r\r\n\r\n-\r\n--\r\n--X\r")]),
        "boundary-1": ct % "-" + form("-", [(file_hdr, "--- - -")]),
        "boundary-70": ct % ("b" * 70) + form("b" * 70, [(file_hdr, "x")]),
        "boundary-71": ct % ("b" * 71) + "--" + "b" * 71 + "--\r\n",
        "raw-boundary-line": "--\n" + form("--", [(file_hdr, "x")]),
        "not-multipart": "text/plain; boundary=x\n--x\r\n\r\n\r\n--x--",
        "huge-header": ct % b + "--XyZ123\r\nX-Pad: " + "p" * 3000 + "\r\n" +
                       file_hdr[0] + "\r\n\r\nx\r\n--XyZ123--\r\n",
        "after-close": ct % b + form(b, [(file_hdr, "x")]) + "trailing junk --XyZ123\r\n",
    }
    return seeds


def http_seeds():
    # pattern \n path \n query \n name \n authorization
    return {
        "route-assets": "/api/projects/{id}/assets/{asset}/peaks\n/api/projects/p1/assets/a9/peaks\n"
                        "name=kick%20drum.wav&level=2\nname\nBearer abc.def",
        "percent": "/x/{a}\n/x/%41%2F\nname=%41%42%43&x=%zz&y=%4\nx\nbearer lower",
        "percent-00": "/{a}\n/a%00b\nname=a%00b&n=%00\nname\nBearer ",
        "plus": "/{a}/{b}\n/a+b/c\nname=a+b+%2B&q=+\nq\nBasic dXNlcjpwYXNz",
        "empty-params": "/{a}/{b}\n//b\nname=&&=&name\nname\n",
        "bare-name": "/\n/\nlevel&name\nname\nBearer x",
        "five-params": "/{a}/{b}/{c}/{d}/{e}\n/1/2/3/4/5\na=1&a=2\na\nBEARER UPPER",
        "long-segment": "/api/{id}\n/api/" + "s" * 200 + "\nname=" + "%41" * 300 + "\nname\nBearer " + "t" * 200,
        "segment-15": "/api/{id}/x\n/api/" + "s" * 15 + "/x\nname=ok\nname\nBearer t",
        "unclosed-brace": "/api/{id\n/api/p1\nname\nname\nBearer",
        "brace-pair": "/{}{}\n/ab\n&&&\n\nBearer  two-spaces",
        "trailing-slash": "/api/projects/{id}\n/api/projects/p1/\nname=%2\nname\nbearer\tx",
        "empty": "",
        "only-path": "\n/healthz",
        "name-with-eq": "/{a}b\n/xbb\na=b=c&a=b\na=b\nBearer a\x01b",
        # the last field doubles as a Cookie header
        "cookie": "/\n/\n\ntheme\ntheme=dark; mixroom_session=abc123; x=1",
        "cookie-quoted": "/\n/\n\nq\nq=\"v a l\";  mixroom_session=\"tok\"",
        "cookie-suffix": "/\n/\n\nsession\nxmixroom_session=evil; session=",
        "cookie-spaces": "/\n/\n\na\n \ta = 1 ;\tmixroom_session= spaced \t;;",
        "cookie-long": "/\n/\n\nmixroom_session\nmixroom_session=" + "v" * 200,
    }


def json_seeds():
    return {
        "object": '{"name":"Song","sample_rate":48000,"tags":["a","b"],"x":null}',
        "nested": '{"a":{"b":{"c":[1,2.5,-0.0,1e300,{"d":true}]}}}',
        "array": "[1,2,3]",
        "string": '"just a string"',
        "number": "42",
        "empty-object": "{}",
        "empty": "",
        "whitespace": " \r\n\t ",
        "bad-json": '{"a":}',
        "trailing": '{"a":1} x',
        "two-objects": '{"a":1}{"b":2}',
        "nul-escape": '{"a":"x\\u0000y"}',
        "nul-byte": '{"a":"x\x00y"}',
        "bad-utf8": '{"a":"\xff\xfe"}',
        "surrogate": '{"a":"\\ud83c\\udfb5","b":"\\ud800"}',
        "dup-keys": '{"a":1,"a":2}',
        "big-int": '{"n":123456789012345678901234567890}',
        "deep": "[" * 300 + "]" * 300,
        "deep-object": '{"a":' * 100 + "1" + "}" * 100,
        "lines": '{\n"a":\n1,\n\n"b" 2}',
    }


def op(o, id_=None, kind=None, fields=None):
    d = {"op": o}
    if id_ is not None:
        d["id"] = id_
    if kind is not None:
        d["kind"] = kind
    if fields is not None:
        d["fields"] = fields
    return d


def push_seeds():
    j = {
        "create-track": [op("create", "t3", "track", {"name": "Drums", "gain": -3, "pan": 0.5})],
        "create-bus-route": [op("create", "b3", "track", {"role": "bus"}),
                             op("set", "t1", fields={"output": "b3"})],
        "create-clip": [op("create", "c2", "clip", {"track": "t2", "asset": "a1", "start": 48000,
                                                    "length": 96000, "fade_in": 100})],
        "create-clip-not-ready": [op("create", "c2", "clip", {"track": "t1", "asset": "a2", "start": 0, "length": 10})],
        "create-clip-too-long": [op("create", "c2", "clip", {"track": "t1", "asset": "a1", "start": 0, "length": 480001})],
        "create-effect-delay": [op("create", "e3", "effect", {"track": "t2", "type": "delay",
                                                              "params": {"time": 250, "sync": "1/4"}})],
        "create-eq-bands": [op("create", "e3", "effect", {"track": "t1", "type": "eq",
                                                          "params": {"bands": [{"type": "peak", "freq": 1000, "gain": 3, "q": 1}]}})],
        "create-send": [op("create", "s2", "send", {"track": "t2", "target": "b2", "level": -6, "pre": True})],
        "create-marker": [op("create", "m2", "marker", {"at": 0, "name": "Intro"})],
        "create-automation": [op("create", "u2", "automation", {"track": "b1", "param": "e2.ratio",
                                                                "points": [[0, 2], [1000, 4]]})],
        "set-project": [op("set", "project", fields={"tempo": 90, "meter": [3, 4], "master_gain": None})],
        "set-effect-type": [op("set", "e1", fields={"type": "reverb"})],
        "set-effect-params": [op("set", "e2", fields={"params": {"ratio": 8, "threshold": -30}})],
        "set-clip-fades": [op("set", "c1", fields={"fade_in": 30000, "fade_out": 30000})],
        "set-role-in-use": [op("set", "b1", fields={"role": "audio"})],
        "set-role-clips": [op("set", "t1", fields={"role": "bus"})],
        "cycle": [op("set", "b1", fields={"output": "b2"}), op("set", "b2", fields={"output": "b1"})],
        "send-cycle": [op("create", "s2", "send", {"track": "b2", "target": "b1"}),
                       op("set", "b1", fields={"output": "b2"})],
        "delete-track-cascade": [op("delete", "t1")],
        "delete-bus-in-use": [op("delete", "b1")],
        "delete-effect-automated": [op("delete", "e1")],
        "delete-then-recreate": [op("delete", "m1"), op("create", "m1", "marker", {"at": 5})],
        "delete-project": [op("delete", "project")],
        "delete-missing": [op("delete", "zz")],
        "set-missing": [op("set", "t9", fields={"gain": 1})],
        "create-existing": [op("create", "t1", "track", {})],
        "bad-id": [op("create", "bad id", "track", {})],
        "long-id": [op("create", "x" * 65, "marker", {"at": 1})],
        "unknown-kind": [op("create", "q1", "song", {})],
        "unknown-op": [op("move", "t1")],
        "unknown-field": [op("set", "t1", fields={"volume": 1})],
        "wrong-type": [op("set", "t1", fields={"gain": "loud", "mute": 1})],
        "missing-ref": [op("create", "c2", "clip", {"track": "t9", "asset": "a1", "start": 0, "length": 1})],
        "missing-asset": [op("create", "c2", "clip", {"track": "t1", "asset": "a9", "start": 0, "length": 1})],
        "clip-on-bus": [op("create", "c2", "clip", {"track": "b1", "asset": "a1", "start": 0, "length": 1})],
        "no-fields": [op("set", "t1")],
        "frames-max": [op("set", "m1", fields={"at": 1099511627777})],
        "text-too-long": [op("set", "t1", fields={"name": "n" * 201})],
        "many-ops": [op("set", "t1", fields={"pan": (i % 21 - 10) / 10}) for i in range(40)],
        "instrument-notes": [op("create", "k2", "track", {"role": "instrument", "instrument": {"type": "synth", "preset": "pad", "cutoff": 900}}),
                             op("create", "n2", "clip", {"track": "k2", "start": 0, "length": 48000}),
                             op("create", "nt2", "note", {"clip": "n2", "at": 0, "len": 480, "pitch": 64, "vel": 90}),
                             op("set", "k2", fields={"instrument": {"preset": "bass"}}),
                             op("set", "n2", fields={"track": "k1"}),
                             op("delete", "n2")],
        "instrument-type-change": [op("set", "k1", fields={"instrument": {"type": "drums", "tune": 3}}),
                                   op("set", "k1", fields={"instrument": {"type": "gm", "program": 12}})],
        "instrument-bad": [op("set", "k1", fields={"instrument": {"type": "synth", "wobble": 1}})],
        "instrument-on-audio": [op("set", "t1", fields={"instrument": {"type": "synth"}})],
        "note-on-audio-clip": [op("create", "nt2", "note", {"clip": "c1", "at": 0, "len": 1, "pitch": 60})],
        "note-bad-pitch": [op("create", "nt2", "note", {"clip": "n1", "at": 0, "len": 1, "pitch": 128})],
        "note-ticks-max": [op("set", "nt1", fields={"at": 1099511627775, "len": 2})],
        "role-instrument-clips": [op("set", "k1", fields={"role": "audio"})],
        "delete-instrument-track": [op("delete", "k1")],
        "not-an-array": {"op": "delete", "id": "t1"},
        "empty-array": [],
        "not-objects": [1, "x", None],
    }
    seeds = {k: json.dumps(v, separators=(",", ":")) for k, v in j.items()}
    # structural mode (not JSON): raw bytes the harness reads op by op
    seeds["bytes-zero"] = "\x00" * 64
    seeds["bytes-ramp"] = "".join(chr(i) for i in range(1, 200))
    seeds["bytes-ff"] = "\xff" * 80
    return seeds


def write(name, seeds):
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    for fname, text in seeds.items():
        # latin-1: one byte per character, so "\xff" is the byte 0xff
        data = text.encode("latin-1")
        if len(data) > 9 * 1024:
            sys.exit("gen_corpus: %s/%s is %d bytes" % (name, fname, len(data)))
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


def list_in_local_mk():
    files = []
    for sub in sorted(os.listdir(CORPUS)):
        for f in sorted(os.listdir(os.path.join(CORPUS, sub))):
            files.append("tests/fuzz/corpus/%s/%s" % (sub, f))
    mk = os.path.join(HERE, "local.mk")
    text = open(mk).read()
    a = text.index("# corpus: begin\n") + len("# corpus: begin\n")
    b = text.index("# corpus: end\n")
    block = "EXTRA_DIST += \\\n" + " \\\n".join("\t" + f for f in files) + "\n"
    open(mk, "w").write(text[:a] + block + text[b:])


def ws_message_seeds():
    return {
        "ok": '{"type":"push","seq":1,"id":7,"client":"c-1","body":"hi","at":10,"gain":-3.5,"color":"red","view":[0,100],"rev":"v_1"}',
        "ok-min": '{"type":"x","seq":1}',
        "no-type": '{"seq":1,"id":"a"}',
        "type-number": '{"type":5,"seq":1}',
        "bad-id": '{"type":"x","id":[1],"seq":1}',
        "not-object": '[1,2,3]',
        "not-json": '{"type":"x",',
        "dup-keys": '{"type":"x","seq":1,"seq":2}',
        "bad-utf8": '{"type":"\xc3\x28","seq":1}',
        "cut-utf8-type": '{"type":"' + "\u00e9" * 40 + '","seq":1}',
        "seq-missing": '{"type":"x"}',
        "seq-null": '{"type":"x","seq":null}',
        "seq-real": '{"type":"x","seq":1.5}',
        "seq-big": '{"type":"x","seq":99999999999999999999}',
        "client-bad": '{"type":"x","seq":1,"client":"a b"}',
        "client-long": '{"type":"x","seq":1,"client":"' + "a" * 65 + '"}',
        "body-empty": '{"type":"x","seq":1,"body":""}',
        "body-long": '{"type":"x","seq":1,"body":"' + "\u00e9" * 51 + '"}',
        "body-nul": '{"type":"x","seq":1,"body":"a\u0000b"}',
        "at-neg": '{"type":"x","seq":1,"at":-1}',
        "gain-str": '{"type":"x","seq":1,"gain":"x"}',
        "gain-huge": '{"type":"x","seq":1,"gain":1e308}',
        "color-loose": '{"type":"x","seq":1,"color":3}',
        "color-bad": '{"type":"x","seq":1,"color":"blue"}',
        "view-short": '{"type":"x","seq":1,"view":[1]}',
        "view-items": '{"type":"x","seq":1,"view":[1,"a"]}',
        "rev-bool": '{"type":"x","seq":1,"rev":true}',
        "rev-int": '{"type":"x","seq":1,"rev":3}',
        "deep": '{"type":"x","seq":1,"o":' + "[" * 500 + "]" * 500 + '}',
    }


def webhook_url_seeds():
    # a URL; its first 16 bytes are also read as an IPv6 address
    return {
        "http": "http://example.com/hook",
        "https-port": "https://example.com:8443/x?y=1#f",
        "ipv6": "http://[2001:db8::1]:8080/",
        "ipv6-zone": "http://[fe80::1%25eth0]/",
        "mapped": "http://[::ffff:127.0.0.1]/",
        "decimal-ip": "http://2130706433/",
        "hex-ip": "http://0x7f000001/",
        "userinfo": "http://user:pw@example.com/",
        "ftp": "ftp://example.com/",
        "file": "file:///etc/passwd",
        "gopher": "gopher://127.0.0.1:70/_x",
        "no-scheme": "example.com/hook",
        "no-host": "http:///path",
        "port-zero": "http://example.com:0/",
        "port-big": "http://example.com:65536/",
        "upper": "HTTPS://EXAMPLE.COM/",
        "long-host": "http://" + "a" * 300 + ".com/",
        "ctrl": "http://exa\tmple.com/\r\n",
        "v4-bytes": "\x0a\x00\x00\x01" + "\x00" * 12,
        "regress-one-slash": "http:/.cozm:2/",
    }


def midi_seeds():
    """Standard MIDI Files for fuzz_midi (bytes as latin-1 text)."""
    def vlq(n):
        out = [n & 0x7F]
        n >>= 7
        while n:
            out.insert(0, 0x80 | (n & 0x7F))
            n >>= 7
        return out

    def chunk(cid, body):
        return list(cid.encode()) + list(len(body).to_bytes(4, "big")) + body

    def smf(fmt, ppq, tracks, ntrks=None):
        n = len(tracks) if ntrks is None else ntrks
        hdr = chunk("MThd", [0, fmt, n >> 8, n & 255, ppq >> 8, ppq & 255])
        return hdr + sum((chunk("MTrk", t) for t in tracks), [])

    def track(events, end=True):
        out, now = [], 0
        for t, b in events:
            out += vlq(t - now) + b
            now = t
        return out + ([0, 0xFF, 0x2F, 0] if end else [])

    def text(b):
        return "".join(chr(x) for x in b)

    tempo = (0, [0xFF, 0x51, 3, 0x07, 0xA1, 0x20])
    meter = (0, [0xFF, 0x58, 4, 6, 3, 24, 8])
    name = (0, [0xFF, 0x03, 4] + list(b"Bass"))
    notes = [(0, [0x90, 36, 100]), (240, [0x80, 36, 64]), (240, [0x90, 38, 90]),
             (480, [0x90, 38, 0])]
    drums = [(0, [0x99, 36, 127]), (120, [0x89, 36, 0]), (120, [0x99, 42, 80]),
             (180, [0x89, 42, 0])]
    seeds = {
        "type1": smf(1, 480, [track([tempo, meter]), track([name, (0, [0xC0, 33])] + notes), track(drums)]),
        "type0-running": smf(0, 96, [track([tempo, (0, [0x90, 60, 100]), (48, [62, 80]), (96, [60, 0]), (96, [62, 0]), (100, [0x91, 64, 1]), (200, [0x81, 64, 0])])]),
        "overlap-same-pitch": smf(0, 96, [track([(0, [0x90, 60, 100]), (10, [60, 90]), (20, [0x80, 60, 0]), (30, [0x80, 60, 0])])]),
        "nine-pending": smf(0, 96, [track([(i, [0x90, 60, 10 + i]) for i in range(10)])]),
        "zero-length": smf(0, 96, [track([(5, [0x90, 61, 100]), (5, [0x80, 61, 0]), (5, [0x90, 61, 100]), (9, [0x80, 61, 0])])]),
        "unclosed": smf(1, 96, [track([(0, [0x90, 40, 100]), (50, [0x92, 41, 100])])]),
        "sysex": smf(0, 96, [track([(0, [0xF0, 3, 1, 2, 0xF7]), (1, [0x90, 60, 1]), (2, [0x80, 60, 0]), (3, [0xF7, 1, 0x55])])]),
        "big-delta": smf(0, 96, [track([(0, [0x90, 60, 1]), (0x0FFFFFFF, [0x80, 60, 0]), (0x0FFFFFFF + 5, [0x90, 61, 2])])]),
        "unknown-chunk": chunk("MThd", [0, 1, 0, 1, 0, 96]) + chunk("XFIH", [1, 2, 3]) + chunk("MTrk", track([(0, [0x90, 1, 1]), (1, [0x80, 1, 1])])),
        "long-header": chunk("MThd", [0, 0, 0, 1, 0, 96, 9, 9]) + chunk("MTrk", track([(0, [0x90, 1, 1])])),
        "controllers": smf(0, 96, [track([(0, [0xB0, 7, 100]), (0, [0xE0, 0, 64]), (0, [0xD0, 5]), (0, [0xA0, 60, 3]), (1, [0x90, 60, 3]), (2, [0x80, 60, 3])])]),
        "no-end-of-track": smf(0, 96, [track([(0, [0x90, 60, 100]), (10, [0x80, 60, 0])], end=False)]),
        "names-utf8": smf(1, 96, [track([(0, [0xFF, 0x03, 6] + list("Bä\u00df".encode("utf-8")) + [0x21]), (0, [0x90, 60, 1]), (1, [0x80, 60, 0])])]),
    }
    good = seeds["type1"]
    seeds["bad-header"] = list(b"MThx") + good[4:]
    seeds["header-short"] = good[:10]
    seeds["truncated"] = good[:-9]
    seeds["track-length-past-end"] = good[:18] + [0, 0, 0x10, 0] + good[22:]
    seeds["running-no-status"] = smf(0, 96, [[0, 60, 100, 0, 0xFF, 0x2F, 0]])
    seeds["format2"] = good[:9] + [2] + good[10:]
    seeds["smpte"] = good[:12] + [0xE7, 0x28] + good[14:]
    seeds["too-few-tracks"] = smf(1, 96, [track(notes)], ntrks=3)
    seeds["vlq-5"] = smf(0, 96, [[0x81, 0x81, 0x81, 0x81, 0x01, 0x90, 60, 1]])
    seeds["meta-past-end"] = smf(0, 96, [[0, 0xFF, 0x03, 0x7F, 65]])
    seeds["status-f4"] = smf(0, 96, [[0, 0xF4, 0, 0xFF, 0x2F, 0]])
    seeds["data-high"] = smf(0, 96, [[0, 0x90, 0x85, 1]])
    return {k: text(v) for k, v in seeds.items()}


def link_body_seeds():
    """'C' + a create body, 'S' + a session body (fuzz_link_body.c: the
    first byte's lowest bit picks the parser: 'C' is even, 'S' odd)."""
    e_acute = "\u00e9".encode("utf-8").decode("latin-1")  # UTF-8 bytes
    return {
        "create-ok": 'C{"rights":["listen","comment","download"],"version":null,'
                     '"expires_at":null,"max_uses":null,"password":null,"label":"For the label"}',
        "create-all": 'C{"rights":["comment"],"version":"v_1","pinned":false,'
                      '"expires_at":1893456000000,"max_uses":5,"password":"open sesame","label":"x"}',
        "create-empty": 'C{}',
        "create-right-bad": 'C{"rights":["listen","admin"]}',
        "create-right-num": 'C{"rights":[1]}',
        "create-rights-str": 'C{"rights":"listen"}',
        "create-uses-0": 'C{"max_uses":0}',
        "create-uses-neg": 'C{"max_uses":-1}',
        "create-uses-big": 'C{"max_uses":1000001}',
        "create-uses-real": 'C{"max_uses":1.5}',
        "create-exp-str": 'C{"expires_at":"tomorrow"}',
        "create-exp-neg": 'C{"expires_at":-5}',
        "create-label-200": 'C{"label":"' + e_acute * 200 + '"}',
        "create-label-201": 'C{"label":"' + "a" * 201 + '"}',
        "create-label-nul": 'C{"label":"a\u0000b"}',
        "create-pw-empty": 'C{"password":""}',
        "create-pw-nul": 'C{"password":"a\u0000b"}',
        "create-pin-only": 'C{"pinned":true}',
        "create-pin-str": 'C{"version":"v_1","pinned":"yes"}',
        "create-version-num": 'C{"version":7}',
        "create-unknown": 'C{"colour":"red"}',
        "session-ok": 'S{"name":"Sam","password":null}',
        "session-pw": 'S{"name":"Sam","password":"open sesame"}',
        "session-name-empty": 'S{"name":""}',
        "session-name-space": 'S{"name":" Sam"}',
        "session-name-41": 'S{"name":"' + "n" * 41 + '"}',
        "session-name-40-utf8": 'S{"name":"' + e_acute * 40 + '"}',
        "session-name-tab": 'S{"name":"a\tb"}',
        "session-name-nul": 'S{"name":"a\u0000b"}',
        "session-name-num": 'S{"name":5}',
        "session-pw-num": 'S{"name":"Sam","password":5}',
        "session-none": 'S{}',
    }


def cluster_event_seeds():
    # payloads of the mixroom_events channel (fuzz_cluster_event.c)
    h = "ab" * 32
    return {
        "member": '{"kind":"member_removed","project":"p_1","user":"u_2","node":"a"}',
        "session": '{"kind":"session_ended","session":"%s","node":"b"}' % h,
        "link": '{"kind":"link_revoked","project":"p_1","link":"l_3","node":"c"}',
        "no-node": '{"kind":"link_revoked","project":"p_1","link":"l_3"}',
        "unknown-kind": '{"kind":"member_added","project":"p_1","user":"u_2"}',
        "short-hash": '{"kind":"session_ended","session":"abcd"}',
        "bad-hex": '{"kind":"session_ended","session":"%s"}' % ("zz" * 32),
        "empty-user": '{"kind":"member_removed","project":"p_1","user":""}',
        "nul-in-id": '{"kind":"member_removed","project":"p_1","user":"u\\u0000x"}',
        "long-project": '{"kind":"member_removed","project":"%s","user":"u"}' % ("p" * 200),
        "dup-keys": '{"kind":"member_removed","kind":"link_revoked","project":"p","user":"u","link":"l"}',
        "number-node": '{"kind":"member_removed","project":"p","user":"u","node":5}',
        "not-object": '["member_removed"]',
        "not-json": '{"kind":',
        "empty": '',
    }


def delivery_seeds():
    # byte 0: bit 0 the request has `to`, bit 1 normalize given, bit 2 tail
    # given; then "NORMALIZE\nTAIL" (fuzz_delivery.c)
    return {
        "target-14": "\x02-14",
        "target-16-tail0": "\x06-16\n0",
        "target-23-5": "\x02-23.5",
        "tail1": "\x04\n1",
        "tail1-with-to": "\x05\n1",
        "too-low": "\x02-100",
        "too-high": "\x020",
        "not-a-number": "\x02x",
        "empty": "\x02",
        "hex": "\x020x10",
        "space": "\x02 -14",
        "exponent": "\x02-1e1",
        "inf": "\x02-inf",
        "nan": "\x02nan",
        "bad-tail": "\x06-23.5\n2",
        "both-bad": "\x06x\nyes",
        "long-decimal": "\x02-14." + "0" * 300 + "1",
        "double-minus": "\x02--14",
        "dots": "\x02-1.4.1",
    }


DP_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<Project version="1.0">'
           '<Application name="Seed" version="1"/>')


def dawproject_xml_seeds():
    """project.xml texts for fuzz_dawproject_xml: both time units, both
    volume units, devices, sends, automation, notes, and the refusals."""
    tr = ('<Transport><Tempo unit="bpm" value="100"/>'
          '<TimeSignature numerator="3" denominator="4"/></Transport>')
    ch = ('<Channel role="regular" id="c%d" destination="%s">'
          '<Devices>%s</Devices><Mute value="%s" id="mu%d"/>'
          '<Pan unit="normalized" min="0" max="1" value="0.25" id="p%d"/>%s'
          '<Volume unit="%s" value="%s" id="v%d"/></Channel>')
    eq = ('<Equalizer deviceName="EQ" deviceRole="audioFX" id="eq1">'
          '<Band type="bell"><Freq unit="hertz" value="1000" id="f1"/>'
          '<Gain unit="decibel" value="3" id="g1"/><Q unit="linear" value="1" id="q1"/></Band>'
          '<Band type="notch"><Freq unit="hertz" value="50"/></Band></Equalizer>'
          '<Compressor deviceName="C" deviceRole="audioFX" id="co1">'
          '<Attack unit="seconds" value="0.01"/><Ratio unit="linear" value="4"/>'
          '<Threshold unit="decibel" value="-20" id="th1"/></Compressor>'
          '<Vst3Plugin deviceName="Pro-Q" deviceRole="audioFX"/>'
          '<!-- mixroom effect reverb fx_r {"bypass":false,"params":{"mix":0.5}} -->')
    sends = ('<Sends><Send destination="c3" type="pre"><Volume unit="linear" value="0.5"/>'
             '</Send></Sends>')
    structure = ('<Structure><Track contentType="audio" id="t1" name="Drums" color="#112233">'
                 + ch % (1, "m", eq, "false", 1, 1, sends, "linear", "0.5", 1) + '</Track>'
                 '<Track contentType="notes" id="t2" name="Keys">'
                 + ch % (2, "m", "", "true", 2, 2, "", "decibel", "-3", 2) + '</Track>'
                 '<Track contentType="audio" id="t3" name="Bus">'
                 '<Channel role="effect" id="c3"><Volume unit="linear" value="1"/></Channel></Track>'
                 '<Channel role="master" id="m"><Volume unit="decibel" value="-1"/></Channel>'
                 '</Structure>')

    def arrangement(unit):
        return ('<Arrangement><Lanes timeUnit="%s"><Lanes track="t1"><Clips>'
                '<Clip time="1" duration="2" playStart="0.5" fadeInTime="0.25" name="A">'
                '<Audio channels="1" duration="3" sampleRate="48000"><File path="audio/a.wav"/></Audio></Clip>'
                '<Clip time="4" duration="1" enable="false"><Warps contentTimeUnit="seconds" timeUnit="beats">'
                '<Audio channels="2" duration="3" sampleRate="44100"><File path="b.wav"/></Audio>'
                '<Warp time="0" contentTime="0"/><Warp time="1" contentTime="0.7"/></Warps></Clip>'
                '<Clip time="0" duration="1"><Audio channels="1" duration="1" sampleRate="48000">'
                '<File path="/x/ext.wav" external="true"/></Audio></Clip>'
                '</Clips><Points unit="linear"><Target parameter="v1"/>'
                '<RealPoint time="0" value="0.5"/><RealPoint time="2" value="1" interpolation="hold"/></Points>'
                '<Points unit="decibel"><Target parameter="th1"/><RealPoint time="0" value="-30"/></Points>'
                '</Lanes><Lanes track="t2"><Clips><Clip time="0" duration="4"><Notes>'
                '<Note time="0" duration="1" channel="0" key="60" vel="0.8"/>'
                '<Note time="1" duration="0.5" channel="0" key="200" vel="2"/></Notes></Clip></Clips></Lanes>'
                '</Lanes><Markers><Marker time="0" name="Intro"/><Marker time="8" name="B"/></Markers>'
                '<TempoAutomation><Target/><RealPoint time="0" value="100"/><RealPoint time="4" value="120"/></TempoAutomation>'
                '</Arrangement>' % unit)
    seeds = {
        "beats": DP_HEAD + tr + structure + arrangement("beats") + "</Project>",
        "seconds": DP_HEAD + tr + structure + arrangement("seconds") + "</Project>",
        "minimal": DP_HEAD + "</Project>",
        "no-transport": DP_HEAD + structure + "</Project>",
        "bad-element": DP_HEAD + "<Bogus/></Project>",
        "not-well-formed": DP_HEAD + "<Structure>",
        "doctype-internal": '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "b">]>'
                            '<Project version="1.0"><Application name="&a;" version="1"/></Project>',
        "doctype-external": '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
                            '<Project version="1.0"><Application name="&a;" version="1"/></Project>',
        "path-escape": DP_HEAD + structure.replace("Drums", "D") +
                       arrangement("beats").replace("audio/a.wav", "../a.wav") + "</Project>",
        "routing-loop": DP_HEAD + '<Structure><Track contentType="audio" id="t1"><Channel role="effect" id="c1" destination="c2"/></Track>'
                        '<Track contentType="audio" id="t2"><Channel role="effect" id="c2" destination="c1"/></Track></Structure></Project>',
        "nested-tracks": DP_HEAD + '<Structure><Track contentType="tracks" id="f1" name="Folder">'
                         '<Channel role="submix" id="cf"/><Track contentType="audio" id="t9" name="In">'
                         '<Channel role="regular" id="c9" destination="cf"/></Track></Track></Structure></Project>',
    }
    return seeds


def dawproject_zip_seeds():
    """.dawproject archives for fuzz_dawproject_zip (bytes as latin-1)."""
    import io
    import zipfile

    def z(entries, method=zipfile.ZIP_DEFLATED):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", method) as f:
            for name, data in entries:
                f.writestr(zipfile.ZipInfo(name), data, compress_type=method)
        return b.getvalue().decode("latin-1")
    xml = DP_HEAD + "</Project>"
    return {
        "ok": z([("project.xml", xml), ("metadata.xml", "<MetaData/>"), ("audio/a.wav", "RIFF" + "\0" * 200)]),
        "stored": z([("project.xml", xml)], zipfile.ZIP_STORED),
        "dirs": z([("audio/", ""), ("audio/x.wav", "RIFF")]),
        "escape": z([("../x.wav", "x")]),
        "absolute": z([("/etc/x", "x")]),
        "backslash": z([("a\\b.wav", "x")]),
        "duplicate": z([("a.txt", "1"), ("a.txt", "2")]),
        "zeros": z([("zeros.bin", "\0" * 8000)]),
        "empty": z([]),
        "truncated": z([("project.xml", xml * 4)])[:150],
        "not-zip": "PK\x03\x04 this is not really a zip",
    }


def s3_error_seeds():
    """S3 error documents (byte 0 even) and s3:// URLs (odd), for
    fuzz_s3_error (server/objstore/s3.c)."""
    e = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return {
        "denied": "\0" + e + "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
        "signature": "\0" + e + "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><StringToSign>x</StringToSign></Error>",
        "no-message": "\0<Error><Code>NoSuchBucket</Code></Error>",
        "empty-code": "\0<Error><Code></Code><Message>m</Message></Error>",
        "not-error": "\0<ListBucketResult><Name>b</Name></ListBucketResult>",
        "not-xml": "\0<html>502 Bad Gateway",
        "control-chars": "\0<Error><Code>A\x01B</Code><Message>line\nbreak\x7f\xc3\xa9</Message></Error>",
        "entity": "\0<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Error><Code>&x;</Code></Error>",
        "long": "\0<Error><Code>" + "C" * 300 + "</Code><Message>" + "m" * 600 + "</Message></Error>",
        "empty": "\0",
        "url-ok": "\x01s3://media-1",
        "url-slash": "\x01s3://media/",
        "url-short": "\x01s3://ab",
        "url-upper": "\x01s3://Media",
        "url-path": "\x01s3://me/dia",
        "url-scheme": "\x01http://media",
        "url-long": "\x01s3://" + "a" * 64,
    }


def main():
    write("webhook_url", webhook_url_seeds())
    write("delivery", delivery_seeds())
    write("cluster_event", cluster_event_seeds())
    write("config", config_seeds())
    write("multipart", multipart_seeds())
    write("http_parse", http_seeds())
    write("json_body", json_seeds())
    write("ws_message", ws_message_seeds())
    write("push", push_seeds())
    write("midi", midi_seeds())
    write("link_body", link_body_seeds())
    write("dawproject_xml", dawproject_xml_seeds())
    write("dawproject_zip", dawproject_zip_seeds())
    write("s3_error", s3_error_seeds())
    list_in_local_mk()


if __name__ == "__main__":
    main()
