# Peers without a key cannot exhaust musterd's descriptors: with the daemon
# under `ulimit -n 256` on TCP endpoints, several times that many raw TCP
# connections that never handshake (re-opened as fast as they are closed)
# leave Gold able to stand up an incident, the exec page goes out and no
# agency is raised unreachable.  Then a page musterd cannot send for want
# of descriptors (EMFILE) is tried again, never escalated, and goes out once
# descriptors are free.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
CONTROL_PORT=$(free_port)
FEED_PORT=$(free_port)
CONTROL=tcp://127.0.0.1:$CONTROL_PORT
FEED=tcp://127.0.0.1:$FEED_PORT
mkdir -p "$T/escalated"
flood_plan() {
    plan_head id=flood name="Flood plan" prefix=FL lead=hub
    echo "paging: {ack_wait: 1h, exec_timeout: 5s}"
    echo "agencies:"
    plan_agency id=hub name="Victim hub" role="paged by its SMS gateway" \
        contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec")" \
        contact="$(plan_contact Escalation exec "$EXEC" args="$T/escalated" after=1h)"
}
plan_write flood flood_plan
# The daemon alone runs under `ulimit -n 256` (soft and hard: it cannot
# raise them); the flood runs with the test's own limit.
MUSTERD_NOFILE=256 start_daemon
fds() { ls "/proc/$PID/fd" | wc -l; }

FLOOD_PIDS=
cleanup_hook() {
    for p in ${RECEIVER_PIDS:-} $FLOOD_PIDS; do kill "$p" 2>/dev/null || true; done
}
flood() { # PORT COUNT: flood in the background, wait for its first round
    local fd
    exec {fd}< <(exec python3 "$SRC/tests/tool/conn_flood.py" 127.0.0.1 "$1" "$2")
    FLOOD_PIDS="$FLOOD_PIDS $!"
    read -r -t 60 line <&"$fd" || fail "the flood on port $1 did not start"
    echo "flood on port $1: $line"
}
flood "$CONTROL_PORT" 900
flood "$FEED_PORT" 400

# Gold still gets in, well within its deadline, while the flood goes on.
ref=$(MUSTER_TIMEOUT=$(scaled 20) m incident standup --plan flood --level 1 --live --operation FLOOD | head -n 1)
[[ "$ref" =~ ^FL- ]] || fail "standup under the flood printed \"$ref\""
ok "Gold stood up $ref under a flood of 1,300 connections"

paged() { [ -s "$T/exec/hub.log" ]; }
wait_for 30 paged || fail "the exec page did not go out under the flood"
ok "the exec page went out"
[ "$(page_state_count unreachable)" = 0 ] || fail "an agency was raised unreachable"
[ -z "$(ls "$T/escalated")" ] || fail "the page escalated"
grep -q 'still in their CURVE handshake' "$LOG" || fail "the guard never shed a connection"
open=$(fds)
[ "$open" -lt 256 ] || fail "musterd holds $open descriptors"
ok "no agency unreachable or escalated; musterd holds $open of 256 descriptors"
cleanup_hook
FLOOD_PIDS=

# Part two: not enough descriptors for the exec channel, on a daemon
# restarted with the same limit.  (Not on the flooded one: connections
# whose handshake the kernel left half-open while musterd's accept queue
# was full are completed and accepted for seconds after the flood is
# killed, so its descriptors were never still.  One CI run measured the
# free descriptors while three of them were open: the page had room and
# went out.)  The soft limit leaves three free: room for a client's
# connection, never for the four an exec page needs at once (its stdin
# socket pair and output pipe), so the page fails with EMFILE.  (With only
# one left free, one CI run found it taken by something else for over 15 s
# and Gold's `incident show` was never accepted.)
stop_daemon
MUSTERD_NOFILE=256 start_daemon
m incident standdown "$ref" >/dev/null
: >"$T/exec/hub.log"
server_conns() { # connections to the daemon's ports it has not closed yet
    awk -v c="$(printf ':%04X' "$CONTROL_PORT")" -v f="$(printf ':%04X' "$FEED_PORT")" \
        '($2 ~ c"$" || $2 ~ f"$") && ($4 == "01" || $4 == "08") { n++ } END { print n + 0 }' \
        /proc/net/tcp
}
settled() { [ "$(server_conns)" = 0 ]; }
wait_for 30 settled || fail "musterd still holds $(server_conns) connections after the stand-down"
lowest_free() {
    ls "/proc/$PID/fd" | sort -n | awk 'BEGIN { n = 0 } $1 == n { n++ } END { print n }'
}
prlimit --pid "$PID" --nofile=$(($(lowest_free) + 3)):256
ref=$(m incident standup --plan flood --level 1 --live --operation EMFILE | head -n 1)
retries() { attempts_count ref="$ref" state=retry; }
retried_twice() { [ "$(retries)" -ge 2 ]; }
wait_for 30 retried_twice || fail "the page was not retried: $(retries) retries"
grep -q "local failure in musterd, not the agency's (.*Too many open files" "$LOG" ||
    fail "no log line names the local failure"
show=$(m --json incident show "$ref")
grep -q '"state": "paging"' <<<"$show" || fail "the page left paging: $show"
grep -q '"escalated_to_step": 1' <<<"$show" || fail "the page escalated: $show"
grep -q '"failed": 0' <<<"$show" || fail "a local failure counted as the agency's: $show"
[ -z "$(ls "$T/escalated")" ] || fail "the page escalated to the next contact"
[ "$(page_state_count unreachable)" = 0 ] || fail "an agency was raised unreachable"
ok "out of descriptors: the page was retried $(retries) times, never escalated"

prlimit --pid "$PID" --nofile=256:256
wait_for 30 paged || fail "the page did not go out once descriptors were free"
[ -z "$(ls "$T/escalated")" ] || fail "the page escalated"
ok "descriptors back: the page went out to the first contact"

stop_daemon
