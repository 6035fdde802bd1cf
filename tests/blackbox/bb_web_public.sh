# tests/blackbox/bb_web_public.sh - the public door of muster-web (issue
# 16) with the real musterd, muster-web and the muster CLI, no browser
# (tests/tool/public_post.py posts as a browser or a script would):
#   only a published incident has a page, in each of its five languages
#   (?lang=, else Accept-Language), and the list shows its public name
#   and nothing else;
#   the time challenge refuses a form posted at once and a forged one;
#   hostile submissions (a script in a field, a 100 KiB field, control
#   characters, no consent) are refused with nothing stored;
#   a real one gives a reference and lands unverified, self-referred,
#   for intake to see and verify with the CLI;
#   a way back in: asking for a link answers the same whether or not the
#   reference and contact match; the link (sent by the plan's public
#   sender, a real child process) opens in the person's language with only
#   their safe-contact fields, changes them once, then says it is used;
#   another withdraws consent;
#   an SMS "HELP ARENA" becomes a call-back request and is answered with
#   the page's link and the Hub's number;
#   Gold's kill switch closes the page;
#   10,000 submissions from one address: all but the first 5 refused
#   (429), nothing more stored, and the duty manager's reads answered
#   meanwhile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

PY=$SRC/tests/tool/public_post.py
plan_public_sender
init_keys
web_key
start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation PUBLIC | head -n 1)
m incident publish "$ref" --public-name "City centre incident" --keyword arena >/dev/null
web_start --public-per-address 20
P=$WEB/p/ARENA
stored() { m --as intake --json person list "$ref" | jq '.persons | length'; }
status_of() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }

page=$(curl -sk "$WEB/p/")
grep -qF '<a href="/p/ARENA?lang=en">City centre incident</a>' <<<"$page" || fail "the list: $page"
! grep -qF "$ref" <<<"$page" || fail "the list shows the incident's reference"
for l in en pl lt ro pt; do
    page=$(curl -sk "$P?lang=$l")
    grep -qF "<html lang=\"$l\">" <<<"$page" || fail "no page in $l"
    grep -qF ">$(jq -r .submit "$SRC/clients/web/i18n/$l.json")</button>" <<<"$page" || fail "the $l page's button"
    grep -qF "$(jq -r .consent_label "$SRC/clients/web/i18n/$l.json")" <<<"$page" || fail "the $l page's consent"
    for o in en pl lt ro pt; do
        grep -qF "href=\"/p/ARENA?lang=$o\"" <<<"$page" || fail "the $l page has no link to $o"
    done
done
grep -qF '<html lang="lt">' <<<"$(curl -sk -H 'Accept-Language: lt-LT,lt;q=0.9,en;q=0.5' "$P")" || fail "Accept-Language lt"
grep -qF '<html lang="en">' <<<"$(curl -sk -H 'Accept-Language: fr-FR' "$P")" || fail "an unknown language is not English"
[ "$(status_of "$WEB/p/NOPE")" = 404 ] || fail "an unpublished keyword has a page"
ok "the published incident's page in en, pl, lt, ro and pt (?lang= and Accept-Language); the list shows its public name only"

form_body() { # T: a good submission with challenge T
    echo "t=$1&name=Anna+Nowak&phone=07700+900123&safe_to_call=after+6pm&safe_note=no+voicemail&home_area=ely&language=pl&involvement=present&support=yes&consent=yes"
}
t=$("$PY" form "$P")
good=$(form_body "$t")
out=$("$PY" post "$P?lang=pl" "$good")
[ "$(head -n 1 <<<"$out")" = 400 ] || fail "a form posted at once: $(head -n 1 <<<"$out")"
grep -qF "$(jq -r .err_too_soon "$SRC/clients/web/i18n/pl.json")" <<<"$out" || fail "no message in Polish for a quick post"
out=$("$PY" post "$P" "${good/t=$t/t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA}")
[ "$(head -n 1 <<<"$out")" = 400 ] || fail "a forged challenge: $(head -n 1 <<<"$out")"
[ "$(stored)" = 0 ] || fail "a refused form stored a person"
matured() { [ "$("$PY" age "$t")" -ge 3 ]; }
wait_for 10 matured || fail "the challenge did not mature"

hostile() { # BODY STATUS WHAT
    local got
    got=$("$PY" post "$P" "$1")
    got=${got%%$'\n'*}
    [ "$got" = "$2" ] || fail "$3: $got, not $2"
}
hostile "${good/Anna+Nowak/%3Cscript%3Ealert(1)%3C%2Fscript%3E}" 400 "a script in the name"
hostile "${good/ely/ely%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E}" 400 "markup in the area"
hostile "${good/ely/$(head -c 102400 /dev/zero | tr '\0' a)}" 413 "a 100 KiB field"
hostile "${good/ely/$(head -c 7000 /dev/zero | tr '\0' a)}" 400 "a 7,000-character field"
hostile "${good/Anna+Nowak/Anna%1B%5B31mNowak}" 400 "an escape sequence"
hostile "${good/Anna+Nowak/Anna%00Nowak}" 400 "a NUL"
hostile "${good/after+6pm/after%0D%0A6pm}" 400 "a new line"
hostile "${good/Anna+Nowak/%C3%28}" 400 "bad UTF-8"
hostile "${good/&consent=yes/}" 400 "no consent"
hostile "${good/&phone=07700+900123/}" 400 "no phone or e-mail"
hostile "${good/involvement=present/involvement=admin}" 400 "an involvement not offered"
hostile "${good/language=pl/language=fr}" 400 "a language not offered"
hostile "$good&name=twice" 400 "a field sent twice"
[ "$(stored)" = 0 ] || fail "a hostile submission stored a person: $(m --as intake person list "$ref")"
ok "the time challenge refuses a form posted at once and a forged one; scripts, markup, huge fields, control characters, bad UTF-8 and missing consent are refused, nothing stored"

out=$("$PY" post "$P?lang=pl" "$good")
[ "$(head -n 1 <<<"$out")" = 200 ] || fail "a good submission: $out"
code=$(sed -n 's/.*<strong id="reference">\([^<]*\)<.*/\1/p' <<<"$out")
[[ "$code" =~ ^SR-[A-Z0-9-]{8,}$ ]] || fail "no reference on the thank-you page: $out"
grep -qF "$(jq -r .thanks_title "$SRC/clients/web/i18n/pl.json")" <<<"$out" || fail "the thank-you page is not in Polish"
grep -qF "0800 112 4455" <<<"$out" || fail "the thank-you page has not the Hub's number"
persons=$(m --as intake --json person list "$ref")
jq -e '.persons | length == 1 and .[0].name == "Anna Nowak" and .[0].category == "self-referred"' <<<"$persons" >/dev/null ||
    fail "the self-registration in person list: $persons"
pid=$(jq -r '.persons[0].person' <<<"$persons")
waiting() { m --as duty --json status "$ref" | jq -r --argjson n "$1" '.board["selfreg/unverified"].count == $n' | grep -qx true; }
waiting 1 || fail "the board's unverified queue: $(m --as duty --json status "$ref" | jq -c '.board["selfreg/unverified"]')"
m --as intake person verify "$pid" --outcome verified >/dev/null
m --as intake --json person show "$pid" | jq -e '.category == "survivor"' >/dev/null ||
    fail "not routed as present (survivor) after person verify: $(m --as intake person show "$pid")"
waiting 0 || fail "still in the unverified queue after person verify"
ok "a submission gives $code on a Polish thank-you page with the Hub's number; intake sees it self-referred and unverified, and verifies it"

sent() { find "$T/sent" -name '*.msg' | wc -l; }
sent_at_least() { [ "$(sent)" -ge "$1" ]; }
token_in() { sed -n 's|.*/p/r/\([A-Za-z0-9_-]*\) .*|\1|p' "$(ls -t "$T"/sent/*.msg | head -n 1)"; }
wrong=$("$PY" post "$WEB/p/r/" "reference=$code&contact=07700+900999")
right=$("$PY" post "$WEB/p/r/" "reference=${code,,}&contact=07700900123")
[ "$(head -n 1 <<<"$right")" = 200 ] || fail "asking for a link: $right"
[ "$wrong" = "$right" ] || fail "asking for a link answers differently when the contact is wrong"
grep -qF "$(jq -r .link_sent_title "$SRC/clients/web/i18n/en.json")" <<<"$right" || fail "the link page: $right"
wait_for 10 sent_at_least 1 || fail "no link sent"
[ "$(sent)" = 1 ] || fail "a link went to a contact that did not match"
token=$(token_in)
page=$(curl -sk "$WEB/p/r/$token")
grep -qF '<html lang="pl">' <<<"$page" || fail "the link does not open in the person's language"
grep -qF 'value="after 6pm"' <<<"$page" || fail "the link does not show when it is safe to call"
# the page without its own link token (random base64url, six times in the
# page: it can hold "ely" or "Anna" by chance)
rest=${page//"$token"/TOKEN}
! grep -qE 'Anna|Nowak|900123|ely' <<<"$rest" ||
    fail "the link shows more than the safe-contact fields: $(grep -oE '.{0,30}(Anna|Nowak|900123|ely).{0,30}' <<<"$rest")"
out=$("$PY" post "$WEB/p/r/$token" "safe_to_call=weekends+only&safe_note=text+first")
[ "$(head -n 1 <<<"$out")" = 200 ] || fail "the change through the link: $out"
grep -qF "$(jq -r .updated_title "$SRC/clients/web/i18n/pl.json")" <<<"$out" || fail "the done page"
[ "$(selfreg_field "$pid" safe_to_call)" = "weekends only" ] || fail "safe_to_call not changed"
out=$("$PY" post "$WEB/p/r/$token" "safe_to_call=again")
[ "$(head -n 1 <<<"$out")" = 410 ] && grep -qF "0800 112 4455" <<<"$out" || fail "a used link: $out"
[ "$(selfreg_field "$pid" safe_to_call)" = "weekends only" ] || fail "a used link changed something"
"$PY" post "$WEB/p/r/" "reference=$code&contact=07700900123" >/dev/null
wait_for 10 sent_at_least 2 || fail "no second link sent"
out=$("$PY" post "$WEB/p/r/$(token_in)" "safe_to_call=&withdraw=yes")
[ "$(head -n 1 <<<"$out")" = 200 ] && grep -qF "$(jq -r .withdrawn_title "$SRC/clients/web/i18n/pl.json")" <<<"$out" ||
    fail "withdrawing consent: $out"
[ "$(person_field "$pid" consent)" = refused ] || fail "consent not withdrawn"
ok "a way back in: the same answer whether or not the contact matched; the link opens in Polish with only the safe-contact fields, changes them once, then says it is used with the Hub's number; another withdraws consent"

out=$("$PY" hook "$WEB/hooks/sms" "$HOOK_SECRET" '{"from": "+447700900999", "text": "help arena"}')
[ "$(head -n 1 <<<"$out")" = 200 ] || fail "HELP ARENA: $out"
reply=$(tail -n 1 <<<"$out" | jq -r .reply)
grep -qF "https://victims.example.police.uk/p" <<<"$reply" || fail "the reply has no link: $reply"
grep -qF "0800 112 4455" <<<"$reply" || fail "the reply has not the Hub's number: $reply"
[ "$(stored)" = 2 ] || fail "no call-back request: $(m --as intake person list "$ref")"
out=$("$PY" hook "$WEB/hooks/sms" "$HOOK_SECRET" '{"from": "+447700900999", "text": "HELP NOPE"}')
[ "$(head -n 1 <<<"$out")" = 404 ] || fail "HELP with an unknown keyword: $out"
ok "an SMS HELP ARENA is a call-back request, answered with the link and the Hub's number: $reply"

m incident unpublish "$ref" >/dev/null
closed() { [ "$(status_of "$P")" = 404 ]; }
wait_for 10 closed || fail "the page is still open after unpublish"
out=$("$PY" post "$P" "$good")
[ "${out%%$'\n'*}" = 404 ] || fail "a submission after unpublish: ${out%%$'\n'*}"
[ "$(stored)" = 2 ] || fail "a submission after unpublish was stored"
ok "Gold's kill switch closes the page; nothing more is taken"

m incident publish "$ref" --public-name "City centre incident" --keyword ARENA >/dev/null
web_stop
web_start
P=$WEB/p/ARENA
t=$("$PY" form "$P")
good=$(form_body "$t")
wait_for 10 matured || fail "the challenge did not mature"
before=$(stored)
"$PY" flood "$P" "$good" 10000 4 >"$T/flood.json" &
flood=$!
reads=0
while kill -0 "$flood" 2>/dev/null; do
    m --as duty --json status "$ref" | jq -e .incident >/dev/null || fail "the duty manager's read was not answered during the flood"
    reads=$((reads + 1))
done
wait "$flood" || fail "the flood tool failed"
jq -e '."200" == 5 and ."429" == 9995' "$T/flood.json" >/dev/null || fail "10,000 from one address: $(cat "$T/flood.json")"
[ "$(stored)" = $((before + 5)) ] || fail "the flood stored $(($(stored) - before)), not 5"
[ "$reads" -ge 1 ] || fail "no duty read during the flood"
ok "10,000 submissions from one address: 5 taken, 9,995 refused (429), $reads duty reads answered meanwhile"

web_stop
stop_daemon
