# Deliveries that fail: an exec channel that hangs is killed at its
# timeout and the ladder escalates at once; a webhook answering 500 is
# retried, then escalated.  Pages queued for an agency that is not
# listening reach it when it connects.  Stand-down cancels every pending
# page; Gold re-pages an unreachable agency.  A page that falls due while
# another process holds the database's write lock waits for the lock and
# is never lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

start_receiver http http_receiver.py
script() { # NAME [args=...] [after=...]: a contact running the exec receiver
    local name=$1
    shift
    plan_contact "$name" exec "$EXEC" "$@"
}
faults_plan() {
    plan_head id=faults name="Faults plan" prefix=FT lead=hang
    echo "paging: {ack_wait: 1s, exec_timeout: 500ms, webhook_timeout: 5s, webhook_retries: 2, webhook_backoff: 100ms}"
    echo "agencies:"
    plan_agency id=hang name="Hanging gateway" role="its SMS gateway never answers" \
        contact="$(script Gateway args="$T/exec,hang")" \
        contact="$(plan_contact "Duty phone" webhook "http://127.0.0.1:$http_PORT/hang-next" after=1h)"
    plan_agency id=broken name="Broken webhook" role="its on-call system is down" \
        contact="$(plan_contact On-call webhook "http://127.0.0.1:$http_PORT/broken?statuses=500")" \
        contact="$(script Script args="$T/exec" after=1h)"
    plan_agency id=late name="Late listener" role="connects after the standup" desk=Listener \
        contact="$(script Script args="$T/exec" after=1h)"
}
# The slow agency's gateway hangs until the test kills it, so its failure,
# and the escalation it makes due at once, come exactly when the test has
# taken the database's lock: no clock decides which comes first.
slow_plan() {
    plan_head id=slow name="Slow disk plan" prefix=SL lead=slow
    echo "paging: {exec_timeout: 10m}"
    echo "agencies:"
    plan_agency id=slow name=Slow role="pages while the database is locked" \
        contact="$(script Gateway args="$T/exec,hang")" contact="$(script Script args="$T/exec" after=1h)"
}
calm_plan() {
    plan_head id=calm name="Calm plan" prefix=CL lead=calm
    echo "paging: {ack_wait: 1s}"
    echo "agencies:"
    plan_agency id=calm name="Calm agency" role="answers nothing" contact="$(script First args="$T/exec")" \
        contact="$(script Second args="$T/exec" after=1s)" contact="$(script Third args="$T/exec" after=1s)"
}
plan_write faults faults_plan
plan_write slow slow_plan
plan_write calm calm_plan
start_daemon

ref=$(m incident standup --plan faults --level 1 --live --operation FAULTS | head -n 1)
attempt() { # AGENCY STEP: state|detail of that attempt
    attempt_outcome "$1" "$2"
}

# The hanging exec is killed at 500 ms and the webhook step follows at once
# (not after its hour).
hang_escalated() { grep '"/hang-next"' "$T/http.log" >/dev/null; }
wait_for 30 hang_escalated || fail "hanging exec did not escalate: $(attempt hang 0)"
[[ "$(attempt hang 0)" == "failed|killed after 500 ms"* ]] || fail "hang: $(attempt hang 0)"
hung=$(cat "$T/exec/hang.hung")
! kill -0 "$hung" 2>/dev/null || fail "the hanging child $hung is still running"
ok "hanging exec killed at its timeout, escalated at once"

# The 500 webhook: three tries with the same page id, then the next step.
broken_escalated() { [ -s "$T/exec/broken.log" ]; }
wait_for 30 broken_escalated || fail "broken webhook did not escalate: $(attempt broken 0)"
[ "$(grep -c '"/broken"' "$T/http.log")" = 3 ] || fail "webhook tries: $(grep -c '"/broken"' "$T/http.log")"
[ "$(grep '"/broken"' "$T/http.log" | sed -n 's/.*"idempotency-key": "\([0-9]*\)".*/\1/p' | sort -u | wc -l)" = 1 ] ||
    fail "webhook retries changed the page id"
[[ "$(attempt broken 0)" == "failed|HTTP 500 after 3 tries"* ]] || fail "broken: $(attempt broken 0)"
ok "webhook answering 500 retried twice, then escalated"

# The late listener gets its queued page when it connects.
[ "$(attempt late 0)" = "queued|" ] || fail "late: $(attempt late 0)"
out=$(m_within 30 --as agency:late --json agency listen --count 1 2>/dev/null) ||
    fail "late listener: no page ($?): $out"
echo "$out" | grep "\"incident\":\"$ref\"" >/dev/null || fail "late listener: $out"
delivered() { [ "$(attempt late 0)" = "delivered|" ]; }
wait_for 30 delivered || fail "late page not confirmed: $(attempt late 0)"
ok "page queued for an absent agency delivered when it connected"

# Stand-down cancels what is pending.  A second incident on the same plan
# runs its whole ladder: once it is unreachable, the stood-down one would
# have climbed too.  No step of the stood-down one was made after its
# stand-down, and its receiver got no page but those of the steps made
# before it (the first; a second too when the stand-down came over a
# second late, as on a loaded machine).
a=$(m incident standup --plan calm --level 1 --exercise --operation ALPHA | head -n 1)
first_page() { grep "\"incident\":\"$a\"" "$T/exec/calm.log" >/dev/null 2>&1; }
wait_for 30 first_page || fail "no first page for $a"
m incident standdown "$a" >/dev/null
b=$(m incident standup --plan calm --level 1 --exercise --operation BRAVO | head -n 1)
b_unreachable() { [ "$(page_field state ref="$b")" = unreachable ]; }
wait_for 60 b_unreachable || fail "$b did not climb to unreachable"
steps_of() { # REF [after_standdown]: attempts made for that incident [after its stand-down]
    attempts_count ref="$1" ${2:+"$2"}
}
[ "$(steps_of "$a" after_standdown)" = 0 ] || fail "a step was made after stand-down"
[ "$(grep -c "\"incident\":\"$a\"" "$T/exec/calm.log")" -le "$(steps_of "$a")" ] || fail "a page was sent after stand-down"
[ "$(grep -c "\"incident\":\"$b\"" "$T/exec/calm.log")" = 3 ] || fail "$b did not get 3 pages"
# (a stand-down later than the whole ladder finds the page unreachable
# already: that stays on record for the report)
[ "$(page_ended_by_standdown "$a")" = 1 ] || fail "page not cancelled: $(page_field state ref="$a")"
ok "stand-down cancelled every pending page"

# Gold re-pages the unreachable agency: the ladder starts again.
expect_fail 1 FORBIDDEN -- --as duty agency repage "$b" calm
m agency repage "$b" calm >/dev/null
repaged() { [ "$(grep -c "\"incident\":\"$b\"" "$T/exec/calm.log")" -ge 4 ]; }
wait_for 30 repaged || fail "re-page sent nothing"
m --as agency:calm agency ack "$b" >/dev/null
[ "$(page_field state ref="$b")$(page_field repages ref="$b")" = acknowledged1 ] || fail "repage state"
expect_fail 1 CONFLICT -- --as agency:calm agency ack "$a"
ok "Gold re-paged an unreachable agency; it acknowledged"

# A stood-down incident cannot be re-paged or acknowledged, even where a
# page had ended unreachable.
m incident standdown "$ref" >/dev/null
expect_fail 1 CONFLICT -- agency repage "$ref" hang
expect_fail 1 CONFLICT -- --as agency:hang agency ack "$ref"
[ "$(pages_climbing "$ref")" = "" ] ||
    fail "stand-down left pages climbing"
ok "after stand-down nothing climbs, and unreachable pages cannot be re-paged or acknowledged"

# Another process holds the database's write lock when a page falls due:
# the page waits and goes out once the lock is released, never lost.  The
# gateway's failure is made while the lock is held (the test kills it), so
# the escalation it makes due must meet the lock; the daemon's log says
# when its tasks could not begin.
s=$(m incident standup --plan slow --level 1 --live --operation LOCKED | head -n 1)
gateway_called() { [ -s "$T/exec/slow.hung" ]; }
wait_for 30 gateway_called || fail "the slow agency's gateway was never called: $(attempt slow 0)"
before=$(attempt slow 0)
db_lock
wait_for 30 db_locked || fail "could not take the lock"
waits=$(grep -c 'tasks wait' "$LOG" || true)
kill -9 "$(cat "$T/exec/slow.hung")"
waited() { [ "$(grep -c 'tasks wait' "$LOG")" -gt "$waits" ]; }
wait_for 30 waited || fail "the gateway's failure never met the lock"
[ ! -e "$T/exec/slow.log" ] || fail "paged through a locked database?"
[ "$(attempt slow 0)" = "$before" ] || fail "written through a locked database? $(attempt slow 0)"
db_unlock
sent() { grep "\"incident\":\"$s\"" "$T/exec/slow.log" >/dev/null 2>&1; }
wait_for 30 sent || fail "page lost to a locked database: $(attempt slow 1)"
[[ "$(attempt slow 0)" == "failed|killed by signal 9"* ]] || fail "gateway failure lost: $(attempt slow 0)"
ok "a page due while the database was locked went out once it was free"
stop_daemon
