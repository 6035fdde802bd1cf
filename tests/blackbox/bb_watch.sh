# The live board (muster watch / muster status) and the feed's Clone
# pattern: a watcher that joins mid-incident ends with exactly the board
# the daemon shows; a forced gap makes it re-snapshot and still agree; 100
# watchers agree with the daemon after 1,000 registrations arrive while
# they watch; the terminal board draws every section at 80x24 and 200x60
# in tmux, follows the feed, and gives the terminal back on q and Ctrl-C;
# the agency entries on a standup's own events fold into status's board.
#
# The Cambridgeshire plan, its escalations moved 3 hours out and the
# daemon's clock set (--clock-offset), so that no timer adds events while
# boards are compared.  Arguments: build dir, source dir, mtest, watchers.
. "$(dirname "$0")/lib.sh"
WATCHERS=$4

command -v tmux >/dev/null || fail "tmux is needed (apt-get install tmux)"
command -v python3 >/dev/null || fail "python3 is needed"
export TZ=UTC
plan_sample cambridgeshire 's/^\( *after:\) .*/\1 3h/' 's/ack_wait: 15m/ack_wait: 3h/'
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
cleanup_hook() { tmux -S "$T/tmux" kill-server 2>/dev/null || true; }

mw() { "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" "$@"; }
# The "board" member of a status.show result, as canonical JSON.
canon_board() {
    python3 -c 'import json, sys
sys.stdout.write(json.dumps(json.load(sys.stdin)["board"], sort_keys=True,
                            separators=(",", ":"), ensure_ascii=False))'
}
seq_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["seq"])'; }
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }

ref=$(m incident standup --plan cambridgeshire --level 2 --exercise --operation WATCH | head -n 1)
[ -n "$ref" ] || fail "standup"

# Some of the incident before any watcher joins: acknowledgements,
# pledges (one accepted), registrations, an urgent screen.
m --as agency:cpft agency ack "$ref" >/dev/null
m --as agency:victim-witness-hub agency ack "$ref" >/dev/null
m --as agency:cpft pledge offer "$ref" --role mh-nurse --count 2 \
    --shift night-2026-11-30 --shift day-2026-12-01 >/dev/null
m --as agency:victim-witness-hub pledge offer "$ref" --role call-handler --count 4 \
    --shift day-2026-12-01 >/dev/null
m pledge accept 1 >/dev/null
p1=$(add --category survivor --name "Ann Archer" --home-area cambridge)
add --category bereaved --name "Ben Bell" --home-area peterborough >/dev/null
add --category witness --name "Col Cross" --home-area leeds >/dev/null
m --as intake person screen "$p1" --instrument phq9 --answers 0,0,0,0,0,0,0,0,1 >/dev/null

# A watcher that joins now takes its snapshot; status shows the same.
mw status --json >"$T/s0.json"
mw watch --dump-after "$(seq_of <"$T/s0.json")" >"$T/w0.json" 2>"$T/w0.err" || fail "watch --dump-after: $(cat "$T/w0.err")"
[ "$(cat "$T/w0.json")" = "$(canon_board <"$T/s0.json")" ] || fail "a snapshot differs from status: $(cat "$T/w0.json")"
[ "$(mw status --hash)" = "$(canon_board <"$T/s0.json" | sha256sum | cut -d' ' -f1)" ] || fail "status --hash"
mw status >"$T/s0.txt"
for h in AGENCIES STAFFING PERSONS BREACHES "$ref"; do grep -q -- "$h" "$T/s0.txt" || fail "status text without $h"; done
[ "$(awk '{ if (length($0) > 100) n++ } END { print n + 0 }' "$T/s0.txt")" = 0 ] || fail "status text wider than 100"
[ "$(wc -l <"$T/s0.txt")" -le 40 ] || fail "status text longer than 40 lines"
grep -q 'UNREACHABLE\|waiting' "$T/s0.txt" || fail "status text lists no waiting agency"
ok "a snapshot is the daemon's board; status prints it as text in 100x40 and as a hash"

# watch_start NAME [ENV...]: a headless watcher that is told its final
# seq on a fifo later; waits until it has its first snapshot.
watch_start() {
    local name=$1
    shift
    mkfifo "$T/$name.in"
    env "$@" "$BIN/muster" --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" \
        watch --dump-after - <"$T/$name.in" >"$T/$name.json" 2>"$T/$name.err" &
    WPID=$!
    exec 5>"$T/$name.in"
    wait_for 60 grep -q 'snapshot' "$T/$name.err" || fail "$name: no snapshot: $(cat "$T/$name.err")"
}
# watch_finish NAME: tell the watcher the daemon's seq now, wait for it,
# and compare its board with the daemon's.
watch_finish() {
    local name=$1
    mw status --json >"$T/$name.status"
    seq_of <"$T/$name.status" >&5
    exec 5>&-
    wait "$WPID" || fail "$name: watcher failed: $(cat "$T/$name.err")"
    [ "$(cat "$T/$name.json")" = "$(canon_board <"$T/$name.status")" ] ||
        fail "$name: the watcher's board differs from the daemon's"
}
activity() { # more of the incident while a watcher watches
    local tag=$1
    m --as agency:rape-crisis agency ack "$ref" >/dev/null || true
    m --as agency:migrant-victims pledge offer "$ref" --role interpreter-polish --count 1 \
        --shift "day-2026-12-01" >/dev/null
    for i in 1 2 3 4 5 6; do
        add --category survivor --name "$tag Person $i" --home-area cambridge >/dev/null
    done
    add --category bereaved --name "$tag Relative" --home-area fenland >/dev/null
}

# a) joins mid-incident, then follows the feed without a gap.
watch_start a
activity A
watch_finish a
grep -q 're-snapshot' "$T/a.err" && fail "a: an unexpected gap: $(cat "$T/a.err")"
ok "a watcher that joined mid-incident followed the feed to exactly the daemon's board"

# b) the 3rd message dropped: the gap is seen, a new snapshot taken.
watch_start b MUSTER_WATCH_DROP=3
activity B
watch_finish b
grep -q 're-snapshot after gap' "$T/b.err" || fail "b: no re-snapshot after the gap: $(cat "$T/b.err")"
ok "a forced gap made the watcher re-snapshot; it still ends equal to the daemon's board"

# c) 100 watchers while 1,000 registrations arrive by CSV import.
awk 'BEGIN {
    print "category,name,dob,phone,home_area,language,external_ref"
    split("survivor witness injured bereaved", cat, " ")
    for (i = 1; i <= 1000; i++)
        printf "%s,Load Person %d,19%02d-%02d-%02d,07700 9%05d,%s,en,LD-%05d\n", cat[1 + i % 4], i,
            50 + i % 50, 1 + i % 12, 1 + i % 28, i, (i % 9 == 0) ? "leeds" : "cambridge", i
}' >"$T/load.csv"
mkfifo "$T/c.in"
"$WATCHERS" "$CONTROL" "$FEED" "$KEYS" 100 - <"$T/c.in" >"$T/c.out" 2>"$T/c.err" &
cpid=$!
exec 6>"$T/c.in"
wait_for 120 grep -q '^ready ' "$T/c.out" || fail "watchers did not start: $(tail -5 "$T/c.err")"
grep -q '^ready 100$' "$T/c.out" || fail "not all watchers started: $(cat "$T/c.out") $(tail -5 "$T/c.err")"
m --as intake person import "$ref" "$T/load.csv" >"$T/import.out" 2>&1 &
jobs_add $!
jobs_wait
tail -n 1 "$T/import.out" | grep -q '^1000 rows: 1000 stored' || fail "import: $(tail -n 1 "$T/import.out")"
mw status --json >"$T/c.status"
want=$(mw status --hash)
[ "$want" = "$(canon_board <"$T/c.status" | sha256sum | cut -d' ' -f1)" ] || fail "c: status moved"
seq_of <"$T/c.status" >&6
exec 6>&-
wait "$cpid" || fail "watchers failed: $(tail -5 "$T/c.err")"
[ "$(grep -c '^watcher ' "$T/c.out")" = 100 ] || fail "not 100 watchers reported"
bad=$(grep '^watcher ' "$T/c.out" | grep -vc " sha256 $want\$" || true)
[ "$bad" = 0 ] || fail "$bad of 100 watchers differ from the daemon's board ($want)"
gaps=$(awk '/^watcher / { g += $6 } END { print g + 0 }' "$T/c.out")
ok "100 watchers all ended with the daemon's board hash after 1,000 registrations ($gaps gaps re-snapshotted)"

# d) the terminal board in tmux.  The pane runs the board between two
# `stty -g`, and says RESTORED when the terminal settings came back.
tui() { # W H SESSION
    tmux -S "$T/tmux" new-session -d -s "$3" -x "$1" -y "$2" \
        "sh -c 'trap : INT; before=\$(stty -g); \"$BIN/muster\" --keys \"$KEYS\" --connect \"$CONTROL\" --feed \"$FEED\" watch \"$ref\" 2>\"$T/$3.err\"; rc=\$?; [ \"\$before\" = \"\$(stty -g)\" ] && echo RESTORED rc=\$rc; exec sleep 600'"
}
pane() { tmux -S "$T/tmux" capture-pane -p -t "$1"; }
drawn() { pane "$1" | grep -q "$2"; }
check_board() { # SESSION W H
    wait_for 60 drawn "$1" "$ref" || fail "$1: the board did not draw: $(pane "$1")"
    wait_for 30 drawn "$1" "BREACHES" || fail "$1: no BREACHES: $(pane "$1")"
    pane "$1" >"$T/$1.screen"
    for h in AGENCIES STAFFING PERSONS BREACHES URGENT EXERCISE "q quit"; do
        grep -q "$h" "$T/$1.screen" || fail "$1: no \"$h\" on screen: $(cat "$T/$1.screen")"
    done
    [ "$(awk -v w="$2" '{ if (length($0) > w) n++ } END { print n + 0 }' "$T/$1.screen")" = 0 ] ||
        fail "$1: lines wider than $2"
    [ "$(tmux -S "$T/tmux" display -p -t "$1" '#{alternate_on}')" = 1 ] || fail "$1: not on the alternate screen"
}
restored() {
    wait_for 30 drawn "$1" "RESTORED rc=0" || fail "$1: did not exit cleanly: $(pane "$1") $(cat "$T/$1.err")"
    [ "$(tmux -S "$T/tmux" display -p -t "$1" '#{alternate_on} #{cursor_flag}')" = "0 1" ] ||
        fail "$1: alternate screen or hidden cursor left behind"
}

tui 80 24 small
check_board small 80 24
grep -q '+[0-9]* more' "$T/small.screen" || fail "small: nothing cut with +N more at 80x24"
tmux -S "$T/tmux" send-keys -t small q
restored small
ok "80x24: every section heading and the reference drawn, lists cut with +N more; q gave the terminal back"

tui 200 60 wall
check_board wall 200 60
grep -q '+[0-9]* more' "$T/wall.screen" && fail "wall: a list cut at 200x60: $(cat "$T/wall.screen")"
grep -q 'Interpreter (Portuguese)' "$T/wall.screen" || fail "wall: the last role is missing"
n=$(sed -n 's/.*PERSONS *\([0-9]*\) registered.*/\1/p' "$T/wall.screen")
add --category witness --name "Late Arrival" --home-area cambridge >/dev/null
wait_for 30 drawn wall "PERSONS *$((n + 1)) registered" || fail "wall: the board did not follow the feed: $(pane wall)"
tmux -S "$T/tmux" send-keys -t wall C-c
restored wall
ok "200x60: the whole board on one screen, updated live from the feed; Ctrl-C gave the terminal back"

# e) A standup followed from its first event: the agency entries that
# ride on the standup's own events (made there, not read back from the
# database: issue 19) fold into the board status shows, the first
# attempts made in the standup included.  duty holds a feed subscription,
# live once a message (a heartbeat at least) reaches it.
mkfifo "$T/e.in" "$T/e.out"
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" duty <"$T/e.in" >"$T/e.out" 2>"$T/e.err" &
EPID=$!
exec 7>"$T/e.in" 8<"$T/e.out"
live() {
    echo "live 1000" >&7
    IFS= read -r -t "$MUSTER_TIMEOUT" answer <&8 || fail "e: the held session did not answer"
    [ "$answer" = "feed live" ]
}
wait_for 60 live || fail "e: the held feed subscription never received a message"
ref2=$(m incident standup --plan cambridgeshire --level 3 --exercise --operation WATCH-E | head -n 1)
[ -n "$ref2" ] || fail "e: standup"
mw status "$ref2" --json >"$T/e.status"
echo "events $(scaled 30000) $ref2 $(seq_of <"$T/e.status")" >&7
: >"$T/e.events"
while IFS= read -r -t "$(scaled 60)" line <&8; do
    [ "$line" != done ] || break
    [ "$line" != "feed none" ] || fail "e: the feed stopped before status's seq: $(wc -l <"$T/e.events") events"
    echo "${line#event }" >>"$T/e.events"
done
[ "$line" = done ] || fail "e: no answer from the held session"
exec 7>&-
wait "$EPID" || fail "e: the held session failed: $(cat "$T/e.err")"
python3 - "$T/e.events" "$T/e.status" <<'PY' || fail "e: the standup's events do not fold into status's agencies"
import json, sys
board = {}
kinds = []
for line in open(sys.argv[1]):
    ev = json.loads(line)
    kinds.append(ev["kind"])
    for k, v in (ev.get("board") or {}).items():
        if v is None:
            board.pop(k, None)
        else:
            board[k] = v
want = {k: v for k, v in json.load(open(sys.argv[2]))["board"].items() if k.startswith("agency/")}
got = {k: v for k, v in board.items() if k.startswith("agency/")}
assert kinds[0] == "incident.standup", kinds[:3]
assert got == want, [(k, got.get(k), want.get(k)) for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
tried = [k for k, v in want.items() if v["step"] == 1]
assert len(want) >= 10 and tried and kinds.count("page.sent") >= len(tried), (len(want), tried, kinds)
print(len(want), len(tried))
PY
ok "a standup followed from its first event folds into status's agencies ($(python3 -c 'import json,sys; print(len([k for k in json.load(sys.stdin)["board"] if k.startswith("agency/")]))' <"$T/e.status") agencies)"

grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err >&2 && fail "sanitizer report from a client"
stop_daemon
