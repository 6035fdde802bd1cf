# Gold amends a running incident's plan (incident.amend): an amendment
# that removes an agency with a live page is refused with the
# file:line:column of the agencies section and changes nothing, as is an
# invalid plan; a valid one becomes version 2 (an agency it adds at the
# incident's level is paged once), version 1 stays viewable, the report
# lists it; a SIGHUP reload never changes the incident; a restart keeps
# every version and pages no one again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

amend_plan() { # VERSION AGENCY...: the plan with those agencies (each aN at level N's digit)
    local version=$1 a
    shift
    plan_head id=am name="Amend test plan" prefix=AM lead=a1 | sed '/^levels:/d' |
        sed "s/version: \"1\"/version: \"$version\"/"
    echo 'levels: [{level: 1, name: One}, {level: 2, name: Two}]'
    echo 'paging: {ack_wait: 1h, exec_timeout: 5s}'
    echo 'agencies:'
    for a in "$@"; do
        plan_agency id="${a%%:*}" name="Agency ${a%%:*}" role="Test agency" level="${a#*:}" \
            contact="$(plan_contact Script exec "$EXEC" args="$T/exec")"
    done
}
plan_write am amend_plan 1 a1:1 a2:1 a3:2
start_daemon

pages_of() { [ -f "$T/exec/$1.log" ] && grep -c . "$T/exec/$1.log" || echo 0; }
paged_once() { [ "$(pages_of "$1")" = 1 ]; }

ref=$(m incident standup --plan am --level 1 --exercise --operation AMEND | head -n 1)
wait_for 30 paged_once a2 || fail "a2 not paged at standup"
digest1=$(m --json incident show "$ref" | json_field digest)

# Removing a2, which holds a live page: refused at the agencies section.
amend_plan 1.1 a1:1 a3:2 >"$T/no-a2.yaml"
line=$(grep -n '^agencies:' "$T/no-a2.yaml" | cut -d: -f1)
expect_fail 1 "CONFLICT: $T/no-a2.yaml:$line:1: agency \"a2\" holds pages, referrals or pledges of incident $ref" \
    -- incident amend "$ref" --plan-file "$T/no-a2.yaml"
# An invalid plan: every error with file:line:column, from the CLI and from musterd.
{ amend_plan 1.1 a1:1 a2:1 a3:2; echo 'colour: red'; } >"$T/bad.yaml"
bad=$(grep -n '^colour' "$T/bad.yaml" | cut -d: -f1)
expect_fail 1 "$T/bad.yaml:$bad:1: unknown key \"colour\"" -- incident amend "$ref" --plan-file "$T/bad.yaml"
args=$(python3 -c 'import json,sys; print(json.dumps({"ref": sys.argv[1], "file": "bad.yaml", "plan": open(sys.argv[2]).read()}))' "$ref" "$T/bad.yaml")
expect_fail 1 "BAD_ARGUMENT: bad.yaml:$bad:1: unknown key" -- request incident.amend "$args"
expect_fail 1 "CONFLICT: the plan is the same as version 1" -- incident amend "$ref" --plan-file "$T/plans/am.yaml"
expect_fail 1 "FORBIDDEN" -- --as duty incident amend "$ref" --plan-file "$T/plans/am.yaml"
[ "$(m --json incident show "$ref" | json_field digest)" = "$digest1" ] || fail "a refused amendment changed the plan"
[ "$(incident_field "$ref" plan_rev)" = 1 ] && [ -z "$(plan_versions_list)" ] || fail "a refused amendment was kept"
ok "an amendment removing an agency with a live page, an invalid plan, the same plan and duty refused; nothing changed"

# A valid amendment: a4 added at level 1 is paged once; a3 (level 2) is not.
amend_plan 2.0 a1:1 a2:1 a3:2 a4:1 >"$T/v2.yaml"
out=$(m incident amend "$ref" --plan-file "$T/v2.yaml")
grep -q "plan version 2 in force (version 1 to 2.0; agencies added: a4); 1 agencies paged" <<<"$out" ||
    fail "amend: $out"
wait_for 30 paged_once a4 || fail "a4 not paged after the amendment"
[ "$(pages_of a3)" = 0 ] || fail "a3 paged below its level"
m incident show "$ref" | grep -q "version 2.0 .*plan version 2 in force" || fail "show: version 2"
m incident show "$ref" --plan-version 1 | grep -q "^plan version 1: am version 1 " || fail "show version 1"
m incident show "$ref" --plan-version 1 | grep -q "^  a4 \+level 1 " && fail "version 1 shows a4"
m incident show "$ref" --plan-version 2 | grep -q "^  a4 \+level 1 " || fail "version 2 lacks a4"
expect_fail 1 "NOT_FOUND: incident $ref has no plan version 3" -- incident show "$ref" --plan-version 3
expect_fail 1 "FORBIDDEN" -- --as agency:a1 incident show "$ref" --plan-version 1
m report "$ref" >"$T/report.md"
grep -q "| 2 | .* | gold | version 1 to 2.0; agencies added: a4 |" "$T/report.md" || fail "report lists no amendment: $(grep -A4 amendments "$T/report.md")"
grep -q "incident $ref: plan amended to version 2 by gold" "$LOG" || fail "journal line"
[ "$(audit_count command=incident.amend outcome=ok)" = 1 ] || fail "audit row"
ok "a valid amendment is version 2, version 1 viewable, the new agency paged once, in the report"

# A reload never changes the running incident.
digest2=$(m --json incident show "$ref" | json_field digest)
amend_plan 3.0 a1:1 a5:1 >"$T/plans/am.yaml"
reload_daemon
m --as duty plan list | grep -q '^am .* 3\.0 ' || fail "reload did not load 3.0"
[ "$(m --json incident show "$ref" | json_field digest)" = "$digest2" ] || fail "reload changed the incident"
[ "$(pages_of a5)" = 0 ] || fail "a reload paged an agency"

# A restart keeps every version and pages no one again.
crash_restart
m incident show "$ref" | grep -q "plan version 2 in force" || fail "version 2 lost at restart"
m incident show "$ref" --plan-version 1 | grep -q "^plan version 1: " || fail "version 1 lost at restart"
[ "$(plan_versions_list)" = "1:1:gold 2:2.0:gold" ] || fail "versions: $(plan_versions_list)"
[ "$(pages_count ask=none ref="$ref")" = 3 ] || fail "pages after restart"
[ "$(pages_of a4)" = 1 ] || fail "a4 paged again after the restart"
ok "a reload never changes the incident; a restart keeps every version and repeats no page"
stop_daemon
