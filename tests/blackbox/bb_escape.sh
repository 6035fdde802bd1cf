# Output that cannot be turned against its reader.  musterd refuses
# control characters in what clients send (names: all of them; notes and
# addresses: all but new line and tab), with BAD_ARGUMENT naming the
# field.  Data that holds them all the same (written into the database
# behind musterd's back) is shown escaped by every human-readable path of
# the muster CLI (person list and show, incident list and show, status,
# the watch board in a terminal), and --json stays the same JSON.  The
# report's CSV neutralises formulas and its Markdown escapes what it quotes.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || fail "tmux is needed (apt-get install tmux)"
command -v python3 >/dev/null || fail "python3 is needed"
esc_plan() {
    plan_head id=esc name="Escape test plan" prefix=ESC lead=hub
    cat <<'YAML'
staffing:
  roles: [{id: call-handler, name: Call handler}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}]
  requirements: [{level: 1, need: {call-handler: 1}}]
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
YAML
    plan_agency id=hub name=Hub role=hub supplies=call-handler desk=D
}
plan_write esc esc_plan
start_daemon
cleanup_hook() { tmux -S "$T/tmux" kill-server 2>/dev/null || true; }
mw() { "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" "$@"; }
ESC=$'\e'
C1=$'\xc2\x9b' # U+009B, the 8-bit CSI

# no_controls FILE: FILE holds no byte a terminal would obey (C0 but new
# line, DEL, a C1 control in UTF-8, a raw 0x80-0x9F byte).
no_controls() {
    python3 - "$1" <<'PY' || fail "raw control characters in $1: $(od -c "$1" | head -20)"
import re, sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", data) else 0)
PY
}
# refused PATTERN -- ARGS: muster ARGS exits 1 (refused by musterd) with
# PATTERN on stderr, and stderr itself is clean.
refused() {
    local pattern=$1
    shift 2
    local rc=0
    m "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = 1 ] || fail "muster $* exited $rc, expected 1: $(cat "$T/err")"
    grep -F -- "$pattern" "$T/err" >/dev/null || fail "muster $* said \"$(cat "$T/err")\", expected \"$pattern\""
    no_controls "$T/err"
}

# a) Refusals, each naming the field and the character.
refused 'BAD_ARGUMENT: "operation" must not contain control characters (U+001B)' -- \
    incident standup --plan esc --level 1 --exercise --operation "EVIL${ESC}[2J"
refused '"note" must not contain control characters other than new line and tab (U+009B)' -- \
    incident standup --plan esc --level 1 --exercise --operation OK --note "x${C1}31m"
[ "$(m --json incident list | grep -c '"ref"')" = 0 ] || fail "a refused standup stood something up"
ref=$(m incident standup --plan esc --level 1 --exercise --operation "# fake heading" \
    --note $'two lines,\n\ta tab' | head -n 1)
[ -n "$ref" ] || fail "standup with a multi-line note"
refused '"name" must not contain control characters (U+001B)' -- \
    --as intake person add "$ref" --category survivor --name "Eve${ESC}[31m"
refused '"name" must not contain control characters (U+000A)' -- \
    --as intake person add "$ref" --category survivor --name $'Eve\nAdams'
refused '"address" must not contain control characters other than new line and tab (U+007F)' -- \
    --as intake person add "$ref" --category survivor --name Eve --address $'1 High St\x7f'
refused '"safe_contact" "note" must not contain control characters' -- \
    --as intake person add "$ref" --category survivor --name Eve --safe-note "ring${ESC}[8m"
m --as intake person add "$ref" --category survivor --name "Ann" --address $'1 High St\nCambridge' \
    >/dev/null || fail "an address on two lines refused"
refused '"name" must not contain control characters (U+009B)' -- \
    --as intake request person.add "{\"incident\": \"$ref\", \"person\": {\"category\": \"other\", \"name\": \"a\\u009bb\"}}"
printf 'category,name,home-area\nsurvivor,Bea,cambridge\nwitness,"Cy%s[2J",cambridge\n' "$ESC" >"$T/in.csv"
rc=0
m --as intake person import "$ref" "$T/in.csv" >"$T/import.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "import with a hostile cell exited $rc: $(cat "$T/import.out")"
grep -F 'line 3: refused: "name" must not contain control characters (U+001B)' "$T/import.out" >/dev/null ||
    fail "import: $(cat "$T/import.out")"
grep -F '2 rows: 1 stored, 0 already imported, 1 refused' "$T/import.out" >/dev/null || fail "import: $(cat "$T/import.out")"
refused '"note" must not contain control characters other than new line and tab (U+001B)' -- \
    --as agency:hub agency ack "$ref" --note "on our way${ESC}]2;pwned${ESC}\\"
refused '"names" must not contain control characters' -- \
    --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift day-x --name "Bob${ESC}[1m"
ok "control characters refused in operation, notes, names, address, safe contact note, CSV cells and pledge names, naming the field"

# b) The report: a formula in a CSV cell, Markdown in quoted text.
hub_code() { code=$(page_field ack_code agency=hub ask=none) && [ -n "$code" ]; }
wait_for 60 hub_code || fail "no page to the hub"
m --as duty page ack "$code" --via '=HYPERLINK("http://evil.example","x")' >/dev/null
m incident standdown "$ref" --note $'| a | b |\n## injected [click](http://evil.example)' >/dev/null
dir=$T/reports/$ref
written() { [ -s "$dir/pathways.csv" ]; }
wait_for 60 written || fail "report not written to $dir"
grep -F ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"," "$dir/agencies.csv" >/dev/null ||
    fail "formula cell not neutralised: $(cat "$dir/agencies.csv")"
grep -E '(^|,)=' "$dir/agencies.csv" && fail "a cell starts with ="
m report "$ref" --format csv --table agencies >"$T/report.csv"
grep -F "\"'=HYPERLINK(" "$T/report.csv" >/dev/null || fail "report --format csv: $(cat "$T/report.csv")"
grep -Fx -- '- Operation: \# fake heading' "$dir/report.md" >/dev/null || fail "operation not escaped: $(cat "$dir/report.md")"
grep -F 'by gold: \| a \| b \|<br>\#\# injected \[click\]\(http://evil.example\) |' "$dir/report.md" >/dev/null ||
    fail "stand-down note not escaped: $(cat "$dir/report.md")"
grep -E '^#+ (fake|injected)' "$dir/report.md" && fail "a heading made from data"
grep -F '](http' "$dir/report.md" && fail "a link made from data"
m report "$ref" >"$T/report.md"
grep -Fx -- '- Operation: \# fake heading' "$T/report.md" >/dev/null || fail "report on demand: $(cat "$T/report.md")"
ok "report: the formula cell starts with a quote; the heading, table and link in quoted text are escaped"

# c) Hostile data written behind musterd's back shows escaped.
ref2=$(m incident standup --plan esc --level 1 --exercise --operation PLAIN | head -n 1)
p=$(m --as intake --json person add "$ref2" --category survivor --name Plain |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
stop_daemon
incident_set "$ref2" operation "'EVIL' || char(27) || '[7mX' || char(155)"
person_set "$p" name "'Eve' || char(27) || '[2J' || char(127) || char(155) || '31m'"
start_daemon
m --as intake person list "$ref2" >"$T/list.txt"
no_controls "$T/list.txt"
grep -F 'Eve\x1b[2J\x7f\u009b31m' "$T/list.txt" >/dev/null || fail "person list: $(cat "$T/list.txt")"
m --as intake person show "$p" >"$T/show.txt"
no_controls "$T/show.txt"
grep -F 'Eve\x1b[2J\x7f\u009b31m' "$T/show.txt" >/dev/null || fail "person show: $(cat "$T/show.txt")"
m incident list >"$T/incidents.txt"
no_controls "$T/incidents.txt"
grep -F 'EVIL\x1b[7mX\u009b' "$T/incidents.txt" >/dev/null || fail "incident list: $(cat "$T/incidents.txt")"
m incident show "$ref2" >"$T/incident.txt"
no_controls "$T/incident.txt"
grep -F 'operation  EVIL\x1b[7mX\u009b' "$T/incident.txt" >/dev/null || fail "incident show: $(cat "$T/incident.txt")"
mw status "$ref2" >"$T/status.txt"
no_controls "$T/status.txt"
grep -F 'operation EVIL\x1b[7mX\u009b' "$T/status.txt" >/dev/null || fail "status: $(cat "$T/status.txt")"
ok "person list and show, incident list and show, and status show control characters as escapes"

# --json: the same strings, as valid JSON, with no raw control byte.
m --json incident list >"$T/incidents.json"
m --as intake --json person show "$p" >"$T/person.json"
no_controls "$T/incidents.json"
no_controls "$T/person.json"
python3 - "$T/incidents.json" "$T/person.json" <<'PY' || fail "--json output is not the stored strings"
import json, sys
ops = [i["operation"] for i in json.load(open(sys.argv[1]))["incidents"]]
assert "EVIL\x1b[7mX\x9b" in ops, ops
assert json.load(open(sys.argv[2]))["name"] == "Eve\x1b[2J\x7f\x9b31m"
PY
ok "--json output is valid JSON holding the exact strings, with control characters as \\u escapes"

# d) The live board in a terminal: the operation's escape sequence is
# drawn as text, so the reverse-video switch never reaches tmux.
tmux -S "$T/tmux" new-session -d -s board -x 120 -y 30 \
    "\"$BIN/muster\" --keys \"$KEYS\" --connect \"$CONTROL\" --feed \"$FEED\" watch \"$ref2\" 2>\"$T/watch.err\"; exec sleep 600"
pane() { tmux -S "$T/tmux" capture-pane -p -t board; }
drawn() { pane | grep -F -- "$1" >/dev/null; }
wait_for 60 drawn "BREACHES" || fail "the board did not draw: $(pane)"
drawn 'operation EVIL\x1b[7mX\u009b' || fail "watch: $(pane)"
tmux -S "$T/tmux" send-keys -t board q
ok "muster watch draws the escape sequence as text"

grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err >&2 && fail "sanitizer report from a client"
stop_daemon
