# bb_selfreg.sh - the public door in musterd (issue 16): Gold publishes an
# incident (incident publish), the web gateway's own key lists what is
# published (public.incidents) and registers a person (public.register);
# the person waits unverified (category self-referred, not routed, on the
# board's queue) until a call handler verifies them (routed) or rejects
# them (every personal field gone from the database file).  Public
# commands are the web key's alone; staff keys are refused them, and the
# web key is refused staff commands.  Unpublished, unknown and closed
# incidents all answer NOT_FOUND; consent false is refused; a possible
# duplicate is flagged; over the plan's max_per_minute, BUSY.
. "$(dirname "$0")/lib.sh"

init_keys
"$BIN/muster" keys add --keys "$KEYS" web >/dev/null
plan_sample cambridgeshire
plan_edit cambridgeshire 's/max_per_minute: 600/max_per_minute: 8/'
start_daemon

# web CMD JSON: the command run with the gateway's own key (no "as").
web() { m --as web request "$1" "$2"; }
# code OUTPUT: the error code of a refused request.
code() { echo "$1" | sed -n -e 's/^muster: \([A-Z_]*\): .*/\1/p' -e 's/.*"code": *"\([A-Z_]*\)".*/\1/p' | head -n 1; }
# expect CODE CMD...: the command must be refused with CODE.
expect() {
    local want=$1 out
    shift
    out=$("$@" 2>&1) && fail "$* succeeded: $out"
    [ "$(code "$out")" = "$want" ] || fail "$* answered \"$out\", expected $want"
}
reg() { # NAME PHONE [EXTRA JSON]: a registration's arguments
    printf '{"incident":"%s","name":"%s","phone":"%s","safe_to_call":"weekday evenings",'`
        `'"safe_note":"do not leave voicemail","language":"pl","home_area":"Cambridge",'`
        `'"involvement":"present","wants_support":true,"consent":true,"source":"web"%s}' \
        "$ref" "$1" "$2" "${3:-}"
}

ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation DOOR | head -n 1)
expect NOT_FOUND web public.register "$(reg 'Ann Early' '07700 900001')"
[ "$(web public.incidents '{}' | jq '.incidents | length')" = 0 ] || fail "unpublished incident listed"
[ "$(persons_count)" = 0 ] || fail "a registration to an unpublished incident was stored"
ok "an unpublished incident is NOT_FOUND to the public and lists nowhere"

expect FORBIDDEN m --as intake incident publish "$ref" --public-name "Arena" --keyword ARENA
expect BAD_ARGUMENT m incident publish "$ref" --public-name "Arena" --keyword "A"
expect BAD_ARGUMENT m incident publish "$ref" --public-name "Arena" --keyword "ARE NA"
m incident publish "$ref" --public-name "Incident at the Corn Exchange" --keyword arena |
    grep -q "published for self-registration as \"Incident at the Corn Exchange\".*HELP ARENA" ||
    fail "publish does not say so"
list=$(web public.incidents '{}')
[ "$(echo "$list" | jq -c '.incidents[0] | keys')" = '["hub_phone","incident","keyword","languages","public_name","url"]' ] ||
    fail "public.incidents says more than it must: $list"
[ "$(echo "$list" | jq -c '.incidents[0].languages')" = '["en","pl","lt","ro","pt"]' ] || fail "languages: $list"
[ "$(echo "$list" | jq -r '.incidents[0].keyword')" = ARENA ] || fail "keyword not upper-cased: $list"
[ "$(events_count incident.published)" = 1 ] || fail "no incident.published event"
other=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation OTHER | head -n 1)
expect CONFLICT m incident publish "$other" --public-name "Other" --keyword Arena
ok "Gold publishes with a unique upper-cased keyword; the public sees the public name and plan's public section only"

for who in gold duty intake agency:cpft; do
    expect FORBIDDEN m --as "$who" request public.register "$(reg 'Ann Early' '07700 900001')"
    expect FORBIDDEN m --as "$who" request public.incidents '{}'
done
expect FORBIDDEN web person.list "{\"incident\":\"$ref\"}"
expect FORBIDDEN web person.add "{\"incident\":\"$ref\",\"person\":{\"category\":\"witness\",\"name\":\"X\"}}"
printf '{"id":"as1","cmd":"public.incidents","args":{},"as":{"principal":"gold","user":"insp-jones"}}' >"$T/req"
out=$("$MTEST" raw "$CONTROL" "$KEYS" web "$T/req")
[ "$(code "$out")" = FORBIDDEN ] || fail "the web key acting for Gold ran public.incidents: $out"
ok "public commands are the web key's own: staff keys and the web key acting for a user are refused, and the web key may not run staff commands"

expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c '.consent = false')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c 'del(.consent)')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c 'del(.phone)')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c '.language = "de"')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c '.involvement = "nosy"')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c '.name = "Ann\u0007Early"')"
expect BAD_ARGUMENT web public.register "$(reg "$(printf 'x%.0s' $(seq 201))" '07700 900001')"
expect BAD_ARGUMENT web public.register "$(reg 'Ann Early' '07700 900001' | jq -c '.safe_note = ("y" * 501)')"
[ "$(persons_count)" = 0 ] || fail "a refused registration was stored"
ok "consent false, no contact, a language the page does not offer, control characters, oversize fields: refused, nothing stored"

r1=$(web public.register "$(reg 'Ann Early' '07700 900001')")
[ "$(echo "$r1" | jq -c 'keys')" = '["reference"]' ] || fail "the reply says more than the reference: $r1"
sr1=$(echo "$r1" | jq -r .reference)
[[ $sr1 =~ ^SR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$ ]] || fail "reference $sr1"
p1=$(persons_ids)
[ "$(person_field "$p1" category)" = self-referred ] || fail "category $(person_field "$p1" category)"
[ "$(person_field "$p1" consent)" = given ] || fail "consent not recorded"
[ -z "$(referral_open "$p1")" ] || fail "an unverified person was routed"
m --as intake person list "$ref" --category self-referred | grep -q "Ann Early" || fail "intake does not see the unverified person"
m --as agency:cpft person list "$ref" | grep -q "Ann Early" && fail "an agency sees an unverified person"
show=$(m --as intake person show "$p1")
grep -q "self-registration (unverified)" <<<"$show" && grep -q "safe_to_call *weekday evenings" <<<"$show" &&
    grep -q "safe_note *do not leave voicemail" <<<"$show" && grep -q "reference *$sr1" <<<"$show" ||
    fail "the call handler does not see when it is safe to call: $show"
expect NOT_FOUND m --as agency:cpft person show "$p1"
board=$(m --json status "$ref" | jq -c '.board["selfreg/unverified"]')
[ "$(echo "$board" | jq .count)" = 1 ] && [ "$(echo "$board" | jq .oldest_at)" != null ] || fail "board queue: $board"
m status "$ref" | grep -q "self-registered, unverified: 1 (oldest [0-9]" || fail "muster status: $(m status "$ref")"
m --as duty status "$ref" | grep -q "self-registered, unverified: 1" || fail "the duty manager's board has no queue"
ok "a self-registration is stored unverified (self-referred, consent given, not routed), on the board's queue, seen by intake and no agency"

r2=$(web public.register "$(reg 'Anne Early' '+44 7700 900001')")
p2=$(persons_ids | tail -n 1)
[ "$(duplicate_of "$p2")" = "$p1:phone" ] || fail "possible duplicate not flagged: $(duplicate_of "$p2")"
[ "$(selfreg_field "$p2" duplicate)" = 1 ] || fail "duplicate not counted"
[ "$(persons_count)" = 2 ] || fail "a duplicate was merged or refused"
m --as intake person consent "$p2" given >/dev/null
m --as intake person screen "$p2" --instrument tsq --answers yes,yes,yes,yes,yes,yes,yes,no,no,no >/dev/null
[ -z "$(referral_open "$p2")" ] || fail "an unverified person was routed by a consent or a screening: $(referral_open "$p2")"
ok "a possible duplicate is flagged (the same number written another way), not merged; consent and screening do not route an unverified person"

expect CONFLICT m --as intake person update "$p1" --home-area Ely
expect BAD_ARGUMENT m --as intake person verify "$p1" --outcome maybe
m --as intake person verify "$p1" --outcome verified --note "called back, genuine" | grep -q "verified: routed as survivor" ||
    fail "verify does not say so"
[ "$(person_field "$p1" category)" = survivor ] || fail "verified person's category"
[ -n "$(referral_open "$p1")" ] || fail "a verified person was not routed"
expect CONFLICT m --as intake person verify "$p1" --outcome verified
prov=$(referral_field "$p1" provider)
ashow=$(m --json --as "agency:$prov" person show "$p1")
[ "$(echo "$ashow" | jq -c .self_registration)" = '{"safe_to_call":"weekday evenings","safe_note":"do not leave voicemail"}' ] ||
    fail "the agency given the referral sees: $(echo "$ashow" | jq -c .self_registration)"
expect FORBIDDEN m --as agency:cpft person verify "$p2" --outcome rejected
[ "$(m --json status "$ref" | jq '.board["selfreg/unverified"].count')" = 1 ] || fail "queue after verify"
ok "a verified person is routed as person add routes them, leaves the queue, and cannot be verified twice"

r3=$(web public.register "$(reg 'Zebedee Junkname' '07700 900777' ',"email":"junk-marker@example.org"')")
p3=$(persons_ids | tail -n 1)
grep -a -q -e Zebedee "$DB" "$DB-wal" 2>/dev/null || fail "the name should be on disk before the rejection"
m --as intake person verify "$p3" --outcome rejected | grep -q "rejected" || fail "reject"
wait_for 10 sh -c "! grep -a -q -e Zebedee -e junk-marker -e 900777 '$DB' '$DB-wal' 2>/dev/null" ||
    fail "a rejected person's fields are still in the database file"
dump=$(db_dump "$T/dump.sql" && cat "$T/dump.sql")
grep -q -e Zebedee -e junk-marker -e 900777 <<<"$dump" && fail "a rejected person's fields are in a table"
[ "$(person_field "$p3" purged)" = 1 ] || fail "rejected person not purged"
m --as intake person list "$ref" | grep -q "Junkname" && fail "a rejected person is still listed"
expect NOT_FOUND m --as intake person show "$p3"
ok "a rejected self-registration's personal fields are gone from every table and the file at once"

cb=$(web public.callback '{"keyword":"arena","from":"+44 7700 900555","channel":"sms"}')
[ "$(echo "$cb" | jq -c 'keys')" = '["hub_phone","public_name","reference","url"]' ] || fail "callback reply: $cb"
[ "$(echo "$cb" | jq -r .url)" = https://victims.example.police.uk/p/ARENA ] || fail "callback url: $cb"
[ "$(echo "$cb" | jq -r .hub_phone)" = "0800 112 4455" ] || fail "callback hub phone: $cb"
pc=$(persons_ids | tail -n 1)
[ "$(person_field "$pc" category)" = self-referred ] && [ "$(person_field "$pc" name)" = "(call-back request)" ] &&
    [ "$(person_field "$pc" phone)" = "+44 7700 900555" ] && [ "$(selfreg_field "$pc" state)" = unverified ] ||
    fail "the call-back request is not in the unverified queue"
web public.callback '{"keyword":"ARENA","from":"ann@example.org","channel":"email","language":"pl"}' >/dev/null
[ "$(m --json status "$ref" | jq '.board["selfreg/unverified"].count')" = 3 ] || fail "queue after call-backs"
expect NOT_FOUND web public.callback '{"keyword":"NOPE","from":"07700900556","channel":"sms"}'
expect BAD_ARGUMENT web public.callback '{"keyword":"ARENA","from":"call me","channel":"sms"}'
expect FORBIDDEN m --as duty request public.callback '{"keyword":"ARENA","from":"07700900556","channel":"sms"}'
ok "a texted HELP ARENA is a call-back request in the same unverified queue, answered with the page link, the Hub's number and the public name"

busy=
for i in $(seq 1 9); do
    n=$(persons_count)
    out=$(web public.register "$(reg "Person $i" "07700 90010$i")" 2>&1) || { busy=$out && break; }
done
[ "$(code "$busy")" = BUSY ] || fail "over max_per_minute: [$busy]"
grep -q 'retry after [1-9][0-9]* ms' <<<"$busy" || fail "no retry_after_ms: $busy"
[ "$(persons_count)" = "$n" ] || fail "a registration over the limit was stored"
m incident show "$ref" >/dev/null || fail "Gold is slowed or refused by the public limit"
ok "over the plan's max_per_minute: BUSY with retry_after_ms, nothing stored, Gold unaffected"

m --as intake person contact "$p1" --outcome contacted --channel phone >/dev/null
rep=$(m request report.show "{\"incident\":\"$ref\"}")
sr=$(echo "$rep" | jq -c .report.self_registrations)
[ "$(echo "$sr" | jq -c '[.verified, .rejected, .duplicates, .unverified]')" = "[1,1,1,$(($(echo "$sr" | jq .total) - 2))]" ] ||
    fail "report figures: $sr"
[ "$(echo "$sr" | jq '.by_day | length')" = 1 ] && [ "$(echo "$sr" | jq '.by_day[0].n')" = "$(echo "$sr" | jq .total)" ] ||
    fail "by day: $sr"
[ "$(echo "$sr" | jq '.median_first_contact_ms > 0')" = true ] || fail "time to first contact: $sr"
[ "$(echo "$sr" | jq -c '.by_source')" = "{\"email\":1,\"sms\":1,\"web\":$(($(echo "$sr" | jq .total) - 2))}" ] ||
    fail "by source: $sr"
[ "$(echo "$sr" | jq '.by_language.pl')" = "$(($(echo "$sr" | jq .total) - 2))" ] || fail "by language: $sr"
grep -q "^## Self-registration" <<<"$(jq -r .markdown <<<"$rep")" || fail "no Self-registration section in the Markdown"
[ "$(jq -r .csv.self_registrations <<<"$rep" | sed -n 1p)" = "day,n" ] || fail "no self_registrations CSV"
grep -q -e "Ann Early" -e 900001 <<<"$rep" && fail "personal data in the report"
ok "the report counts self-registrations by day, verified, rejected, duplicates, time to first contact, language and source (JSON, Markdown, CSV), with no personal data"

m incident unpublish "$ref" | grep -q "withdrawn from self-registration" || fail "unpublish"
expect NOT_FOUND web public.register "$(reg 'Late Person' '07700 900200')"
[ "$(web public.incidents '{}' | jq '.incidents | length')" = 0 ] || fail "unpublished incident still listed"
m incident publish "$ref" --public-name "Incident at the Corn Exchange" --keyword ARENA >/dev/null
[ "$(web public.incidents '{}' | jq '.incidents | length')" = 1 ] || fail "re-publish"
m incident standdown "$ref" >/dev/null
[ "$(web public.incidents '{}' | jq '.incidents | length')" = 1 ] || fail "stand-down withdrew the page"
m incident close "$ref" --force --reason "test" >/dev/null
[ "$(web public.incidents '{}' | jq '.incidents | length')" = 0 ] || fail "close did not withdraw the page"
expect NOT_FOUND web public.register "$(reg 'Later Person' '07700 900201')"
expect NOT_FOUND web public.register "$(reg 'Nobody' '07700 900202' | jq -c '.incident = "EX-NONE-2026-9999"')"
ok "the kill switch and the close withdraw the page at once (stand-down does not); unknown is NOT_FOUND like unpublished"

[ "$(audit_count command=public.register outcome=ok)" -ge 4 ] || fail "public.register not audited"
[ "$(audit_count command=public.callback outcome=ok)" = 2 ] || fail "public.callback not audited"
[ "$(audit_count command=public.register outcome=BUSY)" = 1 ] || fail "the BUSY refusal not audited"
[ "$(audit_count command=person.verify outcome=ok)" = 2 ] || fail "person.verify not audited"
[ "$(audit_count command=incident.publish outcome=ok)" = 2 ] || fail "incident.publish not audited"
grep -a -q 'Ann Early' <(q "SELECT * FROM audit") && fail "personal data in the audit trail"
ok "publish, registrations and verifications are audited, without personal data"

stop_daemon
