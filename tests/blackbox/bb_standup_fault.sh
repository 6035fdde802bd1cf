# A standup whose first attempt for one agency cannot be stored (here a
# trigger in the database file refuses it, as a failing disk or a damaged
# page would) still pages every other agency at once, in the standup's
# own transaction: the standup steps its pages together, and when one
# fails it steps them again one by one.  The agency whose page failed is
# logged, put back a minute and paged then, never lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

fault_plan() {
    plan_head id=fault name="Fault plan" prefix=SF lead=a
    echo "paging: {ack_wait: 1h, exec_timeout: 5s}"
    echo "agencies:"
    for a in a b c; do
        plan_agency id=$a name="Agency $a" role="Test agency" \
            contact="$(plan_contact Script exec "$EXEC" args="$T/exec")"
    done
}
plan_write fault fault_plan
start_daemon
q "CREATE TRIGGER refuse_b BEFORE INSERT ON attempts
    WHEN (SELECT agency_id FROM pages WHERE id = NEW.page_id) = 'b'
    BEGIN SELECT RAISE(ABORT, 'injected: attempt refused'); END;"

pages_of() { if [ -e "$T/exec/$1.log" ]; then grep -c . "$T/exec/$1.log" || true; else echo 0; fi; }
paged() { [ "$(pages_of "$1")" = 1 ]; }
ref=$(m incident standup --plan fault --level 1 --exercise --operation FAULT | head -n 1)
[ -n "$ref" ] || fail "the standup failed with one agency's attempt refused"
wait_for 30 paged a || fail "agency a not paged"
wait_for 30 paged c || fail "agency c not paged"
grep -q "paging: $ref: page of b not stepped: .*trying again in a minute" "$LOG" ||
    fail "the failed page is not logged"
[ "$(pages_of b)" = 0 ] || fail "agency b paged although its attempt was refused"
[ "$(q "SELECT count(*) FROM attempts JOIN pages ON pages.id = attempts.page_id
    WHERE pages.agency_id = 'b'")" = 0 ] || fail "an attempt of b was stored"
# a and c in the standup's own transaction, not a later paging tick's.
[ "$(q "SELECT group_concat(pages.agency_id) FROM attempts
    JOIN pages ON pages.id = attempts.page_id JOIN incidents ON incidents.id = pages.incident_id
    WHERE incidents.ref = '$ref' AND attempts.created_at = incidents.created_at
    ORDER BY pages.agency_id")" = "a,c" ] || fail "a and c were not paged with the standup's commit"

# The fault clears; a minute and more later b is paged, a and c not again.
# (Their deliveries are let finish first: one cut off by a stop is sent
# again, at least once, which is not what this test is about.)
sending() { q "SELECT count(*) FROM attempts WHERE state = 'sending'"; }
settled() { [ "$(sending)" = 0 ]; }
wait_for 30 settled || fail "the deliveries to a and c did not finish: $(sending) still sending"
q "DROP TRIGGER refuse_b"
stop_daemon
start_daemon --clock-offset "$(clock_at "$(date -u -d '+3 minutes' '+%Y-%m-%d %H:%M:%S UTC')")"
wait_for 30 paged b || fail "agency b never paged after the fault cleared: $(pages_of b)"
m incident list >/dev/null
[ "$(pages_of a)$(pages_of c)" = 11 ] || fail "a or c paged twice: $(pages_of a) $(pages_of c)"
stop_daemon
ok
