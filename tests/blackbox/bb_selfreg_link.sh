# bb_selfreg_link.sh - a way back in for a person who registered
# themselves (issue 16 section 4): public.link sends a one-time link to the
# contact they gave, through the plan's public sender (a real child
# process here), and answers exactly the same whether or not the reference
# and contact matched; public.token shows only the person's own
# safe-contact fields; public.update applies a change once, keeps the old
# values and audits it; the link expires after a day; consent can be
# withdrawn; at most three links an hour go to one person.
. "$(dirname "$0")/lib.sh"

init_keys
"$BIN/muster" keys add --keys "$KEYS" web >/dev/null
plan_public_sender
start_daemon

web() { m --as web request "$1" "$2"; }
code() { echo "$1" | sed -n -e 's/^muster: \([A-Z_]*\): .*/\1/p' | head -n 1; }
expect() {
    local want=$1 out
    shift
    out=$("$@" 2>&1) && fail "$* succeeded: $out"
    [ "$(code "$out")" = "$want" ] || fail "$* answered \"$out\", expected $want"
    echo "$out"
}
sent() { find "$T/sent" -name '*.msg' | wc -l; }
sent_at_least() { [ "$(sent)" -ge "$1" ]; }
token_of() { sed -n 's|.*/r/\([A-Za-z0-9_-]*\) .*|\1|p' "$1"; }
link() { web public.link "{\"reference\":\"$1\",\"contact\":\"$2\"}"; }

ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation LINK | head -n 1)
m incident publish "$ref" --public-name "Incident at the Corn Exchange" --keyword ARENA >/dev/null
sr=$(web public.register "{\"incident\":\"$ref\",\"name\":\"Ann Early\",\"phone\":\"07700 900001\",\"email\":\"ann@example.org\",\"safe_to_call\":\"weekday evenings\",\"language\":\"pl\",\"home_area\":\"Cambridge\",\"involvement\":\"witness\",\"wants_support\":true,\"consent\":true}" | jq -r .reference)
p=$(persons_ids)

wrong_contact=$(link "$sr" "07700 900999")
wrong_ref=$(link "SR-0000-0000" "07700 900001")
lower=$(echo "$sr" | tr 'A-Z' 'a-z' | tr -d -)
right=$(link "$lower" "+44 7700 900001")
[ "$wrong_contact" = "$right" ] && [ "$wrong_ref" = "$right" ] && [ "$(echo "$right" | jq -c .)" = '{"sent":true}' ] ||
    fail "the answers differ: [$wrong_contact] [$wrong_ref] [$right]"
wait_for 10 sent_at_least 1 || fail "no link was sent"
msg=$(find "$T/sent" -name '*.msg')
[ "$(head -n 1 "$msg")" = "+44 7700 900001" ] || fail "the link went to $(head -n 1 "$msg")"
grep -q "https://victims.example.police.uk/p/r/" "$msg" && grep -q "Incident at the Corn Exchange" "$msg" || fail "message: $(cat "$msg")"
grep -q -e "Ann" -e "witness" -e "Cambridge" "$msg" && fail "the message shows other data: $(cat "$msg")"
tok1=$(token_of "$msg")
[ ${#tok1} = 43 ] || fail "token [$tok1]"
[ "$(q "SELECT count(*) FROM public_tokens")" = 1 ] || fail "a token was stored for a wrong pair"
grep -a -q "$tok1" "$DB" "$DB-wal" 2>/dev/null && fail "the token itself is stored"
expect BAD_ARGUMENT link "not-a-reference" "07700 900001" >/dev/null
ok "public.link answers {sent:true} whatever the pair; only the matching contact (written any way) gets a link, which shows nothing else; the token is stored hashed"

view=$(web public.token "{\"token\":\"$tok1\"}")
[ "$(echo "$view" | jq -c 'keys')" = '["consent","language","public_name","safe_note","safe_to_call"]' ] || fail "token view: $view"
[ "$(echo "$view" | jq -r .safe_to_call)" = "weekday evenings" ] && [ "$(echo "$view" | jq -r .consent)" = given ] ||
    fail "token view: $view"
bad=$(expect NOT_FOUND web public.token '{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}')
expect FORBIDDEN m --as intake request public.token "{\"token\":\"$tok1\"}" >/dev/null
out=$(web public.update "{\"token\":\"$tok1\",\"safe_to_call\":\"after 6pm only\",\"phone\":\"07700 900002\"}")
[ "$(echo "$out" | jq -c .updated)" = '["safe_to_call","phone"]' ] || fail "update: $out"
[ "$(selfreg_field "$p" safe_to_call)" = "after 6pm only" ] && [ "$(person_field "$p" phone)" = "07700 900002" ] ||
    fail "the change was not applied"
[ "$(correction_old "$p")" = '{"safe_to_call":"weekday evenings","phone":"07700 900001"}' ] ||
    fail "old values not kept: $(correction_old "$p")"
[ "$(audit_count command=public.update outcome=ok)" = 1 ] || fail "the change is not audited"
audit_field "$(audit_ids command=public.update outcome=ok)" detail | grep -q '"fields":\["safe_to_call","phone"\]' ||
    fail "audit detail: $(audit_field "$(audit_ids command=public.update outcome=ok)" detail)"
used=$(expect NOT_FOUND web public.update "{\"token\":\"$tok1\",\"safe_note\":\"again\"}")
again=$(expect NOT_FOUND web public.token "{\"token\":\"$tok1\"}")
[ "$again" = "$bad" ] || fail "a used link and an unknown one answer differently: [$again] [$bad]"
[ "$(audit_count command=public.token outcome=ok)" = 1 ] || fail "the token's read is not audited"
ok "the link shows only the person's safe-contact fields, changes them once (old values kept, audited), then NOT_FOUND like any unknown link"

link "$sr" "ann@example.org" >/dev/null
wait_for 10 sent_at_least 2 || fail "no second link"
tok2=$(token_of "$(grep -l -x ann@example.org "$T"/sent/*.msg)")
out=$(web public.update "{\"token\":\"$tok2\",\"withdraw_consent\":true}")
[ "$(echo "$out" | jq -r .consent)" = withdrawn ] || fail "withdraw: $out"
[ "$(person_field "$p" consent)" = refused ] || fail "consent not withdrawn"
audit_field "$(audit_ids command=public.update outcome=ok | tail -n 1)" detail | grep -q '"consent_withdrawn":true' ||
    fail "withdrawal not audited"
ok "a person withdraws consent through a link sent to their email address; audited"

link "$sr" "07700 900002" >/dev/null
wait_for 10 sent_at_least 3 || fail "no third link"
tok3=$(token_of "$(grep -l -x "07700 900002" "$T"/sent/*.msg)")
[ "$(web public.token "{\"token\":\"$tok3\"}" | jq -r .consent)" = withdrawn ] || fail "view after withdrawal"
[ "$(link "$sr" "07700 900002")" = "$right" ] || fail "the fourth link answers differently"
[ "$(q "SELECT count(*) FROM public_tokens")" = 3 ] || fail "a fourth link within the hour was issued"
ok "at most three links an hour go to one person; the fourth is answered the same and sends nothing"

restart_daemon --clock-offset $((25 * 3600 * 1000))
[ "$(expect NOT_FOUND web public.token "{\"token\":\"$tok3\"}")" = "$bad" ] || fail "an expired link answers differently"
ok "a link expires after a day"

[ "$(sent)" = 3 ] || fail "$(sent) messages sent, expected 3"

grep -a -q "after 6pm only" "$DB" "$DB-wal" 2>/dev/null || fail "the safe-to-call text should be on disk before the purge"
restart_daemon --clock-offset $((91 * 24 * 3600 * 1000))
purged() { [ "$(person_field "$p" purged)" = 1 ] && grep -q vacuum "$LOG"; }
wait_for 20 purged || fail "the person who withdrew consent was not purged after declined_retention_days"
[ -z "$(selfreg_field "$p" safe_to_call)" ] && [ -z "$(selfreg_field "$p" reference)" ] ||
    fail "the self-registration's fields outlive the purge"
[ "$(q "SELECT COUNT(*) FROM public_tokens")" = 0 ] || fail "one-time links outlive the purge"
grep -a -q "after 6pm only" "$DB" "$DB-wal" 2>/dev/null && fail "a purged safe-to-call text is still in the file"
ok "withdrawn consent: after the plan's declined_retention_days what the person said is purged from every table and the file"
stop_daemon
