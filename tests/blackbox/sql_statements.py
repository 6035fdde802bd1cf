"""tests/blackbox/sql_statements.py - musterd's SQL as written in its
source, for bb_query_plans.sh: each `const char NAME[] = "..." MACRO "...";`
of a daemon/*.c file, with the string macros it is built from (its own
file's and those of daemon/*.h, such as EVENTS_REPORT_KINDS) expanded."""
import glob
import os
import re


def _macros(text):
    return {m.group(1): m.group(2).replace("\\\n", " ")
            for m in re.finditer(r"#define\s+(\w+)\s*((?:\\\n|[^\n])*)", text) if '"' in m.group(2)}


def statements(path):
    """(name, sql) for each string constant of the C file at path."""
    macros = {}
    for header in sorted(glob.glob(os.path.join(os.path.dirname(path), "*.h"))):
        macros.update(_macros(open(header).read()))
    text = open(path).read()
    macros.update(_macros(text))

    def expand(body):
        for _ in range(3):
            for k, v in macros.items():
                body = re.sub(r"\b" + k + r"\b", lambda _m: v, body)
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).replace('\\"', '"')

    for m in re.finditer(r'const char (\w+)\[\]\s*=\s*((?:[^;"]|"(?:[^"\\]|\\.)*")*);', text):
        yield m.group(1), expand(m.group(2))
