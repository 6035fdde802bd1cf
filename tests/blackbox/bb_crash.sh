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
mkdir -p "$T/plans" "$T/exec"

# Three agencies, each supplying one role; a ladder that pages (zmq, queued
# as nobody listens, then an exec script) while the agencies acknowledge.
cat >"$T/plans/crash.yaml" <<YAML
plan: {id: crash, name: Crash test plan, version: "1", ref_prefix: CR}
levels: [{level: 1, name: One}]
hub: {name: Hub, lead_agency: a1}
paging: {ack_wait: 2s, exec_timeout: 5s}
staffing:
  horizon: 12h
  ask_lead: 0
  roles:
    - {id: call-handler, name: Call handler}
    - {id: mh-nurse, name: Mental health nurse}
    - {id: isva, name: ISVA}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 2, mh-nurse: 1, isva: 1}
persons:
  home_areas: [crashton]
  pathways:
    - {id: hub-support, name: Hub support, provider: a1}
  rules:
    - pathway: hub-support
agencies:
YAML
for a in a1:call-handler a2:mh-nurse a3:isva; do
    cat >>"$T/plans/crash.yaml" <<YAML
  - id: ${a%%:*}
    name: Agency ${a%%:*}
    role: test
    activate_level: 1
    supplies: [${a#*:}]
    contacts:
      - {name: Desk, channel: zmq, target: ${a%%:*}}
      - {name: Script, channel: exec, target: "$EXEC", args: ["$T/exec"], after: 300ms}
YAML
done
PLANS=$T/plans

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
    crash_daemon
    start_daemon
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

# The database against the journal, in a scratch database that attaches
# musterd's read-only (indexed copies of what is looked up by other keys).
q() {
    sqlite3 -batch "$T/check.db" "ATTACH 'file:$DB?mode=ro' AS d;" "$1"
}
sqlite3 -batch "$T/check.db" \
    "CREATE TABLE j (kind TEXT, id TEXT, principal TEXT, ref TEXT, a TEXT, b TEXT, resent_at INTEGER);" \
    ".mode tabs" ".import $JOURNAL j"
q "CREATE TABLE aud AS SELECT principal, request_id, COUNT(*) AS n, MIN(at) AS at FROM d.audit
     WHERE outcome = 'ok' AND request_id IS NOT NULL GROUP BY principal, request_id;
   CREATE INDEX aud_id ON aud (principal, request_id);
   CREATE TABLE per AS SELECT p.id, p.external_ref, i.ref FROM d.persons p
     JOIN d.incidents i ON i.id = p.incident_id;
   CREATE INDEX per_ext ON per (external_ref);
   CREATE TABLE found AS SELECT j.*, CASE j.kind
       WHEN 'standup' THEN (SELECT COUNT(*) FROM d.incidents i WHERE i.ref = j.ref AND i.operation = j.a)
       WHEN 'ack' THEN (SELECT COUNT(*) FROM d.pages p JOIN d.incidents i ON i.id = p.incident_id
                        WHERE i.ref = j.ref AND 'agency:' || p.agency_id = j.principal
                        AND p.ask_id IS NULL AND p.state = 'acknowledged' AND p.acked_by = j.principal)
       WHEN 'pledge' THEN (SELECT COUNT(*) FROM d.pledges p JOIN d.incidents i ON i.id = p.incident_id
                           WHERE p.id = CAST(j.a AS INTEGER) AND i.ref = j.ref
                           AND 'agency:' || p.agency_id = j.principal AND p.role = j.b)
       WHEN 'person' THEN (SELECT COUNT(*) FROM per WHERE per.external_ref = j.a AND per.ref = j.ref)
                          * ((SELECT COUNT(*) FROM per WHERE per.external_ref = j.a
                              AND per.id = CAST(j.b AS INTEGER)) = 1)
       END AS n,
       (SELECT COUNT(*) FROM d.replies r WHERE r.principal = j.principal AND r.request_id = j.id) AS replies,
       COALESCE((SELECT n FROM aud WHERE aud.principal = j.principal AND aud.request_id = j.id), 0) AS audits,
       (SELECT at FROM aud WHERE aud.principal = j.principal AND aud.request_id = j.id) AS done_at
     FROM j;" || fail "cannot compare the journal with the database"

acked=$(q "SELECT COUNT(*) FROM j")
once=$(q "SELECT COUNT(*) FROM found WHERE n = 1 AND replies = 1 AND audits = 1")
lost=$(q "SELECT COUNT(*) FROM found WHERE n = 0")
# Rows nobody was told about: a request executed twice (or an outcome the
# tool never learnt, which it reports as an error above).
dup=$(q "SELECT
    (SELECT COUNT(*) FROM found WHERE n > 1 OR audits > 1)
  + (SELECT COUNT(*) FROM d.incidents WHERE ref NOT IN (SELECT ref FROM j WHERE kind = 'standup'))
  + (SELECT COUNT(*) FROM d.pledges WHERE CAST(id AS TEXT) NOT IN (SELECT a FROM j WHERE kind = 'pledge'))
  + (SELECT COUNT(*) FROM per WHERE external_ref IS NULL
       OR external_ref NOT IN (SELECT a FROM j WHERE kind = 'person'))
  + (SELECT COUNT(*) FROM d.pages p JOIN d.incidents i ON i.id = p.incident_id
       WHERE p.state = 'acknowledged' AND NOT EXISTS (SELECT 1 FROM j WHERE j.kind = 'ack'
       AND j.ref = i.ref AND j.principal = 'agency:' || p.agency_id))
  + (SELECT COUNT(*) FROM j WHERE kind = 'ack' AND a <> '0')")
by_kind=$(q "SELECT group_concat(kind || ' ' || c, ', ') FROM (SELECT kind, COUNT(*) c FROM j GROUP BY kind)")
attempts=$(q "SELECT COUNT(*) FROM d.attempts")
# Sent again after a kill, but committed before that: answered from the
# stored reply (the kill fell between the commit and the reply).
resent=$(q "SELECT COUNT(*) FROM found WHERE resent_at > 0")
replayed=$(q "SELECT COUNT(*) FROM found WHERE resent_at > 0 AND done_at < resent_at")
twice=$(q "SELECT COUNT(*) FROM (SELECT 1 FROM d.attempts GROUP BY page_id, step, attempt HAVING COUNT(*) > 1)")

echo "cycles $CYCLES, requests acknowledged $acked ($by_kind), found exactly once $once, lost $lost, duplicated $dup"
echo "resent after a kill $resent, of which answered from the stored reply $replayed"
echo "page attempts $attempts, made twice for one (page, step, attempt) $twice"
if [ "$lost" != 0 ] || [ "$once" != "$acked" ]; then
    q "SELECT kind, id, principal, ref, a, b, n, replies, audits FROM found
       WHERE NOT (n = 1 AND replies = 1 AND audits = 1) LIMIT 10" >&2
fi
[ "$acked" -gt 0 ] || fail "nothing was acknowledged"
[ "$lost" = 0 ] || fail "$lost acknowledged requests lost"
[ "$once" = "$acked" ] || fail "only $once of $acked acknowledged requests found exactly once"
[ "$dup" = 0 ] || fail "$dup duplicated or unexpected rows"
[ "$twice" = 0 ] || fail "$twice page attempts recorded twice"

out=$(m --json request audit.verify)
echo "$out" | grep -q '"intact": *true' || fail "audit chain: $out"
ok "$CYCLES kill -9 cycles: $acked acknowledged requests each found exactly once, none lost or duplicated, audit chain intact"
stop_daemon
