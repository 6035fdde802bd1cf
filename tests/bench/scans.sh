#!/usr/bin/env bash
# tests/bench/scans.sh DB TRACE - the query plan check: EXPLAIN QUERY PLAN
# of every statement musterd prepared (TRACE, written by the sqltrace.c
# shim: run musterd with LD_PRELOAD=.../libsqltrace.so
# MUSTER_SQL_TRACE=TRACE) against DB (a grown database), listing each
# statement whose plan reads a whole table or index (SCAN) with those
# lines.  `BENCH_SCANS=1 make bench` does this for the core scenarios.
# Prints "scans N" last: the number of statements with a SCAN.
set -euo pipefail
DB=$1 TRACE=$2
python3 - "$DB" "$TRACE" <<'PY'
import subprocess, sys
db, trace = sys.argv[1], sys.argv[2]
seen, stmts = set(), []
for s in open(trace).read().split("\n--;;\n"):
    s = s.strip().rstrip(";").strip()
    first = s.split(None, 1)[0].upper() if s else ""
    if first not in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE"):
        continue
    if s not in seen:
        seen.add(s)
        stmts.append(s)
script = "".join(f".print ==={i}===\nEXPLAIN QUERY PLAN {s};\n" for i, s in enumerate(stmts))
out = subprocess.run(["sqlite3", "-batch", db], input=script, capture_output=True,
                     text=True).stdout
plans, cur = {}, None
for line in out.splitlines():
    if line.startswith("===") and line.endswith("==="):
        cur = int(line.strip("="))
        plans[cur] = []
    elif cur is not None:
        plans[cur].append(line)
n = 0
for i, s in enumerate(stmts):
    scans = [l for l in plans.get(i, []) if "SCAN " in l and "CONSTANT ROW" not in l
             and "json_each" not in l and "json_tree" not in l]
    if scans:
        n += 1
        print("-- " + " ".join(s.split())[:400])
        for l in scans:
            print("   " + l.strip(" |`-"))
print(f"scans {n} of {len(stmts)} statements")
PY
