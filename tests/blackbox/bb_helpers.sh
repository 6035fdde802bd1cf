# The test plumbing itself, so that a broken helper fails here, by name,
# and not as a puzzling failure of some other test.  1. Starting and
# stopping (tests/tool/daemon_run.c and daemon_run.sh, shared by mtest and
# mbench), with a stand-in daemon: READY after other notifications, its
# command line, log and session; a daemon that exits or is killed before
# READY is reported with its status or signal; stop waits for the exit,
# HUP does not.  2. db_lib.sh against the schema of the musterd under
# test: every helper it defines runs without an SQL error (a helper added
# without a check here fails this test), the reads find what was made, the
# writes change what they say, and an unknown filter or column is refused.
# 3. plan_lib.sh: the fixtures it writes pass --check-plan, and an edit of
# a sample plan that changes nothing is refused.
. "$(dirname "$0")/lib.sh"

# ---- 1. start and stop ----
cat >"$T/standin" <<'PY'
#!/usr/bin/env python3
# A stand-in for musterd: STANDIN=exit|signal end it before READY.
import os, signal, socket, sys
mode = os.environ.get("STANDIN", "ready")
if mode == "exit":
    sys.exit(3)
if mode == "signal":
    os.kill(os.getpid(), signal.SIGSYS)
print("standin sid", os.getsid(0), "args", " ".join(sys.argv[1:]), flush=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=starting", os.environ["NOTIFY_SOCKET"])
s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
signal.signal(signal.SIGHUP, lambda *_: print("standin reloaded", flush=True))
while True:
    signal.pause()
PY
chmod +x "$T/standin"
REAL_MUSTERD=$MUSTERD REAL_WRAP=("${WRAP[@]}")
MUSTERD=$T/standin WRAP=()

daemon_start --extra-arg
[[ "$PID" =~ ^[0-9]+$ ]] && [[ "$READY_MS" =~ ^[0-9]+\.[0-9]$ ]] || fail "start printed pid \"$PID\", ms \"$READY_MS\""
kill -0 "$PID" || fail "the stand-in is not running"
grep -qxF "standin sid $PID args --plans $PLANS --db $DB --keys $KEYS --control $CONTROL --feed $FEED --reports $REPORTS --extra-arg" "$LOG" ||
    fail "command line, log or session: $(cat "$LOG")"
ok "start: ready after a STATUS notification; the command line, the log and a session of its own"

daemon_reload
wait_for 30 grep -q 'standin reloaded' "$LOG" || fail "HUP not delivered"
kill -0 "$PID" || fail "the stand-in did not survive HUP"
pid=$PID
daemon_stop TERM
[ -z "$PID" ] || fail "PID kept after stop"
# (an orphan's zombie lasts until its new parent reaps it)
[ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] ||
    fail "stop returned before the process had gone"
(exit 0) &
gone=$!
wait $gone
out=$("$MTEST" stop "$gone" TERM 2>&1) && fail "stop of a process that has gone succeeded"
[ "$out" = "mtest: no process $gone" ] || fail "stop of a gone process said \"$out\""
ok "stop waits for the exit, a reload does not; a process that has gone is named"

STANDIN=exit daemon_refused || fail "a stand-in that exits was reported ready"
[ "$REFUSAL" = "mtest: musterd exited with 3 before it was ready (see $LOG)" ] || fail "exit: $REFUSAL"
STANDIN=signal daemon_refused || fail "a stand-in killed by a signal was reported ready"
[ "$REFUSAL" = "mtest: musterd was killed by signal 31 (Bad system call) before it was ready (see $LOG)" ] ||
    fail "signal: $REFUSAL"
daemon_refused && fail "a stand-in that became ready counted as refused"
[ -z "$PID" ] || fail "PID set by a refused start"
ok "an exit or a signal before READY is reported with its status; a start that should fail but is ready fails"
MUSTERD=$REAL_MUSTERD WRAP=("${REAL_WRAP[@]}")
: >"$LOG"

# ---- 3. plan fixtures (the plan section 2 runs on) ----
helpers_plan() {
    plan_head id=helpers name="Helpers plan" prefix=HL lead=hub retention_days=30
    cat <<'YAML'
staffing:
  horizon: 24h
  roles: [{id: call-handler, name: Call handler}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}]
  requirements: [{level: 1, need: {call-handler: 0}}]
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
YAML
    plan_agency id=hub name="Hub, \"the\" desk" role=hub supplies=call-handler desk=D \
        contact="$(plan_contact Script exec /bin/true args="a b,c" after=1h)"
}
plan_write helpers helpers_plan
[ "$PLANS" = "$T/plans" ] || fail "plan_write did not set PLANS"
want='  - {id: hub, name: "Hub, \"the\" desk", role: "hub", activate_level: 1, supplies: [call-handler], contacts: [{name: "D", channel: zmq, target: "hub"}, {name: "Script", channel: exec, target: "/bin/true", args: ["a b", "c"], after: 1h}]}'
grep -qxF -- "$want" "$PLANS/helpers.yaml" || fail "plan_agency wrote: $(grep -- '- {id: hub' "$PLANS/helpers.yaml")"
plan_sample example 's/^  version: .*/  version: "9"/'
grep -q '^  version: "9"$' "$PLANS/example.yaml" || fail "plan_sample did not edit"
(plan_edit example 's/no such text/x/' 2>/dev/null) && fail "an edit that changed nothing was accepted"
plan_public_sender
grep -qx "  sender: $T/sender.sh" "$PLANS/cambridgeshire.yaml" && echo hello | "$T/sender.sh" 07700900001 &&
    [ "$(cat "$T"/sent/*.msg)" = "$(printf '07700900001\nhello')" ] || fail "plan_public_sender"
ok "plan fixtures: written as expected, checked, sample plans copied and edited"

# ---- 2. db_lib.sh against the real schema ----
start_daemon
ref=$(m incident standup --plan helpers --level 1 --exercise --operation HELPERS | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
p1=$(add --category survivor --name "Ann Able" --dob 1970-01-02 --home-area cambridge)
p2=$(add --category survivor --name "Ann Able" --dob 1970-01-02 --home-area cambridge)
# the hub's activation page and the notices of the two referrals to it
queued() { [ "$(attempts_count)" -ge 3 ]; }
wait_for 30 queued || fail "no attempts for the hub's page and notices"

CHECKED=" "
# check HELPER ARGS...: HELPER runs cleanly (exit 0, nothing on stderr);
# its output is in OUT.
check() {
    local rc=0
    OUT=$("$@" 2>"$T/check.err") || rc=$?
    [ $rc = 0 ] && [ ! -s "$T/check.err" ] || fail "$*: exit $rc: $(cat "$T/check.err")"
    CHECKED="$CHECKED$1 "
}
expect() { # WANT HELPER ARGS...
    local want=$1
    shift
    check "$@"
    [ "$OUT" = "$want" ] || fail "$*: \"$OUT\", expected \"$want\""
}

expect 2 persons_count incident="$ref"
expect 1 persons_count id="$p1" name="Ann Able"
expect 0 persons_count breached
expect "" persons_ids breached
check person_field "$p1" referral_due_at
expect "" person_field "$p1" purge_due_at
expect "$p1" duplicate_match "$p2"
expect "$p1:name_and_dob" duplicate_of "$p2"
expect "" correction_old "$p1"
expect "" selfreg_field "$p1" state
expect monitoring:referred referral_open "$p1"
check referral_field "$p1" home_area
expect 0 referral_field "$p1" handoff
expect hub referral_field "$p1" provider
expect 18-64 person_field "$p1" age_band
expect "" person_field "$p1" guardian
check rescreens_count
check rescreens_count pending
expect "" bereaved_of "$p1"
expect "" family_members 1
expect 0 families_count
expect "" family_of "$p1"
expect 0 contacts_count
expect 0 contacts_count "$p1"
expect "" contact_by "$p1"
expect alive person_field "$p1" status
check rescreen_states "$p1"
case $OUT in *tsq:pending*) ;; *) fail "rescreen_states: $OUT" ;; esac
expect 1 events_count incident.standup
expect 0 events_count person.rescreen_due hub
expect "" incident_field "$ref" reports_purged_at
expect 1 audit_count command=incident.standup principal=gold outcome=ok target="$ref" after=0
check audit_ids command=incident.standup
check audit_last_id
[ "$OUT" -gt 0 ] || fail "audit_last_id: $OUT"
check audit_field 1 principal
[ -n "$OUT" ] || fail "audit_field: no principal"
expect 1 pages_count agency=hub state=paging ref="$ref" ask=none
expect 0 pages_count via=agency ask=any ask_role=call-handler ask_agency=hub
expect 3 page_state_count paging
expect 2 pages_count agency=hub kind=referral
check page_field ack_code agency=hub ask=none
[[ "$OUT" =~ ^[0-9A-Z]{8}$ ]] || fail "page_field ack_code: $OUT"
expect paging page_field state ref="$ref" ask=none
check page_field repages agency=hub
check page_field body agency=hub kind=referral
expect "" page_field ack_due_at agency=hub ask=none
expect "" page_field ack_via agency=hub ask=none
expect 0 page_ended_by_standdown "$ref"
check pages_climbing "$ref"
expect "hub:paging hub:paging hub:paging" pages_states
check incident_ladders "$ref"
[[ "$OUT" == hub:0:0.1:* ]] || fail "incident_ladders: $OUT"
check page_unreachable_after hub
expect 1 attempts_count agency=hub kind=page channel=zmq state=queued step=0 not_state=failed ref="$ref"
expect 2 attempts_count kind=referral
expect 0 attempts_count after_standdown
expect "queued|
queued|
queued|" attempt_outcome hub 0
expect 0zmq,0zmq,0zmq attempt_ladder hub
expect 0,0,0 attempt_steps hub
check notice_attempts hub
[[ "$OUT" =~ ^0:[0-9]+\ 0:[0-9]+$ ]] || fail "notice_attempts: $OUT"
expect 0 alarms_count state=open kind=urgent_held agency=hub person="$p1"
check attempt_ids hub
expect 0 attempts_early hub 1000
expect 0 attempts_after_ack
expect 0 attempts_repeated
check plan_versions_list
check shift_keys
[ -n "$OUT" ] || fail "no shifts"
check coverage_grid
grep -q ' call-handler 0/0/0/0$' <<<"$OUT" || fail "coverage grid: $OUT"
check asks_count role=call-handler state=open agency=hub
check ask_field state agency=hub
check asks_list
check asks_list shift=nope round=0
[ -z "$OUT" ] || fail "asks_list of no shift: $OUT"
expect 0 asks_count shift=nope round=1
expect 0 pages_count ask_shift=nope
check incident_asks "$ref"
check ask_shifts
check db_checkpoint
check db_rows_total
[ "$OUT" -gt 0 ] || fail "db_rows_total: $OUT"
check db_dump "$T/dump.sql"
grep -q 'CREATE TABLE audit' "$T/dump.sql" || fail "db_dump"
: >"$T/journal"
journal_check "$T/journal" "$T/check.db" 2>"$T/check.err" && [ ! -s "$T/check.err" ] ||
    fail "journal_check: $(cat "$T/check.err")" # (not through check: it sets JOURNAL_DB)
CHECKED="$CHECKED journal_check "
expect 0 journal_q "SELECT COUNT(*) FROM found"
check journal_unexpected
[ "$OUT" -ge 1 ] || fail "journal_unexpected: an incident not in the journal was not counted: $OUT"
check q "SELECT 1"
ok "every read helper runs on this schema and finds what was made"

(audit_count colour=red >/dev/null 2>"$T/err") && fail "an unknown filter was accepted"
grep -q 'unknown filter "colour=red"' "$T/err" || fail "unknown filter: $(cat "$T/err")"
(audit_field 1 colour >/dev/null 2>"$T/err") && fail "an unknown column was accepted"
grep -q 'no column "colour" of audit' "$T/err" || fail "unknown column: $(cat "$T/err")"
(persons_count id="1 OR 1=1" >/dev/null 2>&1) && fail "a number filter took SQL"
expect 0 persons_count name="x' OR '1'='1"
ok "unknown filters and columns are refused; values never become SQL"

# The writes, on a copy, with the daemon stopped.
stop_daemon
cp "$DB" "$T/copy.db"
DB=$T/copy.db
rows=$(audit_count)
check audit_set 1 principal duty
expect duty audit_field 1 principal
check audit_field 1 detail
check audit_rehash
check audit_cut_after 1
expect 1 audit_count
check person_set "$p1" name "'Zed' || 'Zee'"
expect ZedZee person_field "$p1" name
check incident_set "$ref" operation "'OP'"
expect OP incident_field "$ref" operation
expect 1 incident_field "$ref" plan_rev
check page_set ack_code "'10K7Q2M0'" agency=hub ask=none ref="$ref"
expect 10K7Q2M0 page_field ack_code agency=hub ask=none
expect 0 incidents_purged
expect "" incident_field "$ref" purged_at
expect 0 persons_count purged
expect 1 incident_plan_copy_has "$ref" agencies
check incident_plan_copy_scramble "$ref"
expect 0 incident_plan_copy_has "$ref" agencies
expect 0 incident_plan_copy_has "$ref" retention_days
expect 1 incident_plan_copy_has "$ref" agency_list
db_lock # (not through check: the lock is held by this shell)
wait_for 30 db_locked || fail "db_lock took no lock"
db_unlock
CHECKED="$CHECKED db_lock db_locked db_unlock "
unlocked() { ! db_locked; }
wait_for 30 unlocked || fail "db_unlock left the lock held"
[ "$rows" -gt 1 ] || fail "audit rows before the cut: $rows"
expect "$p1
$p2" db_file_persons "$DB"
check db_file_version "$DB"
v=$OUT
check db_unmigrate_last
expect $((v - 1)) db_file_version "$DB"
[ "$(q "SELECT count(*) FROM sqlite_master WHERE sql LIKE '% = ''paging'' OR %'
          OR sql LIKE '%consent = ''given'' OR%'")" = 0 ] ||
    fail "db_unmigrate_last: migration 30's comparisons are still there"
q "SELECT sql FROM sqlite_master WHERE name = 'attempts'" | grep -qF "state IN    ('sending', 'queued'" ||
    fail "db_unmigrate_last: attempts' IN list is not as migration 9 wrote it"
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "db_unmigrate_last: the file is not sound"
check db_file_version_set "$DB" 999
expect 999 db_file_version "$DB"
check db_file_damage "$DB"
[ "$(q "PRAGMA integrity_check" 2>&1)" != ok ] || fail "db_file_damage: the file is intact"
ok "the writes change what they say"

# Every helper db_lib.sh defines has been checked (but the filters and
# builders, run by the others).
internal=" sql_str sql_int db_where db_join db_col audit_filter persons_filter pages_filter attempts_filter asks_filter alarms_filter journal_found_sql "
for f in $(sed -n 's/^\([a-z_]*\)() {.*/\1/p' "$SRC/tests/blackbox/db_lib.sh"); do
    [[ "$internal$CHECKED" == *" $f "* ]] || fail "db_lib.sh: $f has no check in bb_helpers.sh"
done
ok "every db_lib.sh helper is checked"
