# kill -9 at random moments under a mixed load: standups (Gold),
# acknowledgements and pledges (agencies), registrations (intake), from
# several clients, while the agencies' ladders page.  The load tool
# (tests/tool/crash.c) journals (fsync'd) every request answered "ok" and
# retries a request whose outcome it does not know with the same id.  After
# the cycles, every journaled "ok" must be in the database exactly once and
# nothing else: no lost write, no duplicate, no page attempt made twice,
# the audit chain intact.
#
# CRASH_CYCLES sets the number of kills (default 10, for `make test`); the
# acceptance run is
#
#     CRASH_CYCLES=100 ctest -R bb_crash --output-on-failure
. "$(dirname "$0")/lib.sh"

CRASH=$(dirname "$3")/crash
CYCLES=${CRASH_CYCLES:-10}
EXEC=$SRC/tests/receivers/page_exec.sh
JOURNAL=$T/journal
STOP=$T/stop
mkdir -p "$T/exec"

# Three agencies, each supplying one role; a ladder that pages (an exec
# script) while the agencies acknowledge.
plan_write crash crash_tool_plan CR "Crash test plan"

LOAD_PID=
cleanup_hook() {
    [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
}

journaled() { wc -l <"$JOURNAL"; }
journal_at_least() { [ "$(journaled)" -ge "$1" ]; }

start_daemon
: >"$JOURNAL"
"$CRASH" "$CONTROL" "$KEYS" "$JOURNAL" "$STOP" a1:call-handler a2:mh-nurse a3:isva \
    >"$T/load.out" 2>"$T/load.err" &
LOAD_PID=$!
wait_for 30 journal_at_least 20 || fail "the load made no progress: $(cat "$T/load.err")"

for c in $(seq 1 "$CYCLES"); do
    # fault injection: the kill lands at a random moment, 50 to 1049 ms on
    ms=$((RANDOM % 1000 + 50))
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    crash_restart
    n=$(journaled)
    wait_for 60 journal_at_least $((n + 5)) || fail "no progress after restart $c: $(tail -n 5 "$T/load.err")"
done

touch "$STOP"
rc=0
wait "$LOAD_PID" || rc=$?
LOAD_PID=
load=$(cat "$T/load.out")
[ $rc = 0 ] || fail "load tool: $load: $(head -n 20 "$T/load.err")"
echo "load: $load"

# The database against the journal, in a scratch database (db_lib.sh):
# j, the journal; found, what the database holds of each of its requests.
journal_check "$JOURNAL" "$T/check.db" || fail "cannot compare the journal with the database"

acked=$(journal_q "SELECT COUNT(*) FROM j")
once=$(journal_q "SELECT COUNT(*) FROM found WHERE n = 1 AND replies = 1 AND audits = 1")
lost=$(journal_q "SELECT COUNT(*) FROM found WHERE n = 0")
# Rows nobody was told about: a request executed twice (or an outcome the
# tool never learnt, which it reports as an error above).
dup=$(journal_unexpected)
by_kind=$(journal_q "SELECT group_concat(kind || ' ' || c, ', ') FROM (SELECT kind, COUNT(*) c FROM j GROUP BY kind)")
attempts=$(attempts_count)
# Sent again after a kill, but committed before that: answered from the
# stored reply (the kill fell between the commit and the reply).
resent=$(journal_q "SELECT COUNT(*) FROM found WHERE resent_at > 0")
replayed=$(journal_q "SELECT COUNT(*) FROM found WHERE resent_at > 0 AND done_at < resent_at")
twice=$(attempts_repeated)

echo "cycles $CYCLES, requests acknowledged $acked ($by_kind), found exactly once $once, lost $lost, duplicated $dup"
echo "resent after a kill $resent, of which answered from the stored reply $replayed"
echo "page attempts $attempts, made twice for one (page, step, attempt) $twice"
if [ "$lost" != 0 ] || [ "$once" != "$acked" ]; then
    journal_q "SELECT kind, id, principal, ref, a, b, n, replies, audits FROM found
       WHERE NOT (n = 1 AND replies = 1 AND audits = 1) LIMIT 10" >&2
fi
[ "$acked" -gt 0 ] || fail "nothing was acknowledged"
[ "$lost" = 0 ] || fail "$lost acknowledged requests lost"
[ "$once" = "$acked" ] || fail "only $once of $acked acknowledged requests found exactly once"
[ "$dup" = 0 ] || fail "$dup duplicated or unexpected rows"
[ "$twice" = 0 ] || fail "$twice page attempts recorded twice"

out=$(m --json request audit.verify)
grep -q '"intact": *true' <<<"$out" || fail "audit chain: $out"
ok "$CYCLES kill -9 cycles: $acked acknowledged requests each found exactly once, none lost or duplicated, audit chain intact"
stop_daemon
