#!/usr/bin/env python3
# tests/tool/prom_check.py - checks a Prometheus text exposition (format
# 0.0.4) on stdin, for bb_metrics: every line is a comment, a HELP or TYPE
# line, or a sample with a valid name, well-escaped labels and a number;
# each metric's HELP and TYPE come once and before its samples, which are
# together; no series twice; a histogram's buckets are cumulative, ascend,
# end with le="+Inf" equal to its _count, and it has a _sum.  Exit 0 and
# nothing printed when valid; else 1 with the first problems on stderr.
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(
    r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? (\S+)(?: (-?[0-9]+))?$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (?:[^\\\n]|\\[\\n])*$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

problems = []


def bad(lineno, why, line):
    problems.append("line %d: %s: %r" % (lineno, why, line))


def value_ok(v):
    if v in ("+Inf", "-Inf", "NaN"):
        return True
    try:
        float(v)
        return True
    except ValueError:
        return False


def family(name, types):
    """The metric a sample belongs to (a histogram's _bucket, _sum, _count)."""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) == "histogram":
            return base
    return name


def check_histograms(hists, types):
    for base, series in hists.items():
        for labels, parts in series.items():
            buckets = parts.get("bucket", [])
            if not buckets or buckets[-1][0] != math.inf:
                problems.append("%s%s: no le=\"+Inf\" bucket last" % (base, labels))
                continue
            les = [b[0] for b in buckets]
            counts = [b[1] for b in buckets]
            if les != sorted(les) or len(set(les)) != len(les):
                problems.append("%s%s: le not ascending: %s" % (base, labels, les))
            if counts != sorted(counts):
                problems.append("%s%s: buckets not cumulative: %s" % (base, labels, counts))
            if parts.get("count") != counts[-1]:
                problems.append("%s%s: +Inf bucket %s != _count %s"
                                % (base, labels, counts[-1], parts.get("count")))
            if "sum" not in parts:
                problems.append("%s%s: no _sum" % (base, labels))


def main():
    text = sys.stdin.read()
    if not text.endswith("\n"):
        problems.append("the text does not end with a new line")
    helps, types, seen, done = {}, {}, set(), set()
    hists = {}
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            m = HELP.match(line)
            if not m:
                bad(n, "malformed HELP", line)
            elif m.group(1) in helps:
                bad(n, "second HELP", line)
            else:
                helps[m.group(1)] = n
            continue
        if line.startswith("# TYPE "):
            m = TYPE.match(line)
            if not m:
                bad(n, "malformed TYPE", line)
            elif m.group(1) in types:
                bad(n, "second TYPE", line)
            elif m.group(1) in done or m.group(1) == current:
                bad(n, "TYPE after the metric's samples", line)
            else:
                types[m.group(1)] = m.group(2)
            continue
        if line.startswith("#") or line == "":
            continue
        m = SAMPLE.match(line)
        if not m or not value_ok(m.group(3)):
            bad(n, "malformed sample", line)
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        base = family(name, types)
        if base not in types or base not in helps:
            bad(n, "sample before its HELP and TYPE", line)
        if base != current:
            if base in done:
                bad(n, "samples of %s not together" % base, line)
            if current:
                done.add(current)
            current = base
        key = (name, labels)
        if key in seen:
            bad(n, "series twice", line)
        seen.add(key)
        if types.get(base) == "counter" and float(value) < 0:
            bad(n, "negative counter", line)
        if types.get(base) == "histogram":
            pairs = dict(PAIR.findall(labels))
            le = pairs.pop("le", None)
            rest = ",".join("%s=%s" % kv for kv in sorted(pairs.items()))
            parts = hists.setdefault(base, {}).setdefault(rest, {})
            if name.endswith("_bucket"):
                if le is None:
                    bad(n, "bucket without le", line)
                    continue
                parts.setdefault("bucket", []).append(
                    (math.inf if le == "+Inf" else float(le), float(value)))
            elif name.endswith("_count"):
                parts["count"] = float(value)
            elif name.endswith("_sum"):
                parts["sum"] = float(value)
    check_histograms(hists, types)
    if not seen:
        problems.append("no samples at all")
    for p in problems[:20]:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
