# tests/blackbox/bb_failover.sh - the failover drill (issue 18 §4): the pair
# simulated on one machine.  An active musterd under load (the crash tool's
# clients: Gold standing incidents up, agencies acknowledging and pledging,
# two intake clients; six more intake clients that are one-shot `muster
# person add` commands; board watchers) is killed with -9 at a random
# moment, and a standby musterd is started on the same data directory and
# the same endpoints, as Pacemaker would after moving the storage and the
# address.  No client is restarted: they reconnect and resend by themselves.
# After DRILL_RUNS failovers: every acknowledged request exists exactly once,
# no page attempt was made twice, every ladder finishes, every watcher's
# board converges on the daemon's, the audit chain is intact.
#
# DRILL_RUNS (default 20, for `make test`) and DRILL_WATCHERS (default 20)
# set the size; the long run in docs/resilience.md is
#
#     DRILL_RUNS=100 DRILL_WATCHERS=100 ctest -R bb_failover --output-on-failure
. "$(dirname "$0")/lib.sh"

CRASH=$(dirname "$3")/crash
WATCHERS=$(dirname "$3")/watchers
RUNS=${DRILL_RUNS:-20}
NWATCH=${DRILL_WATCHERS:-20}
EXEC=$SRC/tests/receivers/page_exec.sh
JOURNAL=$T/journal
STOP=$T/stop
mkdir -p "$T/exec"

plan_write crash crash_tool_plan DR "Failover drill plan (the crash tool stands up plan crash)"

PIDS=()
cleanup_hook() {
    local p
    for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done
}
journaled() { wc -l <"$JOURNAL"; }
journal_at_least() { [ "$(journaled)" -ge "$1" ]; }

# One-shot intake: a new `muster` process per registration, journaled like
# the crash tool's (same columns) when answered ok.  A command that fails
# did not ride through the failover: it is recorded and fails the drill.
intake_cli() { # N
    local i=0 id out pid
    while [ ! -e "$STOP" ]; do
        i=$((i + 1))
        id=drill-cli-$1-$i
        if ! out=$(m --as intake --json --request-id "$id" person add "$ref0" --category survivor \
            --name "Drill $1 $i" --home-area crashton --external-ref "DR-$1-$i" 2>&1); then
            echo "$id: $out" >>"$T/cli.err"
            return 1
        fi
        pid=$(echo "$out" | jq -r .person)
        printf 'person\t%s\tintake\t%s\t%s\t%s\t0\n' "$id" "$ref0" "DR-$1-$i" "$pid" >>"$JOURNAL"
    done
}

start_daemon
: >"$JOURNAL"
ref0=$(m incident standup --plan crash --level 1 --exercise --operation DRILL-0 | head -n 1)
printf 'standup\t-\tgold\t%s\tDRILL-0\t-\t0\n' "$ref0" >>"$JOURNAL"

mkfifo "$T/w.in"
"$WATCHERS" "$CONTROL" "$FEED" "$KEYS" "$NWATCH" - <"$T/w.in" >"$T/w.out" 2>"$T/w.err" &
WPID=$!
PIDS+=("$WPID")
exec 6>"$T/w.in"
wait_for 120 grep -q '^ready ' "$T/w.out" || fail "watchers did not start: $(tail -5 "$T/w.err")"

"$CRASH" "$CONTROL" "$KEYS" "$JOURNAL" "$STOP" a1:call-handler a2:mh-nurse a3:isva \
    >"$T/load.out" 2>"$T/load.err" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
CLI_PIDS=()
for n in 1 2 3 4 5 6; do
    intake_cli "$n" &
    CLI_PIDS+=($!)
    PIDS+=($!)
done
wait_for 30 journal_at_least 20 || fail "the load made no progress: $(cat "$T/load.err")"

for r in $(seq 1 "$RUNS"); do
    # the kill lands at a random moment, 50 to 549 ms on
    ms=$((RANDOM % 500 + 50))
    sleep "0.$(printf %03d "$ms")"
    crash_daemon    # the active node is lost
    start_daemon    # the standby: same data directory, same endpoints
    n=$(journaled)
    wait_for 60 journal_at_least $((n + 5)) ||
        fail "no progress after failover $r: $(tail -n 5 "$T/load.err") $(cat "$T/cli.err" 2>/dev/null)"
done

touch "$STOP"
rc=0
wait "$LOAD_PID" || rc=$?
[ $rc = 0 ] || fail "load tool: $(cat "$T/load.out"): $(head -n 20 "$T/load.err")"
for p in "${CLI_PIDS[@]}"; do
    wait "$p" || fail "a one-shot muster command did not ride through: $(head -n 5 "$T/cli.err")"
done
ok "$RUNS failovers; the clients carried on by themselves ($(cat "$T/load.out"))"

# Every ladder finishes: each agency acknowledges every incident (an ack
# the load already made is answered "already" and not journaled again).
for ref in $(awk -F'\t' '$1 == "standup" { print $4 }' "$JOURNAL"); do
    for a in a1 a2 a3; do
        id=drill-ack-$ref-$a
        out=$(m --as "agency:$a" --json --request-id "$id" agency ack "$ref" 2>"$T/ack.err") ||
            fail "ack $ref $a: $out $(cat "$T/ack.err")"
        [ "$(echo "$out" | jq -r '.already // false')" = true ] ||
            printf 'ack\t%s\tagency:%s\t%s\t0\t-\t0\n' "$id" "$a" "$ref" >>"$JOURNAL"
    done
done
ladders_done() { [ "$(page_state_count paging)" = 0 ]; }
wait_for 60 ladders_done || fail "ladders still climbing: $(pages_states | sort | uniq -c | head)"
ok "every ladder finished ($(page_state_count acknowledged) pages acknowledged)"

journal_check "$JOURNAL" "$T/check.db" || fail "cannot compare the journal with the database"
acked=$(journal_q "SELECT COUNT(*) FROM j WHERE id <> '-'")
once=$(journal_q "SELECT COUNT(*) FROM found WHERE id <> '-' AND n = 1 AND replies = 1 AND audits = 1")
lost=$(journal_q "SELECT COUNT(*) FROM found WHERE n = 0")
dup=$(journal_unexpected)
twice=$(attempts_repeated)
resent=$(journal_q "SELECT COUNT(*) FROM found WHERE resent_at > 0")
[ "$lost" = 0 ] || fail "$lost acknowledged requests lost"
[ "$once" = "$acked" ] || fail "only $once of $acked acknowledged requests found exactly once"
[ "$dup" = 0 ] || fail "$dup duplicated or unexpected rows"
[ "$twice" = 0 ] || fail "$twice page attempts recorded twice"
# at-least-once: a delivery cut off by the kill is sent again, same page id
again=$(cat "$T"/exec/*.log 2>/dev/null | jq -r 'select(.page_id) | .page_id' | sort | uniq -d | wc -l)
ok "$acked acknowledged requests each exactly once ($resent resent after a failover); no attempt made twice; $again exec deliveries sent again after a kill (at least once, same page id)"

out=$(m --json request audit.verify)
grep -q '"intact": *true' <<<"$out" || fail "audit chain: $out"

# The board converges: every watcher ends on the daemon's board.
want=$(m --as duty status "$ref0" --hash)
m --as duty status "$ref0" --json | jq -r .seq >&6
exec 6>&-
wait "$WPID" || fail "watchers failed: $(tail -5 "$T/w.err")"
[ "$(grep -c '^watcher ' "$T/w.out")" = "$NWATCH" ] || fail "not $NWATCH watchers reported"
bad=$(grep '^watcher ' "$T/w.out" | grep -vc " sha256 $want\$" || true)
[ "$bad" = 0 ] || fail "$bad of $NWATCH watchers differ from the daemon's board ($want)"
ok "$NWATCH watchers converged on the daemon's board after $RUNS failovers; audit chain intact"
stop_daemon
