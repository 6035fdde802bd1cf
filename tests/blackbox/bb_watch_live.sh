# The terminal board tells the truth about its own freshness, in tmux at
# 80x24 and 200x60: a wall clock and when musterd last spoke; a STALE
# banner (and never ACTIVE) within 5 s of musterd stopping (kill -STOP) or
# dying (kill -9), gone once it runs again; the operation name whole,
# wrapped, never cut; a second standup takes over the screen; a wall
# screen is used across its width and down to its foot.  And widths are display columns
# (wcwidth): a role named in Japanese keeps the staffing grid aligned.
#
# The Cambridgeshire plan, its escalations moved 3 hours out, one role
# renamed in Japanese; the daemon's clock set (--clock-offset) as in
# bb_watch.  Arguments: build dir, source dir, mtest.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || fail "tmux is needed (apt-get install tmux)"
command -v python3 >/dev/null || fail "python3 is needed"
export TZ=UTC
JA='通訳 (ポーランド語)' # 18 columns, 26 bytes
plan_sample cambridgeshire 's/^\( *after:\) .*/\1 3h/' 's/ack_wait: 15m/ack_wait: 3h/' \
    "s/name: Interpreter (Polish)/name: $JA/"
OFFSET=$(clock_at '2026-12-01 02:00 UTC')
start_daemon --clock-offset "$OFFSET"
cleanup_hook() {
    kill -CONT "$PID" 2>/dev/null || true
    tmux -S "$T/tmux" kill-server 2>/dev/null || true
}
OP='Operation Longname Alpha Bravo Charlie Delta Echo Foxtrot ENDX' # 62 characters

ref=$(m incident standup --plan cambridgeshire --level 2 --exercise --operation "$OP" | head -n 1)
[ -n "$ref" ] || fail "standup"

# a) Widths by display columns: in `muster status` (100 columns), the
# Japanese role's grid row is as wide on screen as its neighbour's.
m status >"$T/status.txt" || fail "status"
python3 - "$T/status.txt" "$JA" <<'PY' || fail "the staffing grid is not aligned: $(grep -n 'Interpreter\|通訳' "$T/status.txt")"
import sys, unicodedata
def cols(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
ja = [l for l in lines if sys.argv[2] in l]
ro = [l for l in lines if "Interpreter (Romanian)" in l]
assert ja and ro, (ja, ro)
assert cols(ja[0].rstrip()) == cols(ro[0].rstrip()), (cols(ja[0]), cols(ro[0]))
assert all(cols(l) <= 100 for l in lines), max(map(cols, lines))
PY
grep -q '^as of [0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC' "$T/status.txt" || fail "status: no time: $(head -3 "$T/status.txt")"
ok "status: a role named in Japanese (18 columns, 26 bytes) keeps the grid aligned; its time is shown"

# The boards, following the latest incident (no INCIDENT given).
tui() { # W H SESSION
    tmux -S "$T/tmux" new-session -d -s "$3" -x "$1" -y "$2" \
        "\"$BIN/muster\" --keys \"$KEYS\" --connect \"$CONTROL\" --feed \"$FEED\" watch 2>\"$T/$3.err\"; echo EXITED rc=\$?; exec sleep 600"
}
pane() { tmux -S "$T/tmux" capture-pane -p -t "$1"; }
drawn() { pane "$1" | grep -q -- "$2"; }
gone() { ! pane "$1" | grep -q -- "$2"; }
# The pane's text as one line of words: what a reader sees across wraps.
words() { pane "$1" | tr -s ' \n' '  '; }
whole_name() { words "$1" | grep -qF -- "$2"; }
clock() { pane "$1" | grep -o '^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC' | head -n 1 || true; }
ticked() { [ "$(clock "$1")" != "$2" ]; }
tui 80 24 small
tui 200 60 wall
for s in small wall; do
    wait_for 60 drawn $s BREACHES || fail "$s: the board did not draw: $(pane $s) $(cat "$T/$s.err")"
    wait_for 10 drawn $s 'updated [0-2][0-9]:[0-5][0-9]:[0-5][0-9] ([0-9]*s ago)' ||
        fail "$s: no 'updated HH:MM:SS (Ns ago)': $(pane $s)"
    c=$(clock $s)
    [ -n "$c" ] || fail "$s: no wall clock: $(pane $s)"
    wait_for 10 ticked $s "$c" || fail "$s: the clock does not tick: $(pane $s)"
    whole_name $s "$OP" || fail "$s: the operation name is cut: $(pane $s)"
    drawn $s ACTIVE || fail "$s: not ACTIVE: $(pane $s)"
    drawn $s STALE && fail "$s: STALE while musterd runs: $(pane $s)"
done
ok "80x24 and 200x60: a ticking wall clock, 'updated HH:MM:SS (Ns ago)', the 62-character operation name whole"

# b) The wall screen is used across its width (many rows hold content
# right of column 100) and down to its foot (the latest events fill the
# rows the sections leave), no section is cut, no person's name is shown, and
# a resize is followed.
for i in $(seq 1 30); do
    m --as intake person add "$ref" --category survivor --name "Privatename Person$i" \
        --home-area cambridge >/dev/null
done
m --as agency:cpft agency ack "$ref" >/dev/null
rows() { pane wall | sed '$d' | grep -c '[^ ]' || true; } # non-blank rows above the footer
filled() { [ "$(rows)" -ge 45 ]; }
wait_for 30 filled || fail "wall: only $(rows) of 59 rows used: $(pane wall)"
wait_for 30 drawn wall 'agency.acknowledged *agency Cambridgeshire and Peterborough NHS' ||
    fail "wall: the acknowledgement is not among the latest events: $(pane wall)"
drawn wall 'person.registered *category survivor' || fail "wall: no registration among the latest events: $(pane wall)"
drawn wall Privatename && fail "wall: a person's name on the board: $(pane wall)"
pane wall >"$T/wall.screen"
right=$(awk '{ if (length($0) > 100 && substr($0, 101) ~ /[^ ]/) n++ } END { print n + 0 }' "$T/wall.screen")
[ "$right" -ge 15 ] || fail "wall: only $right rows use the right half: $(cat "$T/wall.screen")"
sed '/LATEST/,$d' "$T/wall.screen" | grep -q '+[0-9]* more' && fail "wall: a section cut at 200x60: $(cat "$T/wall.screen")"
[ "$(awk '{ if (length($0) > 200) n++ } END { print n + 0 }' "$T/wall.screen")" = 0 ] || fail "wall: lines wider than 200"
tmux -S "$T/tmux" resize-window -t wall -x 100 -y 40
narrow() { [ "$(pane wall | awk '{ if (length($0) > 100) n++ } END { print n + 0 }')" = 0 ] && drawn wall BREACHES; }
wait_for 10 narrow || fail "wall: not redrawn for 100x40: $(pane wall)"
tmux -S "$T/tmux" resize-window -t wall -x 200 -y 60
wide() { [ "$(pane wall | awk '{ if (length($0) > 100 && substr($0, 101) ~ /[^ ]/) n++ } END { print n + 0 }')" -ge 15 ]; }
wait_for 10 wide || fail "wall: not redrawn for 200x60: $(pane wall)"
ok "200x60: $right rows use the right half of the screen, $(rows) of 59 rows hold content (the latest events below), nothing cut, no name; resizes to 100x40 and back are followed"

# c) musterd stopped (kill -STOP): within 5 s of its last heartbeat both
# boards say STALE, with since when, and never ACTIVE; SIGCONT clears it.
stale_shown() { drawn "$1" 'STALE since [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC' && gone "$1" ACTIVE; }
fresh_shown() { gone "$1" STALE && drawn "$1" ACTIVE; }
kill -STOP "$PID"
t0=${EPOCHREALTIME/[.,]/}
for s in small wall; do
    wait_for 10 stale_shown $s || fail "$s: no STALE banner with musterd stopped: $(pane $s)"
done
took=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
drawn wall 'last known: active' || fail "wall: the last known state is not shown: $(pane wall)"
words small | grep -q 'no word from musterd for [0-9]*s' || fail "small: the banner does not say why: $(pane small)"
kill -CONT "$PID"
for s in small wall; do
    wait_for 30 fresh_shown $s || fail "$s: STALE after musterd went on: $(pane $s)"
done
ok "kill -STOP: STALE since HH:MM:SS on both boards after $took ms (no ACTIVE); gone after SIGCONT"

# d) musterd killed: STALE (the feed connection is down) until a new
# musterd runs; then the board is fresh again.
crash_daemon
for s in small wall; do
    wait_for 10 stale_shown $s || fail "$s: no STALE banner with musterd killed: $(pane $s)"
done
words wall | grep -q 'feed connection is down' || fail "wall: the banner does not say the feed is down: $(pane wall)"
start_daemon --clock-offset "$OFFSET"
for s in small wall; do
    wait_for 30 fresh_shown $s || fail "$s: STALE after musterd came back: $(pane $s)"
done
ok "kill -9: STALE with 'the feed connection is down' on both boards; gone once musterd runs again"

# e) A second standup takes over both screens.
ref2=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation "Second Wave" | head -n 1)
[ -n "$ref2" ] && [ "$ref2" != "$ref" ] || fail "second standup: $ref2"
for s in small wall; do
    wait_for 30 drawn $s "$ref2" || fail "$s: the new incident did not take over: $(pane $s)"
    whole_name $s "operation Second Wave" || fail "$s: not the new incident's board: $(pane $s)"
    words $s | grep -q "took over from $ref" || fail "$s: no note of the takeover: $(pane $s)"
done
ok "a second standup ($ref2) took over both screens"

# f) The boards' text stays free of sanitizer reports, and q ends them.
for s in small wall; do
    tmux -S "$T/tmux" send-keys -t $s q
    wait_for 30 drawn $s 'EXITED rc=0' || fail "$s: did not exit: $(pane $s) $(cat "$T/$s.err")"
done
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err >&2 && fail "sanitizer report from a client"
stop_daemon
