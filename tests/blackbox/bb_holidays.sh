# Bank holidays from a shared holiday file (plans/holidays/NAME.yaml),
# frozen at standup: a plan says "bank_holidays: testland"; an incident
# stood up on Friday 18 December 2026 counts Monday the 21st as a bank
# holiday (a bereaved person held for consent is due by the end of
# Wednesday).  The holiday file then loses the 21st and musterd reloads:
# the running incident keeps its dates, before and after a restart, while
# an incident stood up after the edit counts the Monday (due by the end of
# Tuesday).  The daemon's clock is set with its clock offset (TZ=UTC).
. "$(dirname "$0")/lib.sh"

export TZ=UTC
holidays_plan() {
    plan_head id=hols name="Holiday file test plan" prefix=HF lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  explicit_consent: [bereaved]
  referral_working_days: 2
  bank_holidays: testland
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
}
mkdir -p "$T/plans/holidays"
printf 'nation: Testland\ndates: [2026-12-21, 2026-12-25, 2027-12-27]\n' >"$T/plans/holidays/testland.yaml"
plan_write hols holidays_plan

start_daemon --clock-offset "$(clock_at '2026-12-18 15:00 UTC')"
standup() { m incident standup --plan hols --level 1 --exercise --operation "$1" | head -n 1; }
add() { m --as intake --json person add "$1" --category bereaved --name "$2" --home-area cambridge |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
due() { m --as duty --json person show "$1" | tr -d ' \n' | sed -n 's/.*"referral_due_at":\([0-9]*\).*/\1/p'; }
wed=$(date -d '2026-12-24 00:00 UTC' +%s%3N)
tue=$(date -d '2026-12-23 00:00 UTC' +%s%3N)

before=$(standup BEFORE)
digest=$(m --json incident show "$before" | json_field digest)
p=$(add "$before" "Hal Hope")
[ "$(due "$p")" = "$wed" ] || fail "deadline $(due "$p"), not the end of Wednesday 23rd"
ok "the holiday file's Monday 21st is a bank holiday: due by the end of Wednesday"

printf 'nation: Testland\ndates: [2026-12-25, 2027-12-27]\n' >"$T/plans/holidays/testland.yaml"
reload_daemon
after=$(standup AFTER)
q=$(add "$after" "Ida Ince")
[ "$(due "$q")" = "$tue" ] || fail "after the edit: deadline $(due "$q"), not the end of Tuesday 22nd"
r=$(add "$before" "Jon Jones")
[ "$(due "$r")" = "$wed" ] || fail "the running incident's holidays changed: $(due "$r")"
[ "$(m --json incident show "$before" | json_field digest)" = "$digest" ] || fail "the running incident's plan changed"
ok "after the file is edited and reloaded: a new incident counts the Monday, the running one keeps its dates"

crash_restart --clock-offset "$(clock_at '2026-12-18 16:00 UTC')"
s=$(add "$before" "Kay King")
[ "$(due "$s")" = "$wed" ] || fail "after a restart the running incident's holidays changed: $(due "$s")"
ok "after a restart the running incident still has the dates it was stood up with"
stop_daemon
