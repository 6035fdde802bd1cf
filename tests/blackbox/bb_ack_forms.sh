# tests/blackbox/bb_ack_forms.sh - acknowledgement from any phone, and an
# acknowledgement that carries a pledge.  A code is accepted as phones and
# people type it: lower case, o for 0, l or i for 1, with or without a
# separator (hyphens, spaces, a code texted back in parts), by an agency
# (agency.ack) and by the Hub's relay desk (page.ack).  Something that is
# no code at all (7 characters, a U) gets the same NOT_FOUND as an unknown
# code and counts as a wrong one.  `muster agency ack` with --pledge-*
# options records the pledge in the same change (seen in `muster
# staffing`); a bad count, a missing role or shift is refused by the CLI
# naming the option, an unknown role or shift by musterd, and then the
# page is not acknowledged either.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
forms_plan() {
    plan_head id=forms name="Acknowledgement forms plan" prefix=AF lead=hub
    cat <<'YAML'
paging:
  ack_wait: 2h
staffing:
  horizon: 36h
  ask_lead: 1h
  roles:
    - {id: call-handler, name: Call handler}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 4}
agencies:
YAML
    plan_agency id=hub name="Hub" role="Lead agency" supplies=call-handler desk=Desk
    for i in 1 2 3 4; do plan_agency id="a$i" name="Agency $i" role="r$i" desk=Desk; done
}
plan_write forms forms_plan
state_of() { page_field state agency="$1" ask=none; }
via_of() { page_field ack_via agency="$1" ask=none; }

start_daemon --clock-offset "$(clock_at '2026-12-01 02:00 UTC')"
ref=$(m incident standup --plan forms --level 1 --exercise --operation FORMS | head -n 1)
[[ "$ref" == EX-AF-* ]] || fail "standup: $ref"
# Codes with a 0 and a 1 in them, so that every substitution is tried.
stop_daemon
page_set ack_code "'10K7Q2M0'" agency=a1 ask=none
page_set ack_code "'X1A0B7N1'" agency=a2 ask=none
page_set ack_code "'P0R1S0T1'" agency=a3 ask=none
page_set ack_code "'1H0G2F3E'" agency=hub ask=none
start_daemon --clock-offset "$(clock_at '2026-12-01 02:10 UTC')"

# 1. What is no code at all is answered as an unknown code is.
# (As a4, 4 wrong codes: one short of its limit.)
unknown=$(m --as agency:a4 agency ack --code ZZZZZZZZ 2>&1) && fail "an unknown code acknowledged"
for c in lok7q2m "uok7q2mo" "lo_k7q2mo"; do
    out=$(m --as agency:a4 agency ack --code "$c" 2>&1) && fail "\"$c\" acknowledged"
    [ "$out" = "$unknown" ] || fail "\"$c\" answered \"$out\", an unknown code \"$unknown\""
done
unknown=$(m --as duty page ack ZZZZZZZZ 2>&1) && fail "an unknown code acknowledged"
out=$(m --as duty page ack lok7q2mo0 2>&1) && fail "lok7q2mo0 acknowledged"
[ "$out" = "$unknown" ] || fail "lok7q2mo0 answered \"$out\", an unknown code \"$unknown\""
[ "$(pages_count state=acknowledged)" = 0 ] || fail "a page was acknowledged: $(pages_states)"
[ "$(audit_count target="ack code" outcome=NOT_FOUND)" = 6 ] || fail "the wrong codes were not all counted"
ok "a code too short, too long, with a U or an underscore is an unknown code, counted"

# 2. Lower case, o for 0 and l for 1, no separator.
m --as agency:a1 agency ack --code lok7q2mo >/dev/null || fail "lok7q2mo was refused"
[ "$(state_of a1)" = acknowledged ] && [ "$(via_of a1)" = code ] || fail "a1: $(state_of a1) $(via_of a1)"
# i for 1, a hyphen as separator.
m --as agency:a2 agency ack --code xia0-b7ni >/dev/null || fail "xia0-b7ni was refused"
[ "$(state_of a2)" = acknowledged ] || fail "a2: $(state_of a2)"
ok "an agency's code typed in lower case, with o, l, i and a hyphen, acknowledges"

# 3. The relay desk types a code texted back in parts, longer than 16
# characters with its spaces and hyphens.
m --as duty page ack "p o r l -" "s o t i" --via sms >/dev/null || fail "the relayed code was refused"
[ "$(state_of a3)" = acknowledged ] && [ "$(via_of a3)" = sms ] || fail "a3: $(state_of a3) $(via_of a3)"
# A code as musterd sent it, read out with a space in the middle.
code=$(page_field ack_code agency=a4 ask=none)
m --as agency:a4 agency ack --code "${code:0:4} ${code:4}" >/dev/null || fail "\"${code:0:4} ${code:4}\" was refused"
[ "$(state_of a4)" = acknowledged ] || fail "a4: $(state_of a4)"
ok "a relayed code in parts and a code with a space acknowledge"

# 4. Pledges with the acknowledgement: bad options are refused, naming
# them, before anything is sent; musterd refuses an unknown role or shift;
# the page stays unacknowledged and no pledge is made.
ack_hub() { m --as agency:hub agency ack --code ih0g-2f3e "$@"; }
expect_fail 2 'muster: --pledge-count must be a whole number of staff from 1 to 1000, not "3x"' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role call-handler --pledge-count 3x --pledge-shift day-2026-12-01
expect_fail 2 'muster: --pledge-count must be a whole number of staff from 1 to 1000, not "1001"' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role call-handler --pledge-count 1001 --pledge-shift day-2026-12-01
expect_fail 2 'muster: a pledge needs --pledge-role ROLE' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-count 2 --pledge-shift day-2026-12-01
expect_fail 2 'muster: a pledge needs --pledge-shift KEY' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role call-handler --pledge-count 2
expect_fail 2 'muster: --pledge-count must be a whole number' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role call-handler --pledge-shift day-2026-12-01
expect_fail 1 'BAD_ARGUMENT: no role "surgeon" in the plan of' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role surgeon --pledge-count 2 --pledge-shift day-2026-12-01
expect_fail 1 'BAD_ARGUMENT: no shift "day-2099-01-01"' -- \
    --as agency:hub agency ack --code ih0g-2f3e --pledge-role call-handler --pledge-count 2 --pledge-shift day-2099-01-01
[ "$(state_of hub)" = paging ] || fail "a refused pledge acknowledged the page: $(state_of hub)"
[ "$(m --json pledge list "$ref" | tr -d ' \n')" = "{\"incident\":\"$ref\",\"pledges\":[]}" ] ||
    fail "a refused pledge was recorded: $(m --json pledge list "$ref")"
ok "a bad count, no role, no shift, an unknown role or shift: refused, nothing changed"

out=$(ack_hub --pledge-role call-handler --pledge-count 2 --pledge-shift day-2026-12-01 \
    --pledge-shift night-2026-12-01 --pledge-name "Amy Clarke" --pledge-note "from the day shift")
grep -q acknowledged <<<"$out" || fail "ack with a pledge: $out"
[ "$(state_of hub)" = acknowledged ] || fail "hub: $(state_of hub)"
cell() { # SHIFT: the call-handler cell of `muster staffing` (JSON), one line
    m --json staffing "$ref" | tr -d ' \n' | grep -o "{\"shift\":\"$1\",\"role\":\"call-handler\",[^}]*}"
}
cell day-2026-12-01 | grep -q '"pledged":2,' || fail "day cell: $(cell day-2026-12-01)"
cell night-2026-12-01 | grep -q '"pledged":2,' || fail "night cell: $(cell night-2026-12-01)"
cell day-2026-12-02 | grep -q '"pledged":0,' || fail "day 2 cell: $(cell day-2026-12-02)"
pledges=$(m --json pledge list "$ref" | tr -d '\n')
grep -q '"agency": *"hub"' <<<"$pledges" && grep -q '"count": *2' <<<"$pledges" &&
    grep -q 'Amy Clarke' <<<"$pledges" || fail "pledge list: $pledges"
ok "an acknowledgement by code carried a pledge, seen in muster staffing"
stop_daemon
