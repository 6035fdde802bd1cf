# tests/blackbox/bb_safe_contact.sh - safe contact is enforced and every
# contact recorded: a person's structured safe-contact instructions
# (allowed channels, "do not" with the reason, hours, a safe number) refuse
# an attempt on a forbidden channel or outside the hours with the
# instruction quoted (CONFLICT) and record nothing; the form registered
# before instructions were structured ({"channels", "note"}) is enforced
# alike; each attempt records its channel and who made it; a letter or
# email sent is logged with its kind and address kind, never its content.
# Registration fields are corrected with person.update: the old values are
# kept out of the record (in corrections, named by the audit row's
# detail), duplicate checks run again when a compared field changed, and
# the corrected instructions are enforced.  The daemon's clock is 10:00
# UTC (TZ=UTC).
. "$(dirname "$0")/lib.sh"

export TZ=UTC
safe_plan() {
    plan_head id=safe name="Safe contact test plan" prefix=SC lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  pathways: [{id: monitoring, name: Active monitoring, provider: hub}]
  rules: [{pathway: monitoring}]
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
}
plan_write safe safe_plan
start_daemon --clock-offset "$(clock_at '2026-12-01 10:00 UTC')"
ref=$(m incident standup --plan safe --level 1 --exercise --operation SAFE | head -n 1)
add() { m --as intake --json person add "$ref" --category survivor --home-area cambridge "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
show() { m --as duty --json person show "$1" | sed 's/^ *//; s/": /":/' | tr -d '\n'; }
contacts() { show "$1" | sed -n 's/.*"contacts":\(\[[^]]*\]\).*/\1/p'; }

# Bad instructions are refused and register nobody.
expect_fail 1 "both allowed and" -- --as intake person add "$ref" --category survivor \
    --name "Bad One" --safe-channels letter --do-not "letter:shared address"
expect_fail 1 "safe_contact\" \"hours\"" -- --as intake person add "$ref" --category survivor \
    --name "Bad Two" --safe-hours 25:00-26:00
expect_fail 1 "safe_number\" must be" -- --as intake person add "$ref" --category survivor \
    --name "Bad Three" --safe-number "call me"
expect_fail 1 "channels are phone" -- --as intake person add "$ref" --category survivor \
    --name "Bad Four" --do-not "fax:no"
[ "$(m --as duty --json person list "$ref" | grep -c '"person":')" = 0 ] || fail "a bad instruction registered someone"
ok "bad safe-contact instructions refused, nobody registered"

# A person who may be reached by SMS or phone, 18:00 to 21:00, never by letter.
a=$(add --name "Ann Safe" --phone "07700 900100" --safe-channels sms,phone \
    --do-not "letter:shared address" --safe-hours 18:00-21:00 --safe-number "07700 900111" \
    --safe-note "partner at home in the day")
s=$(show "$a")
echo "$s" | grep -F '"do_not":{"letter":"shared address"}' >/dev/null &&
    echo "$s" | grep -F '"hours":{"from":"18:00","to":"21:00"}' >/dev/null &&
    echo "$s" | grep -F '"safe_number":"07700 900111"' >/dev/null || fail "instructions not kept: $s"
expect_fail 1 "CONFLICT.*safe contact: do not use letter: shared address" -- --as intake \
    person contact "$a" --channel letter --outcome sent --kind introduction --to home
expect_fail 1 "CONFLICT.*safe contact: only by sms, phone, not email" -- --as intake \
    person contact "$a" --channel email --outcome sent --kind introduction --to personal
expect_fail 1 "CONFLICT.*safe contact: only between 18:00 and 21:00, not by phone now" -- \
    --as intake person contact "$a" --channel phone --outcome no_answer
expect_fail 1 "CONFLICT.*only between 18:00 and 21:00, not by sms" -- \
    --as intake person contact "$a" --outcome sent --channel sms
[ "$(contacts "$a")" = "[]" ] && show "$a" | grep -F '"contact_state":"none"' >/dev/null ||
    fail "a refused attempt was recorded: $(show "$a")"
[ "$(audit_count command=person.contact outcome=CONFLICT target="person $a")" = 4 ] ||
    fail "refused attempts not audited"
ok "forbidden channel, unlisted channel, outside the hours: refused with the instruction, nothing recorded"

# Hours that include now (and hours that wrap past midnight) allow it.
b=$(add --name "Ben Day" --safe-hours 09:00-12:00)
c=$(add --name "Cat Night" --safe-hours 22:00-11:00)
m --as intake person contact "$b" --channel phone --outcome contacted >/dev/null || fail "in hours refused"
m --as intake person contact "$c" --channel visit --outcome contacted >/dev/null || fail "wrapped hours refused"
contacts "$b" | grep -F '"by":"intake","outcome":"contacted","slot":"morning","note":null,"channel":"phone"' >/dev/null ||
    fail "attempt not recorded with channel and who: $(contacts "$b")"
ok "attempts within the allowed hours recorded with channel and who made them"

# The form registered before instructions were structured is enforced.
d=$(add --name "Dee Letters" --safe-channels letter --safe-note "no calls")
expect_fail 1 "CONFLICT.*safe contact: only by letter, not phone" -- --as intake \
    person contact "$d" --outcome contacted
out=$(m --as intake --json person contact "$d" --channel letter --outcome sent --kind appointment --to care_of | sed 's/^ *//; s/": /":/' | tr -d '\n')
echo "$out" | grep -F '"channel":"letter","outcome":"sent"' >/dev/null &&
    echo "$out" | grep -F '"contact_state":"attempting"' >/dev/null || fail "letter: $out"
contacts "$d" | grep -F '"outcome":"sent","slot":"morning","note":null,"channel":"letter","kind":"appointment","to":"care_of"' >/dev/null ||
    fail "letter not logged: $(contacts "$d")"
ok "channels given at registration enforced; a letter logged with its kind and address kind"

# A person with no instructions: any channel, phone by default.
e=$(add --name "Eve Open" --email eve@example.org)
m --as intake person contact "$e" --outcome no_answer >/dev/null
m --as intake person contact "$e" --channel email --outcome sent --kind information --to personal >/dev/null
m --as intake person contact "$e" --channel email --outcome contacted >/dev/null
[ "$(contacts "$e" | grep -o '"channel":"[a-z]*"' | tr '\n' ' ')" = '"channel":"phone" "channel":"email" "channel":"email" ' ] ||
    fail "channels: $(contacts "$e")"
show "$e" | grep -F '"contact_state":"contacted"' >/dev/null || fail "state after email reply"
ok "phone by default; emails logged; a reply by email counts as contacted"

# Bad attempts: coded errors, nothing recorded.
expect_fail 1 "BAD_ARGUMENT.*channel is phone" -- --as intake person contact "$e" --channel fax --outcome contacted
expect_fail 1 "BAD_ARGUMENT.*outcome by letter" -- --as intake person contact "$e" --channel letter --outcome contacted
expect_fail 1 "BAD_ARGUMENT.*kind is one of" -- --as intake person contact "$e" --channel letter --outcome sent --to home
expect_fail 1 "BAD_ARGUMENT.*to (for letter)" -- --as intake person contact "$e" --channel letter --outcome sent --kind other --to moon
expect_fail 1 "BAD_ARGUMENT.*without its content" -- --as intake person contact "$e" --channel letter \
    --outcome sent --kind other --to home --note "Dear Eve"
expect_fail 1 "BAD_ARGUMENT.*for a letter or email sent" -- --as intake person contact "$e" --outcome contacted --kind other
expect_fail 1 "BAD_ARGUMENT.*outcome by phone" -- --as intake person contact "$e" --outcome sent
[ "$(contacts "$e" | grep -o '"outcome"' | wc -l)" = 3 ] || fail "a bad attempt was recorded"
ok "bad attempts refused with coded errors, nothing recorded"

# Corrections.
f=$(add --name "Fay Wrong" --dob 1980-01-01 --phone "07700 900333" --address "1 Old Road")
g=$(add --name "Gus Twin" --phone "07700 900444")
out=$(m --as intake --json person update "$f" --phone "07700 900444" --address "2 New Road" --name "Fay Right" | sed 's/^ *//; s/": /":/' | tr -d '\n')
echo "$out" | grep -F '"changed":["name","phone","address"]' >/dev/null &&
    echo "$out" | grep -F "\"possible_duplicates\":[{\"person\":$g,\"reason\":\"phone\"}]" >/dev/null ||
    fail "update: $out"
s=$(show "$f")
echo "$s" | grep -F '"name":"Fay Right"' >/dev/null && echo "$s" | grep -F '"address":"2 New Road"' >/dev/null &&
    echo "$s" | grep -F '"phone":"07700 900444"' >/dev/null || fail "not corrected: $s"
! echo "$s" | grep -F -e "Fay Wrong" -e "1 Old Road" -e "900333" >/dev/null || fail "old value in the record: $s"
[ "$(duplicate_of "$f")" = "$g:phone" ] || fail "duplicate check not run again: $(duplicate_of "$f")"
old=$(correction_old "$f")
[[ "$old" == *'"Fay Wrong"'* && "$old" == *'"1 Old Road"'* && "$old" == *'"07700 900333"'* ]] || fail "old values: $old"
row=$(audit_ids command=person.update target="person $f" outcome=ok)
[ "$(audit_field "$row" detail)" = '{"correction":1,"fields":["name","phone","address"]}' ] ||
    fail "audit detail: $(audit_field "$row" detail)"
[ "$(events_count person.updated)" = 1 ] || fail "no person.updated event"
ok "a correction keeps the old values out of the record, audited, and checks duplicates again"

m --as intake person update "$f" --safe-channels letter >/dev/null
expect_fail 1 "CONFLICT.*safe contact: only by letter, not phone" -- --as intake person contact "$f" --outcome contacted
out=$(m --as intake --json person update "$f" --name "Fay Right" | sed 's/^ *//; s/": /":/' | tr -d '\n')
echo "$out" | grep -F '"changed":[],"correction":null' >/dev/null || fail "a no-op: $out"
expect_fail 1 'BAD_ARGUMENT.*unknown argument "category"' -- --as intake person update "$f" --category witness
expect_fail 1 'BAD_ARGUMENT.*dob' -- --as intake person update "$f" --dob 2026-02-30
expect_fail 1 'BAD_ARGUMENT.*safe_number' -- --as intake person update "$f" --safe-number nope
expect_fail 1 FORBIDDEN -- --as agency:hub person update "$f" --name "Agency Edit"
expect_fail 1 NOT_FOUND -- --as intake person update 999 --name "Nobody"
[ "$(correction_old "$f" | wc -l)" = 2 ] && show "$f" | grep -F '"name":"Fay Right"' >/dev/null ||
    fail "a refused correction changed something"
ok "corrected instructions enforced; a no-op records nothing; bad corrections refused, nothing changed"

sanitizer_clean
