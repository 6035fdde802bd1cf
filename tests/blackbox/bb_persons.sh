# Affected persons, end to end: a CSV of 3,000 with 20 malformed rows
# (2,980 stored, the 20 reported by line, a re-import adds nothing);
# routing with a waitlist that is promoted when a place frees, re-routing
# after screening, consent holding back a referral; an agency sees only
# the persons referred to it; contact attempts at different times of day;
# the Victims' Code referral deadline breached across a weekend and a bank
# holiday, found after a restart.  The daemon's clock is set with its
# clock offset (TZ=UTC), so no test waits for a day to pass.
. "$(dirname "$0")/lib.sh"

export TZ=UTC
people_plan() {
    plan_head id=people name="Persons test plan" prefix=PP lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge, peterborough]
  explicit_consent: [bereaved]
  referral_working_days: 2
  bank_holidays: ["2026-12-21"]
  contact_attempts: 3
  pathways:
    - {id: crisis, name: Crisis team, provider: mh}
    - {id: away, name: Out of area, provider: hub, out_of_area: true}
    - {id: bereavement, name: Bereavement support, provider: cruse}
    - {id: trauma, name: Trauma therapy, provider: mh, capacity: 2, waitlist: true}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: away, home: out}
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: trauma, screen: positive}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
    plan_agency id=mh name="Mental health trust" role=mh desk=D
    plan_agency id=cruse name=Cruse role=bereavement desk=D
}
plan_write people people_plan
# Friday 18 December 2026, 15:00: Monday the 21st is a bank holiday.
start_daemon --clock-offset "$(clock_at '2026-12-18 15:00 UTC')"
ref=$(m incident standup --plan people --level 1 --exercise --operation PEOPLE | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
state_of() { m --as duty --json person show "$1" | tr -d ' \n' | sed -n 's/.*"referrals":\[.*{"pathway":"\([a-z]*\)","provider":"[a-z]*","state":"\([a-z_]*\)","reason":[^}]*}\]*,"screenings".*/\1:\2/p'; }
open_state() { referral_open "$1"; }

# Waitlist: trauma holds 2; the third positive screen waits.
a=$(add --category survivor --name "Alice Able" --home-area cambridge)
b=$(add --category survivor --name "Bob Baker" --home-area cambridge)
c=$(add --category witness --name "Cara Cole" --home-area peterborough)
for p in $a $b $c; do [ "$(open_state $p)" = monitoring:referred ] || fail "person $p: $(open_state $p)"; done
for p in $a $b $c; do
    m --as intake person screen $p --instrument gad7 --answers 2,2,2,2,2,1,1 >/dev/null
done
[ "$(open_state $a)" = trauma:referred ] || fail "a: $(open_state $a)"
[ "$(open_state $b)" = trauma:referred ] || fail "b: $(open_state $b)"
[ "$(open_state $c)" = trauma:waitlisted ] || fail "c: $(open_state $c)"
ok "a positive screen re-routed three persons; the third waits for a full pathway"
m --as agency:mh referral close $a --reason "therapy completed" >/dev/null
[ "$(open_state $c)" = trauma:referred ] || fail "waitlist not promoted: $(open_state $c)"
ok "a freed place went to the waitlisted person"

# Urgent (PHQ-9 item 9) goes to the crisis team.
m --as intake --json person screen $b --instrument phq9 --answers 0,0,0,0,0,0,0,0,1 | grep '"urgent": true' >/dev/null || fail "urgent flag"
[ "$(open_state $b)" = crisis:referred ] || fail "urgent: $(open_state $b)"
ok "an answer above 0 on PHQ-9 item 9 routed to the crisis team"

# Consent: a bereaved relative is held until consent is recorded.
d=$(add --category bereaved --name "Dan Dale" --home-area cambridge)
[ "$(open_state $d)" = bereavement:held_consent ] || fail "consent hold: $(open_state $d)"
m --as intake person consent $d given >/dev/null
[ "$(open_state $d)" = bereavement:referred ] || fail "after consent: $(open_state $d)"
ok "consent held back a bereaved relative's referral until recorded"

# Out of area: named home area kept on the referral.
e=$(add --category survivor --name "Eve East" --home-area leeds)
[ "$(open_state $e)" = away:referred ] || fail "out of area: $(open_state $e)"
[ "$(referral_field "$e" home_area)" = leeds ] || fail "home area not named"
ok "a person living outside the county referred out of area, naming Leeds"

# A TSQ within the first 28 days is scheduled, not scored.
m --as intake --json person screen $e --instrument tsq --answers yes,yes,yes,yes,yes,yes,no,no,no,no | grep '"state": "scheduled"' >/dev/null || fail "early TSQ"

# An agency sees only persons referred to it, and only what it needs.
expect_fail 1 NOT_FOUND -- --as agency:cruse person show $a
m --as agency:cruse --json person show $d >"$T/cruse.json" || fail "cruse cannot see its own referral"
grep '"name": "Dan Dale"' "$T/cruse.json" >/dev/null || fail "cruse view"
! grep -E '"dob"|"address"|"external_ref"|"answers"' "$T/cruse.json" >/dev/null || fail "cruse sees more than it needs"
[ "$(m --as agency:cruse --json person list "$ref" | grep -c '"person":')" = 1 ] || fail "cruse list"
expect_fail 1 FORBIDDEN -- --as agency:cruse person add "$ref" --category other --name X
ok "an agency finds only its own referrals, without date of birth or address"

# Contact attempts at different times of day.
f=$(add --category witness --name "Fay Ford" --home-area cambridge)
m --as intake person contact $f --outcome no_answer >/dev/null
expect_fail 1 "another time of day" -- --as intake person contact $f --outcome no_answer

# 3,000 persons from CSV, 20 of them malformed.
awk 'BEGIN {
    print "category,name,dob,phone,home_area,language,external_ref"
    split("visitor|1990-13-01|not-a-phone|toolong", bad, "|")
    for (i = 1; i <= 3000; i++) {
        cat = "survivor"; dob = sprintf("19%02d-%02d-%02d", 50 + i % 50, 1 + i % 12, 1 + i % 28)
        phone = sprintf("07700 9%05d", i); lang = "en"; ext = (i % 2) ? sprintf("CB-%05d", i) : ""
        if (i % 150 == 0) {
            k = (i / 150) % 5
            if (k == 0) { print "survivor,Short Row " i; continue }
            if (k == 1) cat = bad[1]; if (k == 2) dob = bad[2]; if (k == 3) phone = bad[3]; if (k == 4) lang = bad[4]
        }
        printf "%s,\"Person %d, Test\",%s,%s,cambridge,%s,%s\n", cat, i, dob, phone, lang, ext
    }
}' >"$T/persons.csv"
rc=0
m --as intake person import "$ref" "$T/persons.csv" >"$T/import1.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "import exit $rc: $(tail -3 "$T/import1.out")"
tail -n 1 "$T/import1.out" | grep '^3000 rows: 2980 stored, 0 already imported, 20 refused$' >/dev/null || fail "import: $(tail -n 1 "$T/import1.out")"
got=$(grep -o '^line [0-9]*: refused' "$T/import1.out" | awk '{print $2}' | tr -d : | sort -n | tr '\n' ' ')
want=$(for i in $(seq 150 150 3000); do printf '%d ' $((i + 1)); done)
[ "$got" = "$want" ] || fail "refused lines: $got"
ok "3,000 rows imported: 2,980 stored, the 20 malformed reported by line number"
rc=0
m --as intake person import "$ref" "$T/persons.csv" >"$T/import2.out" 2>&1 || rc=$?
tail -n 1 "$T/import2.out" | grep '^3000 rows: 0 stored, 2980 already imported, 20 refused$' >/dev/null || fail "re-import: $(tail -n 1 "$T/import2.out")"
[ "$(persons_count)" = $((2980 + 6)) ] || fail "persons: $(persons_count)"
ok "the same file imported again added nothing"

# Duplicates flagged, merged, unmerged.
g=$(add --category survivor --name "person 17,  test" --dob "$(sed -n 18p "$T/persons.csv" | cut -d, -f4)" --home-area cambridge)
m --as intake --json person show $g | grep '"reason": "name_and_dob"' >/dev/null || fail "duplicate not flagged"
dup=$(duplicate_match "$g")
m --as intake person merge $dup $g >/dev/null
[ -z "$(open_state $g)" ] || fail "merged person still referred"
m --as intake person unmerge $g >/dev/null
[ "$(open_state $g)" = monitoring:referred ] || fail "unmerged person not routed again"
ok "a duplicate flagged, merged and unmerged, both histories kept"

# Look-alikes: a Cyrillic letter, a non-breaking or zero-width space, a
# decomposed accent still flag the person registered before; a different
# name does not.
dupe_of() { duplicate_of "$1"; }
k=$(add --category survivor --name "Anna Zoë Kowalski" --dob 1981-02-03 --home-area cambridge)
for name in $'\u0410nna Zo\u00eb Kowalski' $'Anna\u00a0Zoe\u0308 Kowalski' $'An\u200bna Zo\u00eb  KOWALSKI'; do
    l=$(add --category survivor --name "$name" --dob 1981-02-03 --home-area cambridge)
    dupe_of $l | grep -x "$k:name_and_dob" >/dev/null || fail "\"$name\" not flagged as a duplicate of $k: $(dupe_of $l)"
done
l=$(add --category survivor --name "Anna Zoe Kowalski" --dob 1981-02-03 --home-area cambridge)
[ -z "$(dupe_of $l)" ] || fail "Zoe flagged as Zoë: $(dupe_of $l)"
ok "look-alike letters, odd spaces and decomposed accents flag the duplicate"

# Deadlines: Fay has no referral problem, but a held bereaved relative does.
h=$(add --category bereaved --name "Hal Hope" --home-area cambridge)
due=$(person_field "$h" referral_due_at)
[ "$due" = "$(date -d '2026-12-24 00:00 UTC' +%s%3N)" ] || fail "deadline $due is not the end of Wednesday 23rd"
ok "registered Friday 15:00 with Monday a bank holiday: due by the end of Wednesday"

# Monday 21st, 09:00 (the bank holiday): no breach yet; a morning attempt.
crash_restart --clock-offset "$(clock_at '2026-12-21 09:00 UTC')"
m --as intake person contact $f --outcome no_answer >/dev/null
[ "$(persons_count breached)" = 0 ] || fail "breach too early"

# Wednesday 23rd, 19:00: still in time; the evening attempt is the third.
crash_restart --clock-offset "$(clock_at '2026-12-23 19:00 UTC')"
m --as intake --json person contact $f --outcome no_answer | grep '"contact_state": "unable_to_contact"' >/dev/null || fail "third attempt"
[ -z "$(open_state $f)" ] || fail "unable-to-contact referral still open"
ok "three attempts at different times of day, then unable to contact"
[ "$(persons_count breached)" = 0 ] || fail "breach before the deadline"

# Thursday 24th, 00:05: the held referral is in breach, found at start.
crash_restart --clock-offset "$(clock_at '2026-12-24 00:05 UTC')"
breached() { [ "$(persons_ids breached)" = "$h" ]; }
wait_for 30 breached || fail "breach: $(persons_ids breached)"
m --as duty person list "$ref" --category bereaved | grep "^$h .*BREACH" >/dev/null || fail "breach not shown"
ok "a referral not made within 2 working days shows as a breach after a restart"
[ "$(persons_count)" = $((2980 + 8 + 5)) ] || fail "persons lost across restarts"
[ "$(rescreens_count pending)" -gt 0 ] || fail "re-screen deadlines lost"
stop_daemon
