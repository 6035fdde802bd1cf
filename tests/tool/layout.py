#!/usr/bin/env python3
"""tests/tool/layout.py - the seams of the source tree, checked (docs/architecture.md).

Usage: layout.py ROOT [MUSTER_BINARY MUSTERCORE_LIBRARY]

Fails (exit 1, one line per finding) when
  - a source file in common/, daemon/, clients/ or clients/web/ is longer than MAX_LINES
    or does not open with a comment naming itself and its purpose;
  - a static function with the same body (spacing aside) is defined in two
    files: shared helpers live once, in the module that owns them;
  - a command table is defined outside a *_cmd.c handler file, or a handler
    file calls into another handler file's functions that take a cmd_ctx;
  - SQL outside the store opens savepoints by hand, or reaches into a
    frozen plan's JSON copy (json_extract on plan_json): consumers use the
    typed frozen_plan(), SQL uses columns written at standup;
  - a daemon module steps a statement with sqlite3_step instead of the
    store's store_step, so that a read error could pass for "no (more) rows";
  - the muster client defines any function of the daemon's library.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 800
DIRS = ("common", "daemon", "clients", "clients/web")
STORE_FILES = re.compile(r"^daemon/store[a-z_]*\.c$")

findings = []


def find(msg):
    findings.append(msg)


def sources(root):
    for d in DIRS:
        for name in sorted(os.listdir(os.path.join(root, d))):
            if name.endswith((".c", ".h")):
                rel = d + "/" + name
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    yield rel, f.read()


def check_size_and_header(rel, text):
    lines = text.split("\n")
    if len(lines) - 1 > MAX_LINES:
        find(f"{rel}: {len(lines) - 1} lines (at most {MAX_LINES})")
    if len(lines) < 2 or lines[0] != "/*" or not lines[1].startswith(f" * {rel} - "):
        find(f"{rel}: does not open with '/*' and ' * {rel} - its purpose'")


STATIC_FN = re.compile(r"^static [^;=()]*?\b(\w+)\(([^)]*)\)\n\{\n(.*?)\n\}$", re.M | re.S)


def static_bodies(rel, text):
    for m in STATIC_FN.finditer(text):
        body = m.group(3)
        norm = re.sub(r"\s+", " ", m.group(2) + "{" + body).strip()
        yield norm, m.group(1)


def check_static_duplicates(files):
    seen = {}
    for rel, text in files:
        for norm, name in static_bodies(rel, text):
            seen.setdefault(norm, []).append(f"{rel}:{name}")
    for places in seen.values():
        files_of = {p.split(":")[0] for p in places}
        if len(files_of) > 1:
            find("the same static function in several files: " + ", ".join(places))


CMD_TABLE = re.compile(r"^(?:static )?const struct command \w+\[\] = \{", re.M)
CMD_FN = re.compile(r"^(?:int|void|json_t \*|bool) (\w+)\(struct cmd_ctx \*", re.M)


def check_handlers(files):
    owner = {}
    for rel, text in files:
        if rel.endswith(".c"):
            for fn in CMD_FN.findall(text):
                owner[fn] = rel
    for rel, text in files:
        if CMD_TABLE.search(text) and not rel.endswith("_cmd.c"):
            find(f"{rel}: defines a command table but is not a *_cmd.c handler file")
        if not rel.endswith(".c"):
            continue
        for fn, where in owner.items():
            if where != rel and where.endswith("_cmd.c") and re.search(r"\b%s\(" % fn, text):
                find(f"{rel}: calls {fn}(), a handler function of {where}")


def check_sql(rel, text):
    if STORE_FILES.match(rel):
        return
    if re.search(r"\bSAVEPOINT\b", text):
        find(f"{rel}: opens a savepoint by hand (use store_savepoint)")
    if re.search(r"json_extract\(\s*(?:\w+\.)?plan_json", text):
        find(f"{rel}: reads the frozen plan's JSON copy in SQL (use a column or frozen_plan())")
    if rel.startswith("daemon/") and re.search(r"\bsqlite3_step\(", text):
        find(f"{rel}: steps a statement without store_step (a read error would pass for no row)")


def defined_functions(path):
    out = subprocess.run(["nm", "--defined-only", "-g", path], capture_output=True, text=True,
                         check=True).stdout
    return {l.split()[-1] for l in out.splitlines() if re.match(r"^\S+ T ", l)}


def check_client(binary, core):
    leaked = sorted(defined_functions(binary) & defined_functions(core))
    if leaked:
        find(f"{os.path.basename(binary)} links daemon functions: " + ", ".join(leaked[:10]))


def main():
    root = sys.argv[1]
    files = list(sources(root))
    for rel, text in files:
        check_size_and_header(rel, text)
        check_sql(rel, text)
    check_static_duplicates(files)
    check_handlers(files)
    if len(sys.argv) == 4:
        check_client(sys.argv[2], sys.argv[3])
    for f in findings:
        print(f)
    print(f"layout: {len(files)} files, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
