#!/usr/bin/env python3
"""tests/fuzz/seeds/make_seeds.py - writes the hand-made seed inputs of the
three fuzz targets into tests/fuzz/corpus/<target>/seed-*.  The plan files
of plans/ and tests/plans/ are not copied: run.sh adds them to fuzz_plan's
corpus at run time, so new test plans become seeds by themselves.  Run from
anywhere; it is idempotent.  The checked-in corpus is this output plus the
inputs the 10-minute runs found that add coverage (see README.md)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(FUZZ))

def put(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

# --- proto: request envelopes (docs/protocol.md) -------------------------
P = {
 "whoami": '{"id":"r1","cmd":"session.whoami"}',
 "plan-list": '{"id":"r2","cmd":"plan.list","args":{}}',
 "plan-show": '{"id":"r3","cmd":"plan.show","args":{"plan":"cambridgeshire"}}',
 "standup": '{"id":"8f0c1d9e2b7a4c35a1e6f0b2d3c4e5f6","cmd":"incident.standup","args":{"plan":"cambridgeshire","level":2,"exercise":false,"operation":"Operation Granta","note":"Collision, A14 J31"}}',
 "standdown": '{"id":"r5","cmd":"incident.standdown","args":{"incident":"EX-CAMB-2026-0001","reason":"exercise over"}}',
 "incident-list": '{"id": "8f0c1d9e2b7a4c35a1e6f0b2d3c4e5f6", "cmd": "incident.list", "args": {"state": "active"}}',
 "agency-ack": '{"id":"r7","cmd":"agency.ack","args":{"incident":"CAMB-2026-0001","ack_code":"XAQ1B7N0","pledge":{"role":"mh-nurse","count":2}}}',
 "page-ack": '{"id":"r8","cmd":"page.ack","args":{"page":42,"ack_code":"XAQ1B7N0"}}',
 "person-add": '{"id":"r9","cmd":"person.add","args":{"incident":"EX-CAMB-2026-0001","person":{"category":"survivor","name":"maria  KOWALSKA","dob":"1988-04-12","phone":"07700 900123","language":"pl","interpreter":true,"vulnerabilities":["migrant"],"safe_contact":{"channels":["sms"],"note":"after 6pm"}}}}',
 "person-import": '{"id":"r10","cmd":"person.import","args":{"incident":"CAMB-2026-0001","rows":[{"line":2,"person":{"category":"injured","name":"A B"}},{"line":3,"person":{"category":"witness","name":"C D","external_ref":"CB-1"}}]}}',
 "pledge-offer": '{"id":"r11","cmd":"pledge.offer","args":{"incident":"CAMB-2026-0001","role":"interpreter-polish","shifts":["day-2026-11-23","night-2026-11-22"],"names":null}}',
 "unicode": '{"id":"r12","cmd":"incident.standup","args":{"operation":"Op\\u00e9ration \\ud83d\\ude00 \u00e9\u00e9","plan":"x","level":1,"exercise":true}}',
 "no-args": '{"id":"r13","cmd":"status.show"}',
 "args-null": '{"id":"r14","cmd":"status.show","args":null}',
 "args-array": '{"id":"r15","cmd":"status.show","args":[]}',
 "extra-field": '{"id":"r16","cmd":"status.show","args":{},"principal":"gold"}',
 "bad-id-space": '{"id":"a b","cmd":"x"}',
 "bad-id-long": '{"id":"' + "x"*65 + '","cmd":"x"}',
 "bad-cmd-empty": '{"id":"r","cmd":""}',
 "bad-cmd-long": '{"id":"r","cmd":"' + "c"*65 + '"}',
 "id-number": '{"id":7,"cmd":"x"}',
 "dup-top": '{"id":"r","id":"s","cmd":"x"}',
 "dup-args": '{"id":"r","cmd":"x","args":{"level":1,"level":2}}',
 "nul-escape": '{"id":"r","cmd":"x","args":{"note":"a\\u0000b"}}',
 "nul-raw": b'{"id":"r","cmd":"x"}\x00garbage',
 "nul-inside": b'{"id":"r\x00","cmd":"x"}',
 "huge-int": '{"id":"r","cmd":"x","args":{"level":99999999999999999999999999,"page":9223372036854775807,"limit":-9223372036854775808}}',
 "huge-real": '{"id":"r","cmd":"x","args":{"level":1e400,"page":1.0,"limit":-0}}',
 "bool-types": '{"id":"r","cmd":"x","args":{"exercise":1,"plan":true,"level":"1","note":[]}}',
 "not-object": '[{"id":"r","cmd":"x"}]',
 "scalar": '"just a string"',
 "truncated": '{"id":"r","cmd":"incident.list","args":{"state":"act',
 "trailing-comma": '{"id":"r","cmd":"x",}',
 "bad-utf8": b'{"id":"r","cmd":"x","args":{"note":"\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80"}}',
 "lone-surrogate": '{"id":"r","cmd":"x","args":{"note":"\\ud800"}}',
 "deep-args": '{"id":"r","cmd":"x","args":{"person":' + '{"a":'*300 + '1' + '}'*300 + '}}',
 "deep-array": '{"id":"r","cmd":"x","args":{"rows":' + '['*3000 + ']'*3000 + '}}',
 "empty": '',
 "whitespace": ' \t\r\n ',
}
for k, v in P.items():
    put("proto", k, v)

# --- plan: hostile YAML (run.sh adds every file of plans/ and tests/plans/) -
laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i, c in enumerate("bcdefghi"):
    prev = chr(ord(c) - 1)
    laughs.append(f'{c}: &{c} [' + ",".join(["*" + prev] * 9) + "]")
put("plan", "hostile-billion-laughs.yaml", "\n".join(laughs) + "\n")
put("plan", "hostile-merge-keys.yaml", "base: &b {id: x}\nplan:\n  <<: *b\n  name: y\n")
put("plan", "hostile-deep-flow.yaml", "plan: " + "[" * 5000 + "]" * 5000 + "\n")
put("plan", "hostile-deep-block.yaml",
    "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: x\n")
put("plan", "hostile-huge-scalar.yaml", "plan:\n  name: " + "A" * 60000 + "\n")
put("plan", "hostile-huge-key.yaml", "? " + "k" * 30000 + "\n: v\n")
put("plan", "hostile-many-nodes.yaml", "levels: [" + ",".join(["1"] * 20000) + "]\n")
put("plan", "hostile-tags.yaml", "plan: !!python/object:os.system {id: x}\nlevels: !custom [1]\n")
put("plan", "hostile-huge-int.yaml",
    "plan: {id: x, name: y, version: '1', ref_prefix: XX, retention_days: 99999999999999999999999}\n")
put("plan", "hostile-docs.yaml", "---\nplan: {}\n...\n---\nplan: {}\n")
put("plan", "hostile-bom-utf16.yaml", b"\xff\xfep\x00l\x00a\x00n\x00:\x00")

# --- csv: person intake files --------------------------------------------
H = "category,name,dob,phone,home_area,language,external_ref"
C = {
 "good-lf.csv": H + "\ninjured,Anna Nowak,1990-02-03,07700 900001,cambridge,pl,CB-1\n"
                "survivor,\"Smith, John\",,01223 555555,,en,\n",
 "good-crlf.csv": H + "\r\nwitness,\"O\"\"Brien, Pat\",1975-12-31,+44 7700 900002,peterborough,en,CB-2\r\n"
                  "bereaved,\"Line one\r\nline two\",,,,,\r\n",
 "good-bom.csv": "\ufeff" + H + "\nother,Zo\u00eb \u00c9lise \u4e2d\u6587,2001-01-01,,,fr,\n",
 "good-no-final-newline.csv": H + "\nresponder,Sam,,,,,",
 "good-empty-lines.csv": H + "\n\n\ninjured,A,,,,,\n\r\n\nwitness,B,,,,,\n",
 "good-quoted-empty.csv": H + '\n"","","","","","",""\n"a,b","c\nd","e""f",,,,\n',
 "bad-unclosed.csv": H + '\ninjured,"never closed,,,,,\nwitness,B,,,,,\n',
 "bad-text-after-quote.csv": H + '\ninjured,"A"x,,,,,\nwitness,B,,,,,\n',
 "bad-quote-unquoted.csv": H + '\ninjured,A"B,,,,,\nwitness,B,,,,,\n',
 "bad-bare-cr.csv": H + "\ninjured,A\rB,,,,,\r\rwitness,B,,,,,\n",
 "bad-nul.csv": (H + "\ninjured,A\x00B,,,,,\nwitness,B,,,,,\n"),
 "bad-utf8.csv": (H + "\n").encode() + b"injured,\xc3\x28,\xed\xa0\x80,\xf4\x90\x80\x80,\xc0\xaf,,\nwitness,B,,,,,\n",
 "bad-too-many-fields.csv": H + "\n" + ",".join(["x"] * 70) + "\nwitness,B,,,,,\n",
 "bad-long-field.csv": H + "\ninjured," + "N" * 5000 + ",,,,,\nwitness,B,,,,,\n",
 "bad-long-quoted-field.csv": H + '\ninjured,"' + "N" * 5000 + '",,,,,\nwitness,B,,,,,\n',
 "bad-long-record.csv": H + "\n" + ",".join(["F" * 4000] * 17) + "\nwitness,B,,,,,\n",
 "bad-bom-only.csv": "\ufeff",
 "bad-half-bom.csv": b"\xef\xbb" + H.encode() + b"\n",
 "bad-crlf-in-quote-eof.csv": H + '\r\ninjured,"A\r\n',
 "empty.csv": "",
 "only-newlines.csv": "\n\r\n\n",
}
for k, v in C.items():
    put("csv", k, v)
