# tests/blackbox/bb_cli_human.sh - the muster CLI speaks to people (issue
# 17, section 5): every command that talks to musterd, run without --json,
# prints sentences or tables, never the JSON (walked over the command list
# the completion reads, so a new command must be added here); the tables
# line up by display width with accents, CJK and emoji in the data, under
# a UTF-8 locale and under LANG=C alike; times carry their zone and follow
# TZ (Europe/London, America/New_York, a zone without a name), shifts are
# said to be local time, naming the zone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

# A plan whose one partner agency cannot be reached: an alarm to list and clear.
alarm_plan() {
    plan_head id=alarms name="Alarm test plan" prefix=AL lead=hub
    echo "paging: {ack_wait: 1s}"
    echo "agencies:"
    plan_agency id=hub name=Hub role=hub contact="$(plan_contact Desk zmq hub after=24h)"
    plan_agency id=a01 name="Agency 1" role=test contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec,fail")"
}
plan_sample cambridgeshire 's/^  version: .*/  version: "1"/'
cp "$T/plans/cambridgeshire.yaml" "$T/amended.yaml"
cp -r "$T/plans/holidays" "$T/" # the holiday file the plan names, beside it
sed -i 's/^  version: .*/  version: "2"/' "$T/amended.yaml"
plan_write alarms alarm_plan
init_keys
"$BIN/muster" keys add --keys "$KEYS" --person dc-ward agency:police >/dev/null
"$BIN/muster" keys add --keys "$KEYS" web >/dev/null # the public door's key
start_daemon

# ---- every command, without --json ----
# Not walked: request (the protocol itself: musterd's result as JSON, for
# scripts), audit export (JSON Lines, the archive audit verify reads),
# watch and agency listen (they run until stopped; the board and pages are
# text), help and complete (no daemon).
exempt="|request|audit export|watch|agency listen|help|complete|"
walked="|"
OUT=
human() { # COMMAND WORDS... -- the muster arguments: run, and check the output
    local words=() rc=0
    while [ "$1" != -- ]; do words+=("$1") && shift; done
    shift
    OUT=$(m "$@" 2>&1) || rc=$?
    [ $rc = 0 ] || fail "muster $* exited $rc: $OUT"
    [ -n "$OUT" ] || fail "muster $* printed nothing"
    [ -z "${HUMAN_SHOW:-}" ] || printf '$ muster %s\n%s\n' "$*" "$OUT" >&2 # to look at them all
    ! grep -q '^ *[][{}]\|": ' <<<"$OUT" || fail "muster $* printed JSON: $OUT"
    walked="$walked${words[*]}|"
}
has() { grep -qF -- "$1" <<<"$OUT" || fail "expected \"$1\" in: $OUT"; }

human incident standup -- incident standup --plan cambridgeshire --level 1 --exercise --operation HUMAN
ref=$(head -n 1 <<<"$OUT")
ref2=$(m incident standup --plan alarms --level 1 --live --operation ALARMS | head -n 1)
human incident list -- incident list
has "$ref"
human incident show -- incident show "$ref"
human incident level -- incident level "$ref" 2
human incident amend -- incident amend "$ref" --plan-file "$T/amended.yaml"
human plan list -- plan list
human plan show -- plan show cambridgeshire
human whoami -- whoami
has "You act as gold"
human health -- health
human metrics -- --as duty metrics
human status -- --as duty status "$ref"

code=$(page_field ack_code agency=cpft ask=none)
human page ack -- page ack "$code"
human agency ack -- --as agency:cruse agency ack "$ref"
unreachable() { [ "$(alarms_count kind=agency_unreachable state=open)" = 1 ]; }
wait_for 30 unreachable || fail "no alarm for the unreachable agency"
human agency repage -- agency repage "$ref2" a01
has "a01 is paged again for $ref2"
human alarm list -- --as duty alarm list "$ref2"
has "agency_unreachable"
alarm=$(m --json alarm list "$ref2" | jq -r '.alarms[0].alarm')
human alarm clear -- --as duty alarm clear "$alarm" --note "phoned them"
has "alarm $alarm is now cleared."
OUT=$(m incident show "$ref") # one attempt each so far: said in the singular
has "by duty at"; has "(step 1, 1 attempt, 0 delivered"

shift_key=$(m complete shifts "$ref" | head -n 1)
human pledge offer -- --as agency:cpft pledge offer "$ref" --role mh-nurse --count 3 --shift "$shift_key"
for action in accept arrive; do human pledge $action -- pledge $action 1; done
m --as agency:cpft pledge offer "$ref" --role mh-nurse --count 1 --shift "$shift_key" >/dev/null
human pledge decline -- pledge decline 2
m --as agency:cpft pledge offer "$ref" --role mh-nurse --count 1 --shift "$shift_key" >/dev/null
human pledge withdraw -- --as agency:cpft pledge withdraw 3
human pledge list -- pledge list "$ref"
ask=$(m --json staffing "$ref" | python3 -c 'import json,sys
print([a["id"] for a in json.load(sys.stdin)["asks"] if a["agency"] == "cpft"][-1])')
human pledge request -- pledge request "$ref" --ask "$ask"
has "<MessageID>muster:$ref:ask:$ask</MessageID>"
sed -e "s/muster:CAMB-2026-0001:ask:1/muster:$ref:ask:$ask/" -e 's/<rm:Amount>2</<rm:Amount>1</' \
    "$SRC/tests/edxl_rm/good/commit-no-owner.xml" >"$T/commit.xml"
human pledge import -- --as agency:cpft pledge import "$T/commit.xml"
has "cpft pledges 1 mh-nurse for $ref, answering muster:$ref:ask:$ask"
human staffing -- staffing "$ref"

human person add -- --as intake person add "$ref" --category survivor --name "Ann Human" --home-area cambridge
p=$(sed -n 's/^person \([0-9]*\) registered.*/\1/p' <<<"$OUT")
[ -n "$p" ] || fail "person add: $OUT"
q_id() { m --as intake --json person add "$ref" "$@" | jq -r .person; }
dup=$(q_id --category survivor --name "Ann Human" --home-area cambridge)
dad=$(q_id --category bereaved --name "Dan Human" --home-area cambridge)
human person show -- --as intake person show "$p"
human person list -- --as intake person list "$ref"
human person screen -- --as intake person screen "$p" --instrument gad7 --answers 0,0,0,0,0,0,0
human person consent -- --as intake person consent "$dad" given
has "person $dad: consent given, recorded."
human person contact -- --as intake person contact "$p" --outcome no_answer
has "person $p: phone attempt recorded, no answer, in the "
human person update -- --as intake person update "$p" --phone "07700 900123"
has "person $p corrected: phone (correction "
human person merge -- --as intake person merge "$p" "$dup"
has "person $dup is merged into person $p"
human person unmerge -- --as intake person unmerge "$dup"
has "person $dup is no longer merged"
printf 'name,category\nCsv Human,witness\n' >"$T/one.csv"
human person import -- --as intake person import "$ref" "$T/one.csv"
human person export -- person export "$ref" --for casualty-bureau
has "persons exported for casualty-bureau"
human person status -- --as intake person status "$dup" missing
has "person $dup is now recorded missing (was alive)."
human incident publish -- incident publish "$ref" --public-name "City centre incident" --keyword HUMAN
has "HUMAN"
m --as web request public.register "{\"incident\":\"$ref\",\"name\":\"Sam Public\",\"phone\":\"07700 900555\",\"safe_to_call\":\"evenings\",\"language\":\"en\",\"home_area\":\"Cambridge\",\"involvement\":\"present\",\"wants_support\":true,\"consent\":true,\"source\":\"web\"}" >/dev/null
self=$(m --as intake --json person list "$ref" | jq -r '[.persons[] | select(.name == "Sam Public")][0].person')
human person verify -- --as intake person verify "$self" --outcome verified
has "verified"
human incident unpublish -- incident unpublish "$ref"
human family create -- --as intake family create "$ref" "$p"
fam=$(sed -n 's/^family \([0-9]*\) made.*/\1/p' <<<"$OUT")
human family add -- --as intake family add "$fam" "$dad"
has "person $dad joined family $fam."
human family liaison -- family liaison "$fam" dc-ward
has "family $fam: dc-ward is its family liaison officer"
m --as intake person status "$p" deceased >/dev/null
human family show -- --as intake family show "$fam"
has "liaison officer: dc-ward"
grep -q "^  $dad  *Dan Human  *bereaved  *alive  *[a-z_]*  *person $p\$" <<<"$OUT" || fail "not bereaved of $p: $OUT"
provider=$(m --as intake --json person show "$dad" | jq -r '[.referrals[] | select(.state == "referred")][0].provider')
human referral ack -- --as "agency:$provider" referral ack "$dad"
human referral close -- --as duty referral close "$dad" --reason "moved away"
has "person $dad: "


# ---- columns by display width ----
for name in "Renée Lefèvre" "李小龍" "👍 Thumbs Up" "Zoë élan"; do
    m --as intake person add "$ref" --category witness --name "$(printf '%b' "$name")" >/dev/null
done
aligned() { # FILE: every line's cells (two spaces apart) start at the heading's columns
    python3 - "$1" <<'PY'
import re, sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
starts = lambda line: [width(line[:m.start()]) for m in re.finditer(r"\S+(?: \S+)*", line)]
head = starts(lines[0])
for line in lines[1:]:
    if starts(line) != head:
        sys.exit(f"not aligned: {line!r} has cells at {starts(line)}, the heading at {head}")
if not any("\u674e" in l for l in lines) or not any("\U0001f44d" in l for l in lines):
    sys.exit("the names are not listed")
PY
}
LC_ALL=C.UTF-8 m --as intake person list "$ref" >"$T/list-utf8.txt"
aligned "$T/list-utf8.txt" || fail "person list under C.UTF-8: $(cat "$T/list-utf8.txt")"
(unset LC_ALL LC_CTYPE && LANG=C m --as intake person list "$ref" >"$T/list-c.txt")
cmp -s "$T/list-utf8.txt" "$T/list-c.txt" || fail "person list under LANG=C differs: $(cat "$T/list-c.txt")"
grep -qF "$(printf 'Zo\u00eb e\u0301lan')" "$T/list-c.txt" || fail "a combining accent was lost"
ok "person list: columns line up by display width with é, 李小龍, 👍 and a combining accent (C.UTF-8 and LANG=C)"

# ---- times with their zone ----
at=$(m --json person show "$p" | jq -r '.registered_at / 1000 | floor')
registered() { TZ=$1 m --as intake person show "$p" | sed -n 's/^  registered  *\(2.*\)/\1/p'; }
london=$(registered Europe/London) && newyork=$(registered America/New_York) && dubai=$(registered Asia/Dubai)
[ "$london" = "$(TZ=Europe/London date -d "@$at" '+%Y-%m-%d %H:%M:%S %Z')" ] || fail "London: $london"
[ "$newyork" = "$(TZ=America/New_York date -d "@$at" '+%Y-%m-%d %H:%M:%S %Z')" ] || fail "New York: $newyork"
[[ "$newyork" =~ \ E[SD]T$ && "$london" =~ \ (GMT|BST)$ ]] || fail "zones not named: $london / $newyork"
[ "$dubai" = "$(TZ=Asia/Dubai date -d "@$at" '+%Y-%m-%d %H:%M:%S') +04:00" ] || fail "Dubai: $dubai"
ok "person show: $london in London is $newyork in New York and $dubai in Dubai"
shift_start=$(m --json staffing "$ref" | jq -r '.shifts[0].starts_at / 1000 | floor')
for tz in Europe/London America/New_York; do
    out=$(TZ=$tz m staffing "$ref")
    grep -qF "shift times are local time, $tz;" <<<"$out" || fail "staffing names no zone ($tz): $out"
    grep -qF ", $(TZ=$tz date -d "@$shift_start" '+%a %d %b %H:%M %Z') to " <<<"$out" ||
        fail "staffing's first shift is not at $(TZ=$tz date -d "@$shift_start") ($tz): $out"
done
ok "staffing: shift windows in local time, the zone named (Europe/London, America/New_York)"

human audit verify -- audit verify
human keys init -- keys init --keys "$T/k2" --plans "$PLANS"
mkdir "$T/k3"
human keys audit-key -- keys audit-key --keys "$T/k3"
human keys add -- keys add --keys "$T/k2" --person jo-bloggs duty
human backup -- backup --db "$DB" "$T/copy.db"
human restore -- restore --db "$T/restored.db" "$T/copy.db"
human incident standdown -- incident standdown "$ref"
human report -- report "$ref"
human incident close -- incident close "$ref" --force --reason "exercise over"
has "$ref closed at "
human incident standup -- incident standup --cap "$SRC/tests/cap/good/alert-moderate.xml" # CAP 1.2
has "stood up: plan cambridgeshire, level 1, EXERCISE, operation CAP CAMBS-2026-0101"

missing=
while read -r c; do
    [[ "$walked$exempt" == *"|$c|"* ]] || missing="$missing, $c"
done < <(m complete commands)
[ -z "$missing" ] || fail "commands not walked: ${missing#, }"
ok "every command run without --json printed sentences or tables ($(($(tr -cd '|' <<<"$walked" | wc -c) - 1)) walked)"
stop_daemon
