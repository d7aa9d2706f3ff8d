#!/bin/sh
# dbrename.sh TREE -- converts a mixroom tree's SQLite call sites to the
# store interface of server/core/db.h (h20-db): sqlite3_* calls, the
# sqlite3 / sqlite3_stmt types and the SQLITE_* constants become db_* /
# DB_*. Idempotent (a converted tree is left as it is) and written for code
# it has not seen: calls are renamed, sqlite3_prepare_v2(db, sql, -1, &st,
# NULL) becomes db_prepare(db, sql, &st), and anything it cannot convert is
# listed on stderr as "dbrename: FILE:LINE: not converted: NAME" (exit 0;
# the compiler then points at it). Lines containing "sqlite-only", the
# lines between "sqlite-only: begin" and "sqlite-only: end" and the engine
# files server/core/db*.c/.h are left alone.
set -eu
TREE=${1:?usage: dbrename.sh TREE}
exec python3 - "$TREE" <<'EOF'
import os, re, sys

tree = sys.argv[1]
SKIP = {"server/core/db.h", "server/core/db.c", "server/core/db_priv.h",
        "server/core/db_sqlite.c", "server/core/db_pg.c",
        "server/core/db_pg_sql.c"}
DIRS = ["server", "engine", "protocol", "tests"]

SIMPLE = """bind_text bind_blob bind_int bind_int64 bind_double bind_null
bind_parameter_count step column_count column_type column_int column_int64
column_double column_text column_blob column_bytes column_name reset
clear_bindings finalize changes errmsg errcode exec free open open_v2 close
busy_timeout interrupt get_autocommit db_handle next_stmt stmt_busy
sql""".split()
RENAME = {"sqlite3_" + n: "db_" + n for n in SIMPLE}
RENAME.update({
    "sqlite3_last_insert_rowid": "db_last_insert_id",
    "sqlite3_close_v2": "db_close",
    "sqlite3_extended_errcode": "db_errcode",
    "sqlite3_changes64": "db_changes",
    "sqlite3_stmt": "db_stmt",
    "sqlite3_int64": "db_int64",
    "sqlite_int64": "db_int64",
    "sqlite3_destructor_type": "db_destructor",
})
CONSTS = """OK ERROR INTERNAL BUSY LOCKED NOMEM READONLY INTERRUPT FULL
CONSTRAINT MISUSE RANGE ROW DONE INTEGER FLOAT TEXT BLOB NULL STATIC
TRANSIENT OPEN_READONLY OPEN_READWRITE OPEN_CREATE OPEN_NOMUTEX""".split()
for c in CONSTS:
    RENAME["SQLITE_" + c] = "DB_" + c
NAME_RE = re.compile(r"\b(sqlite3?_[A-Za-z0-9_]+|SQLITE_[A-Z0-9_]+)\b")
TYPE_RE = re.compile(r"\b(?:struct\s+)?sqlite3(\s*\*)")
NULLS = {"NULL", "0", "nullptr", "(void *)0", "(const char **)NULL"}

def split_call(text, start):
    """text[start] is '('; returns (end index after ')', [args]) or None."""
    depth, i, args, cur = 0, start, [], start + 1
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            q = ch
            i += 1
            while i < len(text) and text[i] != q:
                i += 2 if text[i] == "\\" else 1
        elif ch == "/" and text[i + 1:i + 2] == "*":
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(text[cur:i])
                return i + 1, args
        elif ch == "," and depth == 1:
            args.append(text[cur:i])
            cur = i + 1
        i += 1
    return None

def regions(text):
    return [(m.start(), m.end()) for m in
            re.finditer(r"sqlite-only: begin.*?sqlite-only: end", text, re.S)]

def in_regions(pos, spans):
    return any(a <= pos < b for a, b in spans)

def conv_prepare(text):
    out, pos = [], 0
    spans = regions(text)
    pat = re.compile(r"\bsqlite3_prepare_v([23])\s*\(")
    while True:
        m = pat.search(text, pos)
        if not m:
            out.append(text[pos:])
            return "".join(out)
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.start())
        if ("sqlite-only" in text[line_start:line_end if line_end >= 0 else None]
                or in_regions(m.start(), spans)):
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        r = split_call(text, m.end() - 1)
        out.append(text[pos:m.start()])
        if not r:
            out.append(text[m.start():m.end()])
            pos = m.end()
            continue
        end, a = r
        s = [x.strip() for x in a]
        new = None
        if m.group(1) == "2" and len(a) == 5:
            if s[2] == "-1" and s[4] in NULLS:
                new = "db_prepare(%s,%s,%s)" % (a[0], a[1], a[3])
            else:
                new = "db_prepare_v2(%s)" % ",".join(a)
        elif m.group(1) == "3" and len(a) == 6 and s[2] == "-1" and s[5] in NULLS:
            flags = s[3]
            if flags in ("0", "SQLITE_PREPARE_PERSISTENT"):
                fn = "db_prepare" if flags == "0" else "db_prepare_persistent"
                new = "%s(%s,%s,%s)" % (fn, a[0], a[1], a[4])
        if new is None:
            new = text[m.start():end]
        out.append(new)
        pos = end

def convert(path, rel):
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    text = conv_prepare(orig)
    lines = text.split("\n")
    keep_sqlite_h = False
    region = False
    for n, line in enumerate(lines):
        if "sqlite-only: begin" in line:
            region = True
        if region or "sqlite-only" in line:
            keep_sqlite_h = True
            if "sqlite-only: end" in line:
                region = False
            continue
        line = TYPE_RE.sub(lambda m: "db_conn" + m.group(1), line)
        line = NAME_RE.sub(lambda m: RENAME.get(m.group(1), m.group(1)), line)
        lines[n] = line
    text = "\n".join(lines)
    inc = '#include "server/core/db.h"'
    if not keep_sqlite_h:
        if inc in text:
            text = re.sub(r"^#include <sqlite3\.h>[ \t]*\n", "", text, flags=re.M)
        else:
            text = re.sub(r"^#include <sqlite3\.h>", inc, text, flags=re.M)
    elif inc not in text and re.search(r"\bdb_\w+\(|\bdb_(conn|stmt)\b", text):
        text = re.sub(r"^(#include <sqlite3\.h>.*)$", inc + r"\n\1", text,
                      count=1, flags=re.M)
    region = False
    for n, line in enumerate(text.split("\n"), 1):
        if "sqlite-only: begin" in line:
            region = True
        if region or "sqlite-only" in line or "#include" in line:
            if "sqlite-only: end" in line:
                region = False
            continue
        for m in NAME_RE.finditer(line):
            sys.stderr.write("dbrename: %s:%d: not converted: %s\n"
                             % (rel, n, m.group(1)))
    if text != orig:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return 1
    return 0

changed = 0
for d in DIRS:
    for root, _, files in os.walk(os.path.join(tree, d)):
        for fn in files:
            if not fn.endswith((".c", ".h")):
                continue
            p = os.path.join(root, fn)
            rel = os.path.relpath(p, tree)
            if rel in SKIP:
                continue
            changed += convert(p, rel)
print("dbrename: %d files changed" % changed)
EOF
