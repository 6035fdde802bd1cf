# tests/blackbox/bb_pfif.sh - people exchange (issue 20 section 4;
# docs/interop.md): `muster person export REF --for PARTY` writes a PFIF
# 1.4 document that validates against docs/standards/pfif-1.4.xsd and
# holds, for each party of plans/cambridgeshire.yaml's exchange section,
# only the fields that party may see; a number the person asked not to be
# called on is never in it (the safe number is, where there is one);
# persons who refused consent or were not asked (their referrals held),
# merged duplicates and purged persons are absent; a name of XML specials
# round-trips, and one holding an escape code written behind musterd's
# back comes out replaced, the document still valid.  Only Gold and the
# duty manager export: an agency and intake are refused and learn nothing;
# every export is audited (party, how many persons), and after kill -9 the
# audit row is there and the export is the same.  The casualty bureau's
# CSV through the plan's mapped headers lands with the right fields, and a
# file with one of two headers the plan joins is refused naming the other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/db_lib.sh"

XSD=$SRC/docs/standards/pfif-1.4.xsd
command -v xmllint >/dev/null || fail "xmllint is needed (apt-get install libxml2-utils)"
start_daemon
ref=$(m --json incident standup --plan cambridgeshire --level 1 --exercise --operation PFIF | json_field ref)
[ -n "$ref" ] || fail "no incident"
add() { # NAME CONSENT ARGS...: the new person's id
    local name=$1 consent=$2
    shift 2
    m --as intake --json person add "$ref" --category injured --name "$name" --consent "$consent" "$@" |
        sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1
}
anna=$(add "Anna Nowak" given --dob 1988-07-14 --phone "07700 900201" --email anna@example.org \
    --address "1 Example Road, Peterborough" --home-area peterborough)
bea=$(add "Bea Safe" given --phone "07700 900202" --email bea@example.org --safe-channels email \
    --do-not "phone:partner answers")
cy=$(add "Cy Safe" given --phone "07700 900203" --safe-number "07700 900333")
dan=$(add "Dan Held" not_asked --phone "07700 900204")
eve=$(add "Eve Refused" refused --phone "07700 900205")
spec=$(add "Fay <x> & \"q\" ]]> 'a'" given)
# Children under the plan's guardian_consent_under (16) with consent
# given but no guardian named: routing holds their referrals, and the
# export leaves them out (by age, and by an age band's top).
kit=$(add "Kit Child" given --age 9 --phone "07700 900901" --address "3 School Lane")
lia=$(add "Lia Band" given --age-band 12-15 --phone "07700 900902")
for v in anna bea cy dan eve spec kit lia; do [ -n "${!v}" ] || fail "person $v not added"; done

# export PARTY OUTFILE [USER]: the document, checked against the XSD.
export_for() {
    m --as "${3:-duty}" person export "$ref" --format pfif --for "$1" --out "$2" >"$T/say" ||
        fail "export for $1: $(cat "$T/say")"
    xmllint --noout --nonet --schema "$XSD" "$2" 2>"$T/lint" || fail "export for $1 is not valid PFIF 1.4: $(cat "$T/lint")"
}
# xp FILE ID FIELD [NOTEFIELD]: the text of person ID's FIELD (or of
# NOTEFIELD of its note, FIELD being "note") in FILE.
xp() {
    local p="/*[local-name()='pfif']/*[local-name()='person'][*[local-name()='person_record_id']='muster.cambs.police.example/person.$2']/*[local-name()='$3']"
    [ -z "${4:-}" ] || p="$p/*[local-name()='$4']"
    xmllint --xpath "string($p)" "$1" 2>/dev/null
}

export_for casualty-bureau "$T/cb.xml"
grep -q "^4 persons exported for casualty-bureau to $T/cb.xml$" "$T/say" || fail "export said: $(cat "$T/say")"
[ "$(xp "$T/cb.xml" "$anna" full_name)" = "Anna Nowak" ] || fail "no Anna in the bureau's export: $(cat "$T/cb.xml")"
[ "$(xp "$T/cb.xml" "$anna" date_of_birth)" = 1988-07-14 ] || fail "the bureau sees no date of birth"
[ "$(xp "$T/cb.xml" "$anna" home_street)" = "1 Example Road, Peterborough" ] || fail "the bureau sees no address"
[ "$(xp "$T/cb.xml" "$anna" note phone_of_found_person)" = "07700 900201" ] || fail "the bureau sees no phone"
[ "$(xp "$T/cb.xml" "$anna" note email_of_found_person)" = anna@example.org ] || fail "the bureau sees no email"
grep -q "Contact state: none" <<<"$(xp "$T/cb.xml" "$anna" note text)" || fail "no contact state in the note"
[ "$(xp "$T/cb.xml" "$anna" note author_made_contact)" = false ] || fail "Anna was not reached yet"
ok "the casualty bureau's export: valid PFIF 1.4, identity, address and contact for a consenting person"

! grep -q "900202" "$T/cb.xml" || fail "Bea's phone, which she asked not to be called on, was exported"
[ "$(xp "$T/cb.xml" "$bea" note email_of_found_person)" = bea@example.org ] || fail "Bea's email (allowed) missing"
grep -q "Never by phone" <<<"$(xp "$T/cb.xml" "$bea" note text)" || fail "Bea's note does not say never by phone"
! grep -q "partner answers" "$T/cb.xml" || fail "the reason of a do-not was exported"
[ "$(xp "$T/cb.xml" "$cy" note phone_of_found_person)" = "07700 900333" ] || fail "Cy's safe number not the one given"
! grep -q "900203" "$T/cb.xml" || fail "Cy's ordinary number exported beside the safe number"
ok "safe contact honoured: a forbidden phone absent (and the reason), the safe number instead of the ordinary one"

for v in dan eve; do
    ! grep -q "person\.${!v}<" "$T/cb.xml" || fail "$v (consent ${v}) exported"
done
! grep -q "Held\|Refused" "$T/cb.xml" || fail "a held or refused person in the export"
! grep -q "Kit Child\|School Lane\|900901\|Lia Band\|900902" "$T/cb.xml" ||
    fail "a child without a guardian named was exported"
ok "persons not asked for consent (referrals held), who refused consent, and children without a guardian are not exported"

[ "$(xp "$T/cb.xml" "$spec" full_name)" = "Fay <x> & \"q\" ]]> 'a'" ] || fail "XML specials did not round-trip: $(grep -A1 "person.$spec<" "$T/cb.xml")"
ok "a name of XML specials round-trips"

# The neighbouring hub: name, age, home area, category and phone only.
export_for neighbouring-hub "$T/nh.xml"
[ "$(xp "$T/nh.xml" "$anna" full_name)" = "Anna Nowak" ] || fail "the hub sees no name"
[ "$(xp "$T/nh.xml" "$anna" home_city)" = peterborough ] || fail "the hub sees no home area"
[ "$(xp "$T/nh.xml" "$anna" description)" = "Affected person: injured" ] || fail "the hub sees no category"
for x in 1988-07-14 "Example Road" anna@example.org bea@example.org; do
    ! grep -q "$x" "$T/nh.xml" || fail "the neighbouring hub sees $x"
done
[ "$(xp "$T/nh.xml" "$anna" note phone_of_found_person)" = "07700 900201" ] || fail "the hub sees no phone"
ok "the neighbouring hub's export holds only its fields (no date of birth, address or email)"

# Who may export: Gold and duty; not an agency, not intake, not an unknown party.
export_for casualty-bureau "$T/gold.xml" gold
before=$(audit_count command=person.export)
expect_fail 1 "FORBIDDEN" -- --as agency:cpft person export "$ref" --for casualty-bureau
expect_fail 1 "FORBIDDEN" -- --as intake person export "$ref" --for casualty-bureau
expect_fail 1 'NOT_FOUND: "press" is not a party' -- --as duty person export "$ref" --for press
expect_fail 2 "usage: muster person export" -- --as duty person export "$ref" --for casualty-bureau --format csv
ok "an agency and intake are refused; an unknown party or format is refused"

# Audited: who, for which party, how many (a read's row is written by the
# daemon's next batch).
exports_audited() { [ "$(audit_count command=person.export outcome=ok)" -ge "$1" ]; }
wait_for 10 exports_audited 3 || fail "exports not audited"
id=$(audit_ids command=person.export outcome=ok | tail -n 1)
[ "$(audit_field "$id" principal)" = gold ] || fail "audit principal $(audit_field "$id" principal)"
audit_field "$id" detail | grep -q '"for":"casualty-bureau","format":"pfif","persons":4' ||
    fail "audit detail: $(audit_field "$id" detail)"
ok "every export is audited: who, for which party, how many persons"

# Merged and purged persons are not exported; an escape code written
# behind musterd's back comes out replaced; after kill -9 all is kept.
m --as intake person merge "$anna" "$cy" >/dev/null || fail "merge"
export_for casualty-bureau "$T/before.xml"
wait_for 10 exports_audited 4 || fail "the fourth export not audited"
crash_daemon
person_set "$spec" name "'Gus ' || char(27) || '[31mRed'"
start_daemon
export_for casualty-bureau "$T/after.xml"
! grep -q "person\.$cy<" "$T/after.xml" || fail "a merged duplicate exported"
! grep -q $'\e' "$T/after.xml" || fail "a raw escape code in the export"
[ "$(xp "$T/after.xml" "$spec" full_name)" = $'Gus \xef\xbf\xbd[31mRed' ] || fail "the escape code not replaced: $(grep -A2 "person.$spec<" "$T/after.xml")"
grep -q 'Gus' <<<"$(m --as duty person export "$ref" --for casualty-bureau)" || fail "export to the terminal"
exports_audited 4 || fail "the audit rows did not survive kill -9"
ok "after kill -9: merged duplicate absent, the escape code replaced, the export valid, audit rows kept"

# The casualty bureau's CSV, in its own headers the plan maps.
printf 'Casualty Bureau Ref,Forename,Surname,DOB,Category,Contact Tel\nCB-9001,Hana,Okafor,03/04/1979,survivor,07700 900777\n' >"$T/cb.csv"
out=$(m person import "$ref" "$T/cb.csv") || fail "import: $out"
id=$(persons_ids name="Hana Okafor")
[ -n "$id" ] || fail "no Hana Okafor after the import: $out"
[ "$(person_field "$id" dob)" = 1979-04-03 ] && [ "$(person_field "$id" phone)" = "07700 900777" ] &&
    [ "$(person_field "$id" external_ref)" = CB-9001 ] && [ "$(person_field "$id" category)" = survivor ] ||
    fail "mapped fields: $(person_field "$id" dob) $(person_field "$id" phone) $(person_field "$id" external_ref)"
ok "a casualty-bureau CSV in the bureau's headers lands with the right fields"
before=$(persons_count)
printf 'Casualty Bureau Ref,Forename,DOB,Category\nCB-9002,Ivo,03/04/1979,survivor\n' >"$T/half.csv"
rc=0
out=$(m person import "$ref" "$T/half.csv" 2>&1) || rc=$?
[ $rc = 2 ] || fail "a missing mapped header: exit $rc: $out"
grep -q 'line 1: missing column "Surname" (the plan.s import section fills name from it and "Forename"' <<<"$out" ||
    fail "missing header said: $out"
[ "$(persons_count)" = "$before" ] || fail "a file missing a mapped header stored persons"
ok "a file with one of two headers the plan joins is refused naming the missing one, nothing stored"

# A document of 1,000 persons (some 1.2 MB, over the 256 KiB that musterd
# reads from others) is still written and checked: the limit is for input.
big=$(m --json incident standup --plan cambridgeshire --level 1 --exercise --operation PFIF-BIG | json_field ref)
{
    echo "name,category,consent,phone,address"
    for i in $(seq 1 1000); do echo "Person $i,survivor,given,07700 9$(printf %05d "$i"),$i Long Example Road, Peterborough"; done
} >"$T/big.csv"
sed -i '2,$ s/,\([0-9]* Long Example Road\), Peterborough$/,"\1, Peterborough"/' "$T/big.csv"
m person import "$big" "$T/big.csv" >"$T/big.out" || fail "import of 1,000: $(tail -3 "$T/big.out")"
m --as duty person export "$big" --format pfif --for casualty-bureau --out "$T/big.xml" >"$T/say" ||
    fail "export of 1,000 persons: $(cat "$T/say")"
grep -q "^1000 persons exported" "$T/say" || fail "export of 1,000 said: $(cat "$T/say")"
[ "$(stat -c %s "$T/big.xml")" -gt 262144 ] || fail "the document of 1,000 is not over 256 KiB: $(stat -c %s "$T/big.xml")"
xmllint --noout --nonet --schema "$XSD" "$T/big.xml" 2>"$T/lint" || fail "the export of 1,000 is not valid: $(head -3 "$T/lint")"
ok "an export of 1,000 persons (over 256 KiB) is written and valid"
stop_daemon
