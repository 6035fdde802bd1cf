# tests/blackbox/bb_cli_help.sh - a CLI that explains itself (issue 17,
# section 5): every command's --help and `muster help COMMAND` (walked
# from the command list the completion reads), --version on muster,
# musterd and muster-web, --json anywhere on the line, a wrong server.pub
# told apart from a daemon that is not running, and sentences, not JSON,
# for acknowledgements, pledges, screenings, person show and stand-down
# (which says where the report went).
. "$(dirname "$0")/lib.sh"

# ---- help, without a daemon ----
mm() { "$BIN/muster" "$@"; }
cmds=$(mm complete commands)
overview=$(mm help)
[ "$(echo "$cmds" | wc -l)" -ge 50 ] || fail "too few commands listed: $cmds"
while read -r -a c; do
    out=$(mm "${c[@]}" --help) || fail "muster ${c[*]} --help failed"
    [[ "$out" == "usage: muster ${c[*]}"* ]] || fail "muster ${c[*]} --help said: $out"
    grep -q '^Key: ' <<<"$out" || fail "muster ${c[*]} --help names no key: $out"
    [ "$(mm help "${c[@]}")" = "$out" ] || fail "muster help ${c[*]} differs from --help"
    grep -qF "  muster ${c[*]}" <<<"$overview" || fail "muster help does not list ${c[*]}"
done <<<"$cmds"
ok "$(echo "$cmds" | wc -l) commands: --help and muster help COMMAND print their usage, key and text"

out=$(mm person add EX-X-2026-0001 --help) || fail "--help after arguments"
grep -q -- '--home-area' <<<"$out" || fail "person add --help lists no fields: $out"
mm help person | grep -q '^  muster person screen' || fail "muster help person lists no actions"
rc=0; err=$(mm help nosuch 2>&1) || rc=$?
[ $rc = 2 ] && [[ "$err" == *'unknown command "nosuch"'* ]] || fail "help nosuch: $rc $err"
rc=0; err=$(mm nosuch --help 2>&1) || rc=$?
[ $rc = 2 ] || fail "nosuch --help exited $rc: $err"
ok "help after arguments, a group's actions, unknown commands exit 2"

# The manual pages name every command and option the binaries know.
man1=$SRC/docs/man/muster.1
while read -r -a c; do
    grep -E "(Ic|Cm) ${c[0]}( |$)" "$man1" | grep -qw -- "${c[1]:-${c[0]}}" || fail "muster.1 lacks muster ${c[*]}"
    for o in $(mm help "${c[@]}" | sed -n '/^Key: /q;p' | grep -oP -- '--[a-z][a-z0-9-]*[a-z0-9](?![-*a-z0-9])' | sort -u); do
        [ "$o" = --check-plan ] && continue # musterd's, named in incident amend's text
        grep -q -- "Fl -${o#--}\( \|$\)" "$man1" || fail "muster.1 lacks ${c[*]} $o"
    done
done <<<"$cmds"
for o in $("$BIN/musterd" --help | grep -o -- '--[a-z][a-z0-9-]*' | grep -vx -- --help | sort -u); do
    grep -q -- "Fl -${o#--}\( \|$\)" "$SRC/docs/man/musterd.8" || fail "musterd.8 lacks $o"
done
for o in $({ "$BIN/muster-web" --help && "$BIN/muster-web" users --help; } | grep -o -- '--[a-z][a-z0-9-]*' |
    grep -vx -- --help | sort -u); do
    grep -q -- "Fl -${o#--}\( \|$\)" "$SRC/docs/man/muster-web.8" || fail "muster-web.8 lacks $o"
done
for k in $(sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' "$SRC/docs/plan-format.md" | sort -u); do
    grep -qw -- "$k" "$SRC/docs/man/muster-plan.5" || fail "muster-plan.5 lacks the plan key $k"
done
ok "muster(1), musterd(8) and muster-web(8) name every command and option, muster-plan(5) every plan key"

for k in backup restore "keys init"; do
    mm help $k | grep -qx 'Key: none[^(]*([^)]*)\.' || fail "muster help $k: $(mm help $k | grep '^Key')"
done
out=$("$BIN/muster-web" --help) || fail "muster-web --help exited $?"
[[ "$out" == "usage: muster-web serve"* ]] || fail "muster-web --help: $out"
out=$("$BIN/muster-web" users --help 2>&1) || fail "muster-web users --help exited $?"
[[ "$out" == "usage: muster-web users"* ]] || fail "muster-web users --help: $out"
ok "local commands offer no key to choose; muster-web --help and users --help print usage, exit 0"

for b in muster musterd muster-web; do
    v=$("$BIN/$b" --version) || fail "$b --version failed"
    [[ "$v" =~ ^$b\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "$b --version said: $v"
done
ok "--version on muster, musterd and muster-web"

# ---- a wrong server.pub, a daemon that is not running ----
start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation HELP | head -n 1)
"$BIN/muster" keys init --keys "$T/other" --plans "$PLANS" >/dev/null
mkdir "$T/wrong" && cp "$KEYS/gold.key" "$T/wrong/" && cp "$T/other/server.pub" "$T/wrong/"
rc=0; err=$(MUSTER_TIMEOUT=$(scaled 3) "$BIN/muster" --keys "$T/wrong" --connect "$CONTROL" \
    incident list 2>&1) || rc=$?
[ $rc = 4 ] && [[ "$err" == *"the server's key does not match"* ]] ||
    fail "wrong server.pub: exit $rc, \"$err\""
ok "a wrong server.pub: \"the server's key does not match\", exit 4"

# ---- --json anywhere ----
a=$(m --json incident list) && b=$(m incident list --json) && c=$(m incident --json list) ||
    fail "--json placed after the command refused"
[ "$a" = "$b" ] && [ "$a" = "$c" ] || fail "--json differs by place: $a / $b / $c"
echo "$b" | jq -e ".incidents[0].ref == \"$ref\"" >/dev/null || fail "not JSON: $b"
ok "--json before, inside and after the command: the same JSON"

# ---- sentences ----
no_json() { ! grep -q '^[{}]\|": ' <<<"$1" || fail "$2 printed JSON: $1"; }
code=$(page_field ack_code agency=cpft ask=none)
out=$(m page ack "$code" --via phone) && no_json "$out" "page ack"
[[ "$out" == "cpft's page for $ref is acknowledged: paging it has stopped." ]] || fail "page ack: $out"
out=$(m --as agency:cpft agency ack "$ref") && no_json "$out" "agency ack"
[[ "$out" == *"already acknowledged by duty: nothing changed."* ]] || fail "agency ack: $out"
shift_key=$(m complete shifts "$ref" | head -n 1)
out=$(m --as agency:cpft pledge offer "$ref" --role mh-nurse --count 2 --shift "$shift_key") &&
    no_json "$out" "pledge offer"
[[ "$out" == "pledge 1: cpft pledges 2 mh-nurse for $shift_key ($ref, offered)" ]] || fail "pledge offer: $out"
out=$(m pledge accept 1) && no_json "$out" "pledge accept"
[[ "$out" == "pledge 1: cpft's 2 mh-nurse for $ref is now accepted." ]] || fail "pledge accept: $out"
out=$(m pledge arrive 1) && [[ "$out" == "pledge 1: cpft's 2 mh-nurse for $ref have arrived (checked in)." ]] ||
    fail "pledge arrive: $out"
ok "page ack, agency ack, pledge offer, accept and arrive print sentences"

# incident show: the states line up after the longest agency id
# (peterborough-city-council, 25 columns, in the level 2 plan).
ref2=$(m incident standup --plan cambridgeshire --level 2 --exercise --operation ALIGN | head -n 1)
cols=$(m incident show "$ref2" | sed -n '/^pages$/,$p' | sed 1d |
    awk '{ print index($0, " paging ") + index($0, " acknowledged ") }' | sort -u)
[ "$(echo "$cols" | wc -l)" = 1 ] || fail "incident show: pages not aligned: $(m incident show "$ref2" | sed -n '/^pages$/,$p')"
m incident standdown "$ref2" >/dev/null

p=$(m --as intake --json person add "$ref" --category survivor --name "Ann Help" --safe-hours 09:00-17:00 |
    jq -r .person)
out=$(m --as intake person screen "$p" --instrument phq9 --answers 1,1,1,1,1,1,1,1,2) &&
    no_json "$out" "person screen"
[[ "$out" == "person $p: PHQ-9 score 10 of 27, POSITIVE."*"URGENT"* ]] || fail "person screen: $out"
out=$(m --as intake person show "$p") && no_json "$out" "person show"
[[ "$out" == "person $p in $ref: Ann Help, survivor"* ]] || fail "person show: $out"
for want in "urgent           yes" "hours          09:00 to 17:00" "crisis to cpft: referred" "PHQ-9: score 10"; do
    grep -qF "$want" <<<"$out" || fail "person show lacks \"$want\": $out"
done
ok "person screen and person show print sentences and tables"

out=$(m incident standdown "$ref") && no_json "$out" "standdown"
dir=$(sed -n 's/^The report is written on the musterd host to \(.*\)\/ (report.md.*/\1/p' <<<"$out")
[[ "$out" == *"(report.md, report.json and one CSV file a table)"* ]] || fail "standdown names too few files: $out"
[ "$dir" = "$(cd "$REPORTS" && pwd)/$ref" ] || fail "standdown did not say where the report went: $out"
wait_for 10 test -s "$dir/report.md" || fail "no report in $dir"
# Agencies still paging at the stand-down never acknowledged: the report
# must not say every agency did.
grep -qx 'None: no agency ended unreachable or acknowledged late.' "$dir/report.md" ||
    fail "report.md's channels section: $(grep -A2 '^## Channels' "$dir/report.md")"
m --json incident show "$ref" | jq -e '.state == "stood_down"' >/dev/null || fail "not stood down"
ok "standdown says where the report went ($dir), and it is there"

stop_daemon
rc=0; err=$(MUSTER_TIMEOUT=1 m incident list 2>&1) || rc=$?
[ $rc = 3 ] && [[ "$err" == *"is it running?"* ]] || fail "stopped daemon: exit $rc, \"$err\""
ok "a stopped daemon: \"is it running?\", exit 3"
