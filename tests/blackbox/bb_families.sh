# tests/blackbox/bb_families.sh - families and a single point of contact
# (issue 13, section 4): persons linked into a family, a person recorded
# missing or deceased (never contacted, screened or referred; their family
# bereaved of them), a family liaison officer (a keyring person) through
# whom alone the family is contacted and who sees the whole family, an
# agency seeing only the members it was given, bad input refused with a
# coded error and nothing changed, and all of it kept over a restart.
. "$(dirname "$0")/lib.sh"

family_plan() {
    plan_head id=fam name="Family plan" prefix=FA lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  pathways:
    - {id: bereavement, name: Bereavement support, provider: cruse}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
    plan_agency id=cruse name=Cruse role=bereavement desk=D
    plan_agency id=police name="Family liaison" role=police desk=D
}
plan_write fam family_plan
init_keys
"$BIN/muster" keys add --keys "$KEYS" --person dc-ward agency:police >/dev/null || fail "keys add dc-ward"
"$BIN/muster" keys add --keys "$KEYS" --person pc-hill intake >/dev/null || fail "keys add pc-hill"
start_daemon
ref=$(m incident standup --plan fam --level 1 --exercise --operation FAM | head -n 1)
other=$(m incident standup --plan fam --level 1 --exercise --operation OTHER | head -n 1)
add() { m --as intake --json person add "$1" "${@:2}" | jq -r .person; }
dan=$(add "$ref" --category bereaved --name "Dan Father" --home-area cambridge --consent given)
mia=$(add "$ref" --category survivor --name "Mia Mother" --home-area cambridge)
vic=$(add "$ref" --category injured --name "Vic Victim" --home-area cambridge)
kit=$(add "$ref" --category survivor --name "Kit Child" --home-area cambridge)
elsewhere=$(add "$other" --category survivor --name "Ola Other" --home-area cambridge)
[ "$(referral_open "$dan")" = bereavement:referred ] || fail "dan: $(referral_open "$dan")"
[ "$(referral_open "$vic")" = monitoring:referred ] || fail "vic: $(referral_open "$vic")"

fam=$(m --json family create "$ref" "$dan" "$mia" "$vic" | jq -r .family)
[ "$(family_members "$fam" | tr '\n' ' ')" = "$dan $mia $vic " ] || fail "members: $(family_members "$fam")"
ok "family create links persons of one incident"

# bad input: a coded error, and nothing changes
expect_fail 1 NOT_FOUND -- family create "$ref" "$kit" 9999
expect_fail 1 NOT_FOUND -- family add 9999 "$kit"
expect_fail 1 BAD_ARGUMENT -- family add "$fam" "$elsewhere"
expect_fail 1 CONFLICT -- family add "$fam" "$dan"
expect_fail 1 NOT_FOUND -- family create NO-SUCH-REF "$kit"
expect_fail 1 FORBIDDEN -- --as agency:cruse family add "$fam" "$kit"
[ "$(families_count)" = 1 ] || fail "a refused family.create left a family: $(families_count)"
[ "$(family_members "$fam" | wc -l)" = 3 ] || fail "a refused add changed the family"
[ -z "$(family_of "$kit")$(family_of "$elsewhere")" ] ||
    fail "a refused request linked a person"
ok "an unknown family, a person of another incident, a second family: coded errors, nothing changed"

# deceased: never contacted, screened or referred; the family bereaved
m --as intake person status "$mia" missing >/dev/null || fail "status missing"
[ "$(person_field "$mia" status)" = missing ] || fail "missing not recorded"
m --as intake person status "$vic" deceased >/dev/null || fail "status deceased"
[ -z "$(referral_open "$vic")" ] || fail "a deceased person keeps a referral: $(referral_open "$vic")"
[ "$(bereaved_of "$dan")" = "$vic" ] || fail "dan is not bereaved of vic: $(bereaved_of "$dan")"
[ "$(bereaved_of "$mia")" = "$vic" ] || fail "mia is not bereaved of vic"
expect_fail 1 "CONFLICT.*deceased" -- --as intake person contact "$vic" --outcome contacted
expect_fail 1 "CONFLICT.*deceased" -- --as intake person screen "$vic" --instrument phq9 --answers 0,0,0,0,0,0,0,0,0
expect_fail 1 "CONFLICT.*deceased" -- --as intake person consent "$vic" given
[ -z "$(referral_open "$vic")" ] || fail "a deceased person was referred again"
[ "$(contacts_count "$vic")" = 0 ] || fail "a contact was recorded"
m family add "$fam" "$kit" >/dev/null || fail "family add kit"
[ "$(bereaved_of "$kit")" = "$vic" ] || fail "a member joining later is not bereaved"
m --json person show "$dan" | jq -e ".family == $fam and .bereaved_of == [$vic] and .status == \"alive\"" \
    >/dev/null || fail "person show (Hub): $(m --json person show "$dan")"
ok "a deceased person is never contacted, screened or referred; the family is bereaved of them"

# an agency sees only the members it was given
cruse=$(m --as agency:cruse --json family show "$fam")
echo "$cruse" | jq -e "[.members[].person] == [$dan]" >/dev/null || fail "cruse sees: $cruse"
for name in "Mia Mother" "Vic Victim" "Kit Child"; do
    grep -q "$name" <<<"$cruse" && fail "cruse learnt $name"
done
m --as agency:cruse --json person show "$dan" | jq -e 'has("family") or has("bereaved_of") | not' \
    >/dev/null || fail "person show (agency) carries the family"
lone=$(m --json family create "$ref" | jq -r .family)
expect_fail 1 NOT_FOUND -- --as agency:cruse family show "$lone"
expect_fail 1 NOT_FOUND -- --as agency:police family show "$fam"
ok "an agency sees only the family members it was given"

# a family liaison officer: the single point of contact
expect_fail 1 BAD_ARGUMENT -- family liaison "$fam" "DC Ward"
expect_fail 1 FORBIDDEN -- --as intake family liaison "$fam" dc-ward
m family liaison "$fam" dc-ward >/dev/null || fail "family liaison"
expect_fail 1 "FORBIDDEN.*dc-ward" -- --as intake person contact "$mia" --outcome contacted
expect_fail 1 "FORBIDDEN.*dc-ward" -- --as intake:pc-hill person contact "$kit" --outcome contacted
expect_fail 1 "FORBIDDEN.*dc-ward" -- --as agency:cruse person contact "$dan" --outcome contacted
[ "$(contacts_count)" = 0 ] || fail "a refused contact was recorded"
ward=$(m --as agency:police:dc-ward --json family show "$fam")
echo "$ward" | jq -e "[.members[].person] == [$dan, $mia, $vic, $kit] and .liaison == \"dc-ward\"" \
    >/dev/null || fail "the liaison sees: $ward"
m --as agency:police:dc-ward --json person show "$mia" | jq -e '.name == "Mia Mother"' >/dev/null ||
    fail "the liaison cannot read a family member"
m --as agency:police:dc-ward person contact "$mia" --outcome contacted >/dev/null ||
    fail "the liaison cannot record contact"
[ "$(contact_by "$mia")" = "agency:police (dc-ward)" ] || fail "contact by: $(contact_by "$mia")"
expect_fail 1 NOT_FOUND -- --as agency:police person show "$elsewhere"
ok "while a liaison is set only they contact the family, and they see all of it"

restart_daemon
[ "$(family_members "$fam" | wc -l)" = 4 ] || fail "members lost over a restart"
expect_fail 1 "FORBIDDEN.*dc-ward" -- --as intake person contact "$mia" --outcome no_answer
m family liaison "$fam" --clear >/dev/null || fail "family liaison --clear"
m --as intake person contact "$mia" --outcome contacted >/dev/null || fail "contact after the liaison left"
ok "families and the liaison survive a restart; a cleared liaison frees contact"

# a correction of deceased needs a reason and undoes the bereavement
expect_fail 1 "CONFLICT.*reason" -- --as intake person status "$vic" alive
m --as intake person status "$vic" alive --reason "misidentified at the scene" >/dev/null ||
    fail "correction"
[ -z "$(bereaved_of "$dan")" ] || fail "the bereavement stayed"
[ "$(referral_open "$vic")" = monitoring:referred ] || fail "not routed again: $(referral_open "$vic")"
expect_fail 1 BAD_ARGUMENT -- --as intake person status "$vic" dead
ok "a deceased record is corrected only with a reason"
m audit verify >/dev/null || fail "audit chain"
stop_daemon
