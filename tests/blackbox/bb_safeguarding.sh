# tests/blackbox/bb_safeguarding.sh - children, language and people living
# elsewhere (issue 13 section 6) with the sample plan
# (plans/cambridgeshire.yaml): a 9-year-old (by date of birth, on the
# incident's date) never reaches adult trauma therapy and waits for a
# named guardian's consent; an age band stands in for an unknown date of
# birth; a Polish speaker needing an interpreter goes to the service that
# speaks Polish and the provider's notice says so; a person living in
# Norwich is handed off, with consent, to the Norfolk hub, which sees the
# person and acknowledges the handoff; bad ages change nothing; the report
# counts it all.
. "$(dirname "$0")/lib.sh"

plan_sample cambridgeshire 's/^  handoff_ack: 4h/  handoff_ack: 2h/'
start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation CHILDREN | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
positive() { m --as intake person screen "$1" --instrument phq9 --answers 2,2,2,2,2,0,0,0,0 >/dev/null; }

# A 9-year-old survivor (born 9 years and a month before today's standup).
kid=$(add --category survivor --name "Kit Child" --dob "$(date -u -d '9 years ago 40 days ago' +%F)" --home-area cambridge)
[ "$(person_field "$kid" age_band)" = 5-11 ] || fail "age band of the 9-year-old: $(person_field "$kid" age_band)"
[ "$(referral_open "$kid")" = young-victims:held_consent ] || fail "the child: $(referral_open "$kid")"
m --as intake person consent "$kid" given >/dev/null
[ "$(referral_open "$kid")" = young-victims:held_consent ] || fail "consent without a guardian: $(referral_open "$kid")"
m --as intake person consent "$kid" given --guardian "Pat Child (mother)" >/dev/null
[ "$(referral_open "$kid")" = young-victims:referred ] || fail "guardian's consent: $(referral_open "$kid")"
positive "$kid"
[ "$(referral_open "$kid")" = child-trauma:referred ] || fail "screened positive: $(referral_open "$kid")"
[ "$(q "SELECT COUNT(*) FROM referrals WHERE person_id = $kid AND pathway = 'trauma-therapy'")" = 0 ] ||
    fail "the 9-year-old reached adult trauma therapy"
m --as agency:cpft --json person show "$kid" | grep -q '"guardian": "Pat Child (mother)"' || fail "cpft does not see the guardian"
ok "a 9-year-old: held for a named guardian's consent, then young victims, then children's trauma, never adult therapy"

# Age bands when the date of birth is unknown.
teen=$(add --category witness --name "Tia Teen" --age-band 12-15 --home-area fenland)
[ "$(referral_open "$teen")" = young-victims:held_consent ] || fail "12-15: $(referral_open "$teen")"
m --as intake person consent "$teen" given --guardian "Ray Teen (father)" >/dev/null
[ "$(referral_open "$teen")" = young-victims:referred ] || fail "12-15 with consent: $(referral_open "$teen")"
older=$(add --category witness --name "Ola Older" --age-band 16-17 --home-area fenland)
[ "$(referral_open "$older")" = young-victims:referred ] || fail "16-17: $(referral_open "$older")"
n=$(persons_count incident="$ref")
expect_fail 1 BAD_ARGUMENT -- --as intake person add "$ref" --category witness --name "Bad Band" --age-band 7-9
expect_fail 1 BAD_ARGUMENT -- --as intake person add "$ref" --category witness --name "Bad Mix" \
    --dob "$(date -u -d '30 years ago' +%F)" --age-band 5-11
expect_fail 1 BAD_ARGUMENT -- --as intake person add "$ref" --category witness --name "Bad Guardian" --guardian "Someone"
expect_fail 1 BAD_ARGUMENT -- --as intake person consent "$teen" not_asked --guardian "Someone"
[ "$(persons_count incident="$ref")" = "$n" ] || fail "bad ages added persons"
[ "$(referral_open "$teen")" = young-victims:referred ] || fail "a refused consent changed the teen: $(referral_open "$teen")"
ok "age bands route like ages; an unknown band, a band against the date of birth or a guardian without consent is refused"

# Language: a Polish speaker needing an interpreter.
pl=$(add --category survivor --name "Pawel Nowak" --language pl --interpreter --vulnerabilities migrant --home-area peterborough)
[ "$(referral_open "$pl")" = migrant-victims:referred ] || fail "Polish speaker: $(referral_open "$pl")"
body=$(page_field body agency=migrant-victims kind=referral)
grep -q '"language":"pl"' <<<"$body" && grep -q '"interpreter":true' <<<"$body" ||
    fail "the notice does not carry the language: $body"
m --as agency:migrant-victims --json person show "$pl" | grep -q '"language": "pl"' || fail "the provider does not see the language"
ok "a Polish speaker went to the service with Polish interpreters; notice and record say pl, interpreter"

# Out of area: Norwich is the Norfolk hub's; consent first, then a handoff.
away=$(add --category survivor --name "Nora Norwich" --home-area norwich)
[ "$(referral_open "$away")" = out-of-area:held_consent ] || fail "before consent: $(referral_open "$away")"
[ "$(pages_count agency=norfolk-hub)" = 0 ] || fail "Norfolk paged before consent"
expect_fail 1 NOT_FOUND -- --as agency:norfolk-hub person show "$away"
m --as intake person consent "$away" given >/dev/null
[ "$(referral_open "$away")" = out-of-area:referred ] || fail "after consent: $(referral_open "$away")"
# (the referral held for consent, then the one made)
[ "$(referral_field "$away" provider | sort -u)" = norfolk-hub ] &&
    [ "$(referral_field "$away" handoff | sort -u)" = 1 ] || fail "not handed off: $(referral_field "$away" provider)"
[ "$(pages_count agency=norfolk-hub kind=referral state=paging)" = 1 ] || fail "no handoff notice to Norfolk"
[ -n "$(page_field ack_due_at agency=norfolk-hub kind=referral)" ] || fail "the handoff need not be acknowledged"
[ "$(pages_count agency=norfolk-hub ask=none)" = 0 ] || fail "Norfolk activated by a handoff"
m --as agency:norfolk-hub --json person show "$away" | grep -q '"name": "Nora Norwich"' || fail "Norfolk cannot see its handoff"
expect_fail 1 NOT_FOUND -- --as agency:suffolk-hub person show "$away"
m --as agency:norfolk-hub referral ack "$away" >/dev/null
[ "$(pages_count agency=norfolk-hub kind=referral state=acknowledged)" = 1 ] || fail "handoff not acknowledged"
leeds=$(add --category witness --name "Lee Leeds" --home-area leeds)
[ "$(referral_open "$leeds")" = out-of-area:referred ] && [ "$(referral_field "$leeds" provider)" = victim-witness-hub ] ||
    fail "no neighbouring hub: $(referral_open "$leeds") $(referral_field "$leeds" provider)"
ok "Norwich: held for consent, handed off to the Norfolk hub, seen and acknowledged by it only; Leeds stays with the county's hub"

m incident standdown "$ref" --note "exercise over" >/dev/null
report=$(m report "$ref" --format json | tr -d ' \n')
grep -qF '"handoffs":{"sent":1,"acknowledged":1,"alarmed":0,"acknowledged_late":0,' <<<"$report" || fail "report handoffs: $report"
grep -qF '"urgent_referrals":{"sent":0,' <<<"$report" || fail "report urgent referrals: $report"
grep -qF '{"age_band":"5-11","persons":1}' <<<"$report" && grep -qF '{"age_band":"12-15","persons":1}' <<<"$report" ||
    fail "report age bands: $report"
grep -qF '{"language":"pl","persons":1,"interpreter":1}' <<<"$report" || fail "report languages: $report"
# (read whole first: grep -q stops reading at the match, and a report
# longer than the pipe's buffer would end muster with SIGPIPE)
md=$(m report "$ref")
grep -q "^- Handoffs out of area: 1 sent, 1 acknowledged" <<<"$md" || fail "the Markdown report has no safeguarding section"
ok "the report counts handoffs, urgent referrals, age bands and languages"
stop_daemon
