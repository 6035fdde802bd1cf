# Surge staffing: 4 shifts and 8 roles.  Pledges from several agencies give
# exactly the expected grid; accepting, declining, arriving and withdrawing
# move the right counts; an over-pledge is surplus, never a negative
# shortfall.  A shift entering the ask window while short pages exactly
# the capable agencies that have not covered it, once; covering it stops
# the ask; a withdrawal that re-opens it asks again, once (issue 14: it
# used to ask nobody twice).  The shift running at standup is asked for
# at once (issue 14).  kill -9 keeps every pledge and state.  Time is set with the
# daemon's clock offset, so no test waits for a shift.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
staff_plan() {
    local a
    plan_head id=staff name="Staffing test plan" prefix=ST lead=hub
    cat <<'YAML'
staffing:
  horizon: 36h
  ask_lead: 4h
  roles:
    - {id: call-handler, name: Call handler}
    - {id: mh-nurse, name: Mental health nurse}
    - {id: isva, name: ISVA}
    - {id: family-liaison, name: Family liaison}
    - {id: interpreter-polish, name: Interpreter (Polish)}
    - {id: team-leader, name: Team leader}
    - {id: young-victim, name: Young victims caseworker}
    - {id: bereavement, name: Bereavement support}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 4, mh-nurse: 2, isva: 1, family-liaison: 2, interpreter-polish: 1,
             team-leader: 1, young-victim: 1, bereavement: 1}
agencies:
YAML
    for a in hub:call-handler,family-liaison,team-leader cpft:mh-nurse rapecrisis:isva \
        vs:call-handler,bereavement migrant:interpreter-polish young:young-victim cruse:bereavement; do
        plan_agency id="${a%%:*}" name="Agency ${a%%:*}" role="supplies staff" supplies="${a#*:}" desk=Desk
    done
}
plan_write staff staff_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
ref=$(m incident standup --plan staff --level 1 --exercise --operation STAFF | head -n 1)

shifts=$(shift_keys)
[ "$shifts" = "night-2026-11-30 day-2026-12-01 night-2026-12-01 day-2026-12-02" ] || fail "shifts: $shifts"
ok "4 shifts over the horizon, starting with the one in progress"

offer() { # AGENCY ROLE COUNT SHIFT...
    local who=$1 role=$2 count=$3
    shift 3
    local args=()
    for s in "$@"; do args+=(--shift "$s"); done
    m --as agency:$who --json pledge offer "$ref" --role "$role" --count "$count" "${args[@]}" | json_field state
}
[ "$(offer hub call-handler 3 night-2026-11-30 day-2026-12-01 night-2026-12-01 day-2026-12-02)" = offered ] || fail "pledge 1"
offer vs call-handler 2 day-2026-12-01 >/dev/null
offer cpft mh-nurse 2 night-2026-11-30 day-2026-12-01 >/dev/null
offer rapecrisis isva 1 day-2026-12-01 >/dev/null
offer hub family-liaison 2 night-2026-12-01 >/dev/null

# Refusals: another agency's pledge, a role the agency does not supply, an
# unknown role, an unknown shift.
expect_fail 1 FORBIDDEN -- --as agency:vs pledge offer "$ref" --role call-handler --count 1 --shift day-2026-12-01 --agency hub
expect_fail 1 "does not supply" -- --as agency:cpft pledge offer "$ref" --role isva --count 1 --shift day-2026-12-01
expect_fail 1 "no role \"surgeon\"" -- --as agency:cpft pledge offer "$ref" --role surgeon --count 1 --shift day-2026-12-01
expect_fail 1 "no shift \"day-2026-12-09\"" -- --as agency:cpft pledge offer "$ref" --role mh-nurse --count 1 --shift day-2026-12-09
expect_fail 1 FORBIDDEN -- --as agency:cpft pledge accept 1
ok "pledges for another agency, unsupplied or unknown roles and unknown shifts refused"

grid() { coverage_grid; }
# expected CELL...: "shift role required/pledged/accepted/arrived" for every
# cell that is not required/0/0/0.
expected() {
    local out=
    for s in night-2026-11-30 day-2026-12-01 night-2026-12-01 day-2026-12-02; do
        for r in bereavement call-handler family-liaison interpreter-polish isva mh-nurse team-leader young-victim; do
            local req
            case $r in call-handler) req=4 ;; mh-nurse | family-liaison) req=2 ;; *) req=1 ;; esac
            local cell="$s $r $req/0/0/0" e
            for e in "$@"; do [[ "$e" == "$s $r "* ]] && cell=$e; done
            out+="$cell"$'\n'
        done
    done
    printf '%s' "$out"
}
want=$(expected \
    "night-2026-11-30 call-handler 4/3/0/0" "day-2026-12-01 call-handler 4/5/0/0" \
    "night-2026-12-01 call-handler 4/3/0/0" "day-2026-12-02 call-handler 4/3/0/0" \
    "night-2026-11-30 mh-nurse 2/2/0/0" "day-2026-12-01 mh-nurse 2/2/0/0" \
    "day-2026-12-01 isva 1/1/0/0" "night-2026-12-01 family-liaison 2/2/0/0")
diff <(grid) <(echo "$want") || fail "grid after the pledges"
show=$(m --json staffing "$ref")
echo "$show" | tr -d ' \n' | grep '"shift":"day-2026-12-01","role":"call-handler","required":4,"pledged":5,"accepted":0,"arrived":0,"shortfall":0,"surplus":1' >/dev/null ||
    fail "over-pledge is not a surplus of 1"
echo "$show" | grep '"shortfall": -' >/dev/null && fail "negative shortfall"
ok "the grid is exactly what the pledges add up to; over-pledge shows as surplus"

m pledge accept 1 >/dev/null
m pledge accept 3 >/dev/null
m pledge decline 2 >/dev/null
m pledge arrive 1 >/dev/null
m --as agency:rapecrisis pledge withdraw 4 >/dev/null
expect_fail 1 CONFLICT -- pledge arrive 2
expect_fail 1 CONFLICT -- pledge accept 4
want=$(expected \
    "night-2026-11-30 call-handler 4/3/3/3" "day-2026-12-01 call-handler 4/3/3/3" \
    "night-2026-12-01 call-handler 4/3/3/3" "day-2026-12-02 call-handler 4/3/3/3" \
    "night-2026-11-30 mh-nurse 2/2/2/0" "day-2026-12-01 mh-nurse 2/2/2/0" \
    "night-2026-12-01 family-liaison 2/2/0/0")
diff <(grid) <(echo "$want") || fail "grid after accept, decline, arrive, withdraw"
ok "accept, decline, arrive and withdraw moved exactly the right counts"

# No asks yet for the day shift: it starts at 08:00, the ask window is
# 4 h.  The night shift running at standup was asked for at once.
[ "$(asks_count shift=day-2026-12-01)" = 0 ] || fail "asked too early"
[ "$(asks_count shift=night-2026-11-30 agency=cruse)" = 1 ] || fail "running shift not asked: $(asks_list)"
before=$(m --json pledge list "$ref")
grid_before=$(grid)

# kill -9, and back at 05:00: the day shift is inside its window.
crash_restart --clock-offset "$(clock_at '2026-12-01 05:00 UTC')"
[ "$(m --json pledge list "$ref")" = "$before" ] || fail "pledges changed across kill -9"
[ "$(grid)" = "$grid_before" ] || fail "grid changed across kill -9"
ok "kill -9 kept every pledge and its state"

asks() { asks_list shift=day-2026-12-01; }
have_asks() { [ "$(asks_count shift=day-2026-12-01)" = 8 ]; }
wait_for 30 have_asks || fail "asks: $(asks)"
want_asks="bereavement:cruse:open bereavement:vs:open call-handler:vs:open family-liaison:hub:open interpreter-polish:migrant:open isva:rapecrisis:open team-leader:hub:open young-victim:young:open"
[ "$(asks)" = "$want_asks" ] || fail "asks: $(asks)"
[ "$(ask_shifts)" = 2 ] || fail "asks outside the window (the running night shift and the day shift)"
[ "$(pages_count ask=any ask_shift=day-2026-12-01)" = 8 ] || fail "ask pages"
ok "the short day shift paged exactly the capable agencies without a pledge for it"

# Covering bereavement stops both of its asks and their pages.
offer cruse bereavement 1 day-2026-12-01 >/dev/null
covered() { [ "$(asks_count role=bereavement state=covered shift=day-2026-12-01)" = 2 ]; }
wait_for 30 covered || fail "bereavement asks not covered: $(asks)"
[ "$(pages_count ask_role=bereavement state=cancelled ask_shift=day-2026-12-01)" = 2 ] || fail "ask pages not stopped"
ok "covering the shortfall stopped its asks and their pages"

# An agency answers its ask page with a pledge in the same request.
code=$(page_field ack_code ask_agency=young ask_shift=day-2026-12-01)
out=$(m --as agency:young --json agency ack --code "$code" --pledge-role young-victim --pledge-count 1 --pledge-shift day-2026-12-01)
echo "$out" | grep '"state": "offered"' >/dev/null || fail "ack with pledge: $out"
young_covered() { [ "$(ask_field state agency=young shift=day-2026-12-01)" = covered ]; }
wait_for 30 young_covered || fail "young ask not covered"
[ "$(page_field state ask_agency=young ask_shift=day-2026-12-01)" = acknowledged ] || fail "ask page not acknowledged"
ok "an acknowledgement carried a pledge that covered the ask"

# The gap re-opening asks again, once: cruse's withdrawal makes bereavement
# short again, and both agencies that supply it are asked in the new
# round; another change to coverage asks nobody again.
m --as agency:cruse pledge withdraw 6 >/dev/null
reasked() { [ "$(asks_count shift=day-2026-12-01 role=bereavement round=1 state=open)" = 2 ]; }
wait_for 30 reasked || fail "the re-opened shortfall was not asked again: $(asks)"
m pledge accept 5 >/dev/null
[ "$(asks_count shift=day-2026-12-01)" = 10 ] || fail "an agency was asked twice: $(asks)"
ok "a re-opened shortfall asked again, once; no agency asked twice for the same shortfall"
stop_daemon
