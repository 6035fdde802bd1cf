# tests/blackbox/bb_agency_view.sh - what an agency sees, on every read
# path open to it.  Cruse provides the bereavement pathway (one place, with
# a waiting list); its persons are held for consent, refused after a hold,
# refused at registration, referred, waitlisted after a hold, and closed;
# other persons go to the hub or the crisis team.  As agency:cruse, every
# command the authorization table opens to agencies is run, each listing
# and showing exactly the persons given to Cruse (referred, waitlisted or
# closed; never one only held for consent) and no field it must not see;
# the board, the report, the audit trail and the feed are closed to it.
# The test lists the commands it covers and fails when daemon/authz.c
# opens one more to agencies.
. "$(dirname "$0")/lib.sh"

view_plan() {
    plan_head id=view name="Agency view plan" prefix=AV lead=hub
    cat <<'YAML'
persons:
  home_areas: [cambridge]
  explicit_consent: [bereaved]
  pathways:
    - {id: crisis, name: Crisis team, provider: mh}
    - {id: bereavement, name: Bereavement support, provider: cruse, capacity: 1, waitlist: true}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=hub desk=D
    plan_agency id=mh name="Mental health trust" role=mh desk=D
    plan_agency id=cruse name=Cruse role=bereavement desk=D
}
plan_write view view_plan
start_daemon
ref=$(m incident standup --plan view --level 1 --exercise --operation VIEW | head -n 1)
add() { m --as intake --json person add "$ref" "$@" | jq -r .person; }
reg() { # NAME [ARGS...]: a bereaved person of Cambridge, with a date of birth and address
    add --category bereaved --name "$1" --dob 1960-05-06 --address "1 Secret Row" \
        --external-ref "CB-$1" --home-area cambridge "${@:2}"
}

closed=$(reg "Cora Closed" --consent given)
m --as agency:cruse referral close "$closed" --reason "support completed" >/dev/null
referred=$(reg "Rhys Referred" --consent given)
held=$(reg "Hana Held")
refused=$(reg "Ruth Refused")
m --as intake person consent "$refused" refused >/dev/null
declined=$(reg "Dora Declined" --consent refused)
waiting=$(reg "Walt Waiting")
m --as intake person consent "$waiting" given >/dev/null
hubs=$(add --category survivor --name "Sam Survivor" --dob 1970-01-01 --home-area cambridge)
[ "$(referral_open "$held")" = bereavement:held_consent ] || fail "held: $(referral_open "$held")"
[ "$(referral_open "$referred")" = bereavement:referred ] || fail "referred: $(referral_open "$referred")"
[ "$(referral_open "$waiting")" = bereavement:waitlisted ] || fail "waiting: $(referral_open "$waiting")"
[ -z "$(referral_open "$refused")$(referral_open "$declined")" ] || fail "a refused person has a referral"
visible="$closed $referred $waiting"
hidden="$held $refused $declined $hubs"
hidden_names=("Hana Held" "Ruth Refused" "Dora Declined" "Sam Survivor")

A=$T/agency
mkdir "$A"
ca() { # NAME CMD...: muster --as agency:cruse, its output kept as $A/NAME
    m --as agency:cruse "${@:2}" >"$A/$1" 2>&1
}
ids() { jq -r '.persons[].person' "$A/$1" | sort -n | tr '\n' ' '; }
sorted() { tr ' ' '\n' <<<"$*" | grep . | sort -n | tr '\n' ' '; }
want=$(sorted $visible)

# person.list, with every filter and by pages.
ca list --json person list "$ref" || fail "list: $(cat "$A/list")"
[ "$(ids list)" = "$want" ] || fail "cruse lists \"$(ids list)\", expected \"$want\""
ca list-bereaved --json person list "$ref" --category bereaved
[ "$(ids list-bereaved)" = "$want" ] || fail "--category bereaved: $(ids list-bereaved)"
ca list-survivor --json person list "$ref" --category survivor
[ -z "$(ids list-survivor)" ] || fail "--category survivor: $(ids list-survivor)"
ca list-pathway --json person list "$ref" --pathway bereavement
[ "$(ids list-pathway)" = "$want" ] || fail "--pathway bereavement: $(ids list-pathway)"
ca list-monitoring --json person list "$ref" --pathway monitoring
[ -z "$(ids list-monitoring)" ] || fail "--pathway monitoring: $(ids list-monitoring)"
paged=
for off in 0 1 2 3; do
    ca "page-$off" request person.list "{\"incident\": \"$ref\", \"limit\": 1, \"offset\": $off}"
    paged="$paged$(ids "page-$off")"
done
[ "$paged" = "$want" ] || fail "paged: \"$paged\""
[ "$(jq -r '.persons[] | "\(.person):\(.pathway):\(.referral)"' "$A/list" | tr '\n' ' ')" = \
    "$closed:bereavement:closed $referred:bereavement:referred $waiting:bereavement:waitlisted " ] ||
    fail "list rows: $(jq -c .persons "$A/list")"
ca list-text person list "$ref"
ok "person.list as an agency: exactly the persons given to it, with every filter and page"

# person.show: the visible ones with fewer fields and only the agency's
# own referrals actually given to it; the others exactly as an unknown id.
for p in $visible; do
    ca "show-$p" --json person show "$p" || fail "cruse cannot see person $p: $(cat "$A/show-$p")"
    [ "$(jq -r '[.dob, .address, .external_ref, .possible_duplicates, .registered_by,
        (.screenings[] | .answers)] | map(select(. != null)) | length' "$A/show-$p")" = 0 ] ||
        fail "person $p: cruse sees more than it needs"
    [ "$(jq -r '[.referrals[] | select(.provider != "cruse" or .given_at == null)] | length' "$A/show-$p")" = 0 ] ||
        fail "person $p: a referral not given to cruse: $(jq -c .referrals "$A/show-$p")"
done
[ "$(jq -r '.referrals | length' "$A/show-$waiting")" = 1 ] ||
    fail "the referral held for consent before shows: $(jq -c .referrals "$A/show-$waiting")"
none=$((hubs + 1000))
ca show-none person show "$none" && fail "an unknown person shown"
for p in $hidden; do
    ca "show-$p" person show "$p" && fail "cruse sees person $p"
    [ "$(sed "s/$p/N/" "$A/show-$p")" = "$(sed "s/$none/N/" "$A/show-none")" ] ||
        fail "person $p refused unlike an unknown id: $(cat "$A/show-$p")"
done
ok "person.show as an agency: its persons with fewer fields; the held and refused as unknown ids"

# The commands that act on a person find none of the hidden ones, and
# change nothing.
before=$(for p in $hidden; do referral_open "$p"; done)
ca ack-none referral ack "$none" && fail "acknowledged a referral of an unknown person"
for p in $hidden; do
    ca "screen-$p" person screen "$p" --instrument gad7 --answers 3,3,3,3,3,3,3 && fail "screened $p"
    ca "consent-$p" person consent "$p" given && fail "consent of $p"
    ca "contact-$p" person contact "$p" --outcome contacted && fail "contacted $p"
    ca "close-$p" referral close "$p" && fail "closed $p"
    ca "ack-$p" referral ack "$p" && fail "acknowledged a referral of $p"
    cmp -s "$A/ack-$p" "$A/ack-none" || fail "person $p: ack refused unlike an unknown id: $(cat "$A/ack-$p")"
    grep -h . "$A/screen-$p" "$A/consent-$p" "$A/contact-$p" "$A/close-$p" | grep -v "no person $p" &&
        fail "person $p: refused otherwise than as unknown"
done
[ "$(for p in $hidden; do referral_open "$p"; done)" = "$before" ] || fail "a refused act changed a referral"
ok "screen, consent, contact, close and referral ack find none of them, and change nothing"

# Every other command open to agencies: no person it must not see.
ca incident-show --json incident show "$ref"
ca incident-list --json incident list
ca staffing --json staffing "$ref"
ca pledges --json pledge list "$ref"
ca plans --json plan list
ca whoami --json whoami
# (these may be refused: only their words matter here)
ca received request agency.received "{\"incident\": \"$ref\"}" || true
ca ack agency ack "$ref" || true
ca offer request pledge.offer "{\"incident\": \"$ref\"}" || true
ca withdraw request pledge.withdraw '{"pledge": 1}' || true
ca listen request agency.listen '{}' || true
# EDXL-RM: its own asks' requests only; another agency's ask is unknown to it.
ca rm-requests --json pledge request "$ref"
jq -e '[.requests[].agency] | all(. == "cruse")' "$A/rm-requests" >/dev/null ||
    fail "pledge request shows other agencies' asks: $(cat "$A/rm-requests")"
ca rm-other pledge request "$ref" --agency cpft && fail "cruse saw cpft's asks"
grep -q FORBIDDEN "$A/rm-other" || fail "pledge request --agency cpft: $(cat "$A/rm-other")"
other_ask=$(m --json staffing "$ref" | jq -r '[.asks[] | select(.agency != "cruse")][0].id')
sed "s/muster:CAMB-2026-0001:ask:1/muster:$ref:ask:$other_ask/" \
    "$SRC/tests/edxl_rm/good/commit-no-owner.xml" >"$A/commit.xml"
ca rm-import pledge import "$A/commit.xml" && fail "cruse pledged against another agency's ask"
grep -q "NOT_FOUND: /CommitResource/OriginatingMessageID: no request .* was sent to agency cruse" \
    "$A/rm-import" || fail "pledge import of another's ask: $(cat "$A/rm-import")"
for f in incident-show incident-list staffing pledges plans whoami; do
    jq -e . "$A/$f" >/dev/null || fail "$f: $(cat "$A/$f")"
done
[ "$(jq -r '[.pages[].agency] | unique | join(",")' "$A/incident-show")" = cruse ] ||
    fail "incident.show shows other agencies' pages: $(jq -c '[.pages[].agency]' "$A/incident-show")"

# Closed to agencies: the board (status.show, muster watch), the report,
# the audit trail, the plan.
for c in "status-show status $ref" "report report $ref" "watch --feed $FEED watch --dump-after 0" \
    "plan-show plan show view"; do
    set -- $c
    ca "$@" && fail "$2 open to an agency"
    grep -q -e FORBIDDEN -e "refused our key" "$A/$1" || fail "$1: $(cat "$A/$1")"
done
for c in audit.verify audit.export; do
    ca "$c" request "$c" '{}' && fail "$c open to an agency"
    grep -q FORBIDDEN "$A/$c" || fail "$c: $(cat "$A/$c")"
done

# The feed: duty's subscription sees a registration; the agency's is refused.
mkfifo "$T/duty.in" "$T/duty.out" "$T/cruse.in" "$T/cruse.out"
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" duty <"$T/duty.in" >"$T/duty.out" 2>&1 &
DUTY_PID=$!
"$MTEST" hold "$CONTROL" "$FEED" "$KEYS" agency:cruse <"$T/cruse.in" >"$T/cruse.out" 2>&1 &
CRUSE_PID=$!
cleanup_hook() { kill "$DUTY_PID" "$CRUSE_PID" 2>/dev/null || true; }
exec 7>"$T/duty.in" 8<"$T/duty.out" 5>"$T/cruse.in" 6<"$T/cruse.out"
feed() { # FD_IN FD_OUT WAIT_MS [REF]: the holder's answer to "feed WAIT_MS REF"
    echo "feed $3 ${4:-$ref}" >&"$1"
    local answer
    IFS= read -r -t "$(scaled 10)" answer <&"$2" || fail "held session: no answer"
    echo "$answer"
}
n=0
until reg "Feed Person $n" >/dev/null && [ "$(feed 7 8 2000)" != "feed none" ]; do
    n=$((n + 1))
    [ $n -lt 30 ] || fail "duty's feed subscription never received an event"
done
reg "Feed Person last" >/dev/null
[ "$(feed 7 8 2000)" != "feed none" ] || fail "duty missed an event"
[ "$(feed 5 6 2000)" = "feed none" ] || fail "the agency's feed subscription received an event"
# A wait is a deadline, not a silence: with a heartbeat every second, a
# wait for an event that never comes still ends (the loop above relies on it).
[ "$(feed 7 8 1500 NO-SUCH-REF)" = "feed none" ] || fail "a wait for no event did not end"
exec 7>&- 5>&-
wait "$DUTY_PID" "$CRUSE_PID" || true
ok "the board, report, audit trail, plan and feed are closed to an agency"

# family.show: a family of every person lists only those given to Cruse;
# a family of hidden persons only is unknown to it.
everyone=$(m --json family create "$ref" $visible $hidden | jq -r .family)
hiddenfam=$(m --json family create "$ref" | jq -r .family)
m family add "$hiddenfam" "$(reg "Fay Family")" >/dev/null || fail "family add"
hidden_names+=("Fay Family")
ca family --json family show "$everyone" || fail "family show: $(cat "$A/family")"
got=$(jq -r '.members[].person' "$A/family" | sort -n | tr '\n' ' ')
[ "$got" = "$want" ] || fail "cruse's family show lists \"$got\", expected \"$want\""
ca family-hidden family show "$hiddenfam" && fail "cruse found a family of hidden persons"
grep -q NOT_FOUND "$A/family-hidden" || fail "family show: $(cat "$A/family-hidden")"
ok "family show lists only the members given to the agency"

# health.show: open to every principal, it names no incident or person.
ca health --json health || fail "health as an agency: $(cat "$A/health")"
[ "$(jq -r 'keys | join(",")' "$A/health")" = disk,healthy,loop,store ] ||
    fail "health as an agency: $(cat "$A/health")"
ok "health tells an agency only whether musterd is well"

# Every command open to agencies has been run above.
covered=" health.show session.whoami plan.list incident.list incident.show agency.listen agency.received
 agency.ack pledge.offer pledge.withdraw pledge.list pledge.request pledge.import staffing.show
 person.show person.list
 person.screen person.consent person.contact referral.close referral.ack family.show "
open=$(sed -n 's/^ *{"\([a-z.]*\)", .*ROLE_\(AGENCY\|ANY\).*/\1/p' "$SRC/daemon/authz.c")
[ -n "$open" ] || fail "no command open to agencies found in authz.c"
for c in $open; do
    tr ' ' '\n' <<<"$covered" | grep -qxF "$c" || fail "$c is open to agencies and not walked by this test"
done

# No output of any of them names a person cruse must not see.
for name in "${hidden_names[@]}"; do
    grep -rl "$name" "$A" && fail "\"$name\" reached the agency"
done
grep -rl -e "1 Secret Row" -e "1960-05-06" -e "CB-" "$A" && fail "a field the agency must not see reached it"
ok "every command open to agencies walked: no person or field it must not see"
stop_daemon
