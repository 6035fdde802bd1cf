# muster report REF --format sitrep: an OASIS EDXL-SitRep 1.0 built by
# musterd, valid against the schema in the tree, whose every count equals
# the board's (status.show) for the same incident: affected persons by
# category, agencies acknowledged and unreachable, staff asked for,
# pledged, accepted, arrived and short per role.  Counts only: no name,
# phone or email of an affected person appears in it.  Only Gold and duty
# managers may have it; a bad format is a coded error; after kill -9 the
# SitRep is the same.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
sitrep_plan() {
    plan_head id=sitrep name="SitRep test plan" prefix=SR lead=hub
    cat <<'YAML'
paging: {ack_wait: 1s}
staffing:
  horizon: 24h
  roles: [{id: call-handler, name: Call handler}, {id: mh-nurse, name: Mental health nurse}]
  shifts: [{id: day, name: Day, start: "08:00", length: 12h}]
  requirements: [{level: 1, need: {call-handler: 2, mh-nurse: 1}}]
persons:
  home_areas: [cambridge]
  pathways:
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub supplies=call-handler desk=D
    plan_agency id=mh name="Mental health trust" role=mh supplies=mh-nurse desk=D
}
plan_write sitrep sitrep_plan
start_daemon --clock-offset "$(clock_at '2026-12-18 15:00 UTC')"
ref=$(m incident standup --plan sitrep --level 1 --exercise --operation GRANTA | head -n 1)

m --as agency:hub agency ack "$ref" >/dev/null
m --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift day-2026-12-18 >/dev/null
m --as agency:mh pledge offer "$ref" --role mh-nurse --count 1 --shift day-2026-12-19 >/dev/null
m pledge accept 1 >/dev/null
m pledge arrive 1 >/dev/null
add() { m --as intake person add "$ref" "$@" >/dev/null; }
add --category injured --name "Ann Quorum" --phone 07700900111 --home-area cambridge
add --category injured --name "Ben Quorum" --email ben.quorum@example.org --home-area cambridge
add --category survivor --name "Cat Quorum" --home-area cambridge
add --category bereaved --name "Dev Quorum" --home-area cambridge
add --category witness --name "Eve Quorum" --home-area cambridge

XSD=$SRC/docs/standards/edxl-sitrep-1.0.xsd
sitrep() { m report "$ref" --format sitrep >"$T/sitrep.xml"; }
# x XPATH: the text of the SitRep's element at XPATH (local names).
x() { xmllint --xpath "string($1)" "$T/sitrep.xml"; }
ln() { echo "*[local-name()='$1']"; }
mrs="/$(ln SitRep)/$(ln ManagementReportingSummary)"

# check_counts: the SitRep's figures equal the board's, key by key.
check_counts() {
    sitrep || fail "muster report --format sitrep failed"
    xmllint --noout --schema "$XSD" "$T/sitrep.xml" 2>"$T/xmllint.err" ||
        fail "the SitRep is not valid: $(cat "$T/xmllint.err")"
    m --json status "$ref" | jq '.board' >"$T/board.json"
    b() { jq -r "$1 // 0" "$T/board.json"; }
    local cas="$mrs/$(ln CasualtyAndIllnessSummary)"
    [ "$(x "$cas/$(ln TotalCount)")" = "$(b '.persons')" ] || fail "TotalCount is not the board's persons"
    local cat
    for cat in injured survivor witness bereaved responder other; do
        local got
        got=$(x "$cas/$(ln CasualtyAndIllnessCount)[starts-with($(ln Description),'$cat')]/$(ln Count)")
        [ "$got" = "$(b ".\"category/$cat\"")" ] ||
            fail "$cat: SitRep $got, board $(b ".\"category/$cat\"")"
    done
    local sit="$mrs/$(ln SituationSummary)"
    [ "$(x "$sit/$(ln AgenciesActivated)")" = "$(jq '[to_entries[] | select(.key | startswith("agency/"))] | length' "$T/board.json")" ] ||
        fail "AgenciesActivated is not the board's"
    [ "$(x "$sit/$(ln AgenciesAcknowledged)")" = "$(jq '[to_entries[] | select(.key | startswith("agency/")) | select(.value.state == "acknowledged")] | length' "$T/board.json")" ] ||
        fail "AgenciesAcknowledged is not the board's"
    local role f
    for role in call-handler mh-nurse; do
        local rt="$mrs/$(ln ResponseResourcesTotals)/$(ln ResourceTotal)[$(ln ResourceType)='$role']"
        for f in Requested:required Committed:pledged Accepted:accepted OnScene:arrived; do
            local want
            want=$(jq "[to_entries[] | select(.key | test(\"^cell/[^/]*/$role\$\")) | .value.${f#*:}] | add // 0" "$T/board.json")
            [ "$(x "$rt/$(ln "${f%%:*}")")" = "$want" ] || fail "$role ${f%%:*}: SitRep $(x "$rt/$(ln "${f%%:*}")"), board $want"
        done
        want=$(jq "[to_entries[] | select(.key | test(\"^cell/[^/]*/$role\$\")) | .value.required - .value.pledged | if . > 0 then . else 0 end] | add // 0" "$T/board.json")
        [ "$(x "$rt/$(ln Short)")" = "$want" ] || fail "$role Short: SitRep $(x "$rt/$(ln Short)"), board $want"
    done
}
check_counts
[ "$(x "$mrs/$(ln CasualtyAndIllnessSummary)/$(ln TotalCount)")" = 5 ] || fail "not 5 persons"
[ "$(x "/$(ln SitRep)/$(ln IncidentID)")" = "$ref" ] || fail "IncidentID is not $ref"
[ "$(x "$mrs/$(ln SituationSummary)/$(ln Exercise)")" = true ] || fail "an exercise not marked"
grep -q "EXERCISE" "$T/sitrep.xml" || fail "an exercise's SitRep does not say so"

# Counts only: nobody's name, phone or email.
for word in Quorum 07700900111 ben.quorum; do
    ! grep -q "$word" "$T/sitrep.xml" || fail "the SitRep carries personal data ($word)"
done

# Only Gold and duty managers; a bad format is a coded error.
m --as duty report "$ref" --format sitrep >/dev/null || fail "a duty manager cannot have the SitRep"
expect_fail 1 FORBIDDEN -- --as agency:hub report "$ref" --format sitrep
expect_fail 1 FORBIDDEN -- --as intake report "$ref" --format sitrep
expect_fail 2 "format sitrep" -- report "$ref" --format sitrep --out "$T/x"
expect_fail 2 "usage" -- report "$ref" --format pdf
printf '{"id":"f","cmd":"report.show","args":{"incident":"%s","format":"pdf"}}' "$ref" >"$T/req"
out=$("$MTEST" raw "$CONTROL" "$KEYS" gold "$T/req" 2>&1 || true)
grep -q '"BAD_ARGUMENT"' <<<"$out" || fail "format pdf: $out"
grep -q 'json or sitrep' <<<"$out" || fail "format pdf does not say what is allowed: $out"

# More happens, then kill -9: the SitRep read from the restarted daemon
# still equals its board.
add --category responder --name "Fay Quorum" --home-area cambridge
m --as agency:hub pledge offer "$ref" --role call-handler --count 1 --shift day-2026-12-18 >/dev/null
crash_restart --clock-offset "$(clock_at '2026-12-18 16:00 UTC')"
check_counts
[ "$(x "$mrs/$(ln CasualtyAndIllnessSummary)/$(ln TotalCount)")" = 6 ] || fail "not 6 persons after restart"

# Stood down: the recovery phase; closed: the final report.
m incident standdown "$ref" --note "exercise over" >/dev/null
check_counts
[ "$(x "$mrs/$(ln SituationSummary)/$(ln IncidentStatus)")" = Recovery ] || fail "not Recovery after stand-down"
ok
