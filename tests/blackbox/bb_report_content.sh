# tests/blackbox/bb_report_content.sh - what the stand-down report tells an
# inquiry (issue 17, section 6): agencies by name beside their ids; for an
# agency that ended unreachable, each channel tried and why it failed (an
# exec gateway's exit status and first line); the named people who stood
# up, acknowledged, cleared alarms and stood down; an urgent screening's
# referral and its time to acknowledgement; languages and age bands in
# every format; Victims' Code compliance per entitlement; the signed head
# of the audit chain, the one `muster audit verify` checks.  Every CSV
# table parses (python3's csv), every row as wide as its header, every time
# ISO 8601 with its offset; `--format csv` to stdout is one table or a
# usage error, never several files run together.  After the retention
# purge the files are written again with the same figures and no name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/paging_lib.sh"

export TZ=UTC
content_plan() {
    plan_head id=content name="Report content plan" prefix=RC lead=hub retention_days=30
    cat <<'YAML'
paging: {ack_wait: 1h}
persons:
  home_areas: [cambridge]
  explicit_consent: [bereaved]
  urgent_ack: 1h
  pathways:
    - {id: crisis, name: Crisis team, provider: mh}
    - {id: bereavement, name: Bereavement support, provider: hub}
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name="Victim and Witness Hub" role=hub desk=D
    plan_agency id=mh name="Mental health trust" role=mh desk=D
    plan_agency id=gw name="Gate|way *Services*" role=sms \
        contact="$(plan_contact Gateway exec "$EXEC" args="$T/exec,fail")"
}
plan_write content content_plan
init_keys
"$BIN/muster" keys add --keys "$KEYS" --person insp-jones gold >/dev/null
"$BIN/muster" keys add --keys "$KEYS" --person dm-patel duty >/dev/null
# Monday 14 December 2026, 09:00
start_daemon --clock-offset "$(clock_at '2026-12-14 09:00 UTC')"
ref=$(m --as gold:insp-jones incident standup --plan content --level 1 --exercise --operation CONTENT | head -n 1)
m --as agency:hub agency ack "$ref" --note "on our way" >/dev/null
m --as agency:mh agency ack "$ref" >/dev/null

add() { m --as intake --json person add "$ref" "$@" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1; }
# enhanced: a child, injured, screened urgent (PHQ-9 item 9); a bereaved
# relative held for consent, never referred.  standard: a witness; a
# survivor who refused consent.
child=$(add --category injured --name "Kid Mkr-Kid" --age 10 --language pl --interpreter --home-area cambridge)
m --as intake person screen "$child" --instrument phq9 --answers 0,0,0,0,0,0,0,0,1 >/dev/null
[ "$(referral_open "$child")" = crisis:referred ] || fail "urgent child: $(referral_open "$child")"
m --as agency:mh referral ack "$child" --note "called back" >/dev/null || fail "referral ack"
add --category bereaved --name "Bea Mkr-Bea" --age 40 --language en --home-area cambridge >/dev/null
add --category witness --name "Wes Mkr-Wes" --age 70 --language pl --home-area cambridge >/dev/null
add --category survivor --name "Sue Mkr-Sue" --age 30 --consent refused --home-area cambridge >/dev/null

# The hub and mh acknowledge their pages (within the hour's ack_wait, however
# slow the run): the gateway's is the only alarm.
gw_alarm() { [ "$(alarms_count kind=agency_unreachable agency=gw state=open)" = 1 ]; }
wait_for 30 gw_alarm || fail "the failing gateway raised no alarm"
alarm=$(q "SELECT id FROM alarms WHERE kind = 'agency_unreachable' AND agency_id = 'gw'")
m --as duty:dm-patel alarm clear "$alarm" --note "phoned them" >/dev/null

# Monday 21 December: the bereaved relative is past 2 working days.
crash_restart --clock-offset "$(clock_at '2026-12-21 10:00 UTC')"
m --as gold:insp-jones incident standdown "$ref" --note "exercise over" >/dev/null
dir=$T/reports/$ref
written() { [ -s "$dir/audit_head.csv" ]; }
wait_for 30 written || fail "report not written to $dir: $(ls "$dir" 2>&1)"
md=$dir/report.md

grep -qF '| gw | Gate\|way \*Services\* | unreachable |' "$md" || fail "agency name (escaped): $(grep '| gw |' "$md")"
grep -qF '| hub | Victim and Witness Hub | acknowledged |' "$md" || fail "hub's name"
grep -q '^gw,Gate|way \*Services\*,unreachable,' "$dir/agencies.csv" || fail "agencies.csv: $(cat "$dir/agencies.csv")"
grep -qF '| Gate\|way \*Services\* (gw) | unreachable | 1 | 1 | exec | Gateway | failed |' "$md" ||
    fail "channel table: $(grep -A5 '## Channels' "$md")"
grep -qF 'exit status 3: gateway refused the message |' "$md" || fail "the channel's error is not shown"
grep -q '^gw,Gate|way \*Services\*,unreachable,1,1,exec,Gateway,failed,exit status 3: gateway refused the message,' \
    "$dir/channels.csv" || fail "channels.csv: $(cat "$dir/channels.csv")"
ok "the unreachable agency is named, with each channel tried and why it failed"

grep -qF '| stood up | gold \(insp-jones\) | - |' "$md" || fail "who stood up: $(grep -A12 '## Named' "$md")"
grep -qF '| stood down | gold \(insp-jones\) | - |' "$md" || fail "who stood down"
grep -qF '| acknowledged the activation page | agency:hub | Victim and Witness Hub (hub) |' "$md" ||
    fail "who acknowledged"
grep -qF '| acknowledged an urgent referral | agency:mh | Mental health trust (mh) |' "$md" ||
    fail "who acknowledged the urgent referral"
grep -qF "| cleared alarm $alarm \\(agency\\_unreachable\\) | duty \\(dm-patel\\) | Gate\\|way \\*Services\\* (gw) |" "$md" ||
    fail "who cleared the alarm: $(grep cleared "$md")"
ok "named people: who stood up and down, acknowledged and cleared the alarm"

j=$(tr -d ' \n' <"$dir/report.json")
has() { echo "$j" | grep -F "$1" >/dev/null || fail "report.json lacks $1"; }
has '"urgent_screenings":{'
echo "$j" | grep -Eq '"urgent_screenings":\{[^}]*"screenings":1,"persons":1' || fail "urgent count: $j"
echo "$j" | grep -Eq '"urgent_screenings":\{[^}]*"sent":1,"acknowledged":1,"acknowledged_late":0' || fail "urgent acks"
echo "$j" | grep -Eq '"median_minutes_to_ack":[0-9.]+(e-?[0-9]+)?,' || fail "no median time to acknowledge"
grep -q '^- Urgent screenings: 1 (1 persons); urgent referral notices 1, acknowledged 1 (0 late); time to acknowledge: median [0-9.]* min' "$md" ||
    fail "urgent handling in the Markdown: $(grep -A3 'Urgent' "$md")"
ok "urgent screening: counted, its referral acknowledged with a time to acknowledge"

grep -qx '5-11,1' "$dir/age_bands.csv" && grep -qx '65+,1' "$dir/age_bands.csv" || fail "age_bands.csv: $(cat "$dir/age_bands.csv")"
grep -qx 'pl,2,1' "$dir/languages.csv" && grep -qx 'unknown,1,0' "$dir/languages.csv" || fail "languages.csv"
grep -qF '| 5-11 | 1 |' "$md" && grep -qF '| pl | 2 | 1 |' "$md" || fail "age bands and languages in the Markdown"
has '{"age_band":"5-11","persons":1}'
has '{"language":"pl","persons":2,"interpreter":1}'
ok "languages and age bands in JSON, Markdown and CSV"

grep -q '^enhanced,2,"bereaved, injured, under 18 or disabled: .*",2,1,1,0,0$' "$dir/victims_code.csv" ||
    fail "enhanced: $(cat "$dir/victims_code.csv")"
grep -q '^standard,5,everyone else: [^,]*,2,1,0,0,1$' "$dir/victims_code.csv" || fail "standard: $(cat "$dir/victims_code.csv")"
grep -q '^| enhanced | .* | 2 | 1 | 1 | 0 | 0 |$' "$md" || fail "Victims' Code in the Markdown"
ok "Victims' Code: enhanced 2 (1 met, 1 missed), standard 2 (1 met, 1 consent refused)"

m report "$ref" --format json >"$T/now.json"
verify=$(m audit verify)
rows=$(jq -r .audit_head.rows "$T/now.json")
[[ "$verify" == "audit trail intact: "*" rows, $rows signed by the last of "* ]] ||
    fail "the report's head (row $rows) is not the one audit verify checks: $verify"
last=$(m audit export | jq -r "select(.id == $rows) | .hash")
[ -n "$last" ] && [ "$(jq -r .audit_head.hash "$T/now.json")" = "$last" ] || fail "head hash is not row $rows's"
[ "$(jq -r .audit_head.signature "$T/now.json" | grep -cE '^[0-9a-f]{128}$')" = 1 ] || fail "no signature"
grep -q "^- Signed head: row [0-9]*, hash [0-9a-f]\{64\}$" "$md" && grep -qF 'muster audit verify' "$md" ||
    fail "audit head in the Markdown"
ok "the signed audit head (row $rows) is the one muster audit verify vouches for"

# CSV: one table a file, every row as wide as its header, ISO 8601 times.
csv_check() { # FILE...
    python3 - "$@" <<'PY' || fail "CSV check failed"
import csv, re, sys
iso = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$')
for path in sys.argv[1:]:
    rows = list(csv.reader(open(path, newline='')))
    assert rows, path + ": empty"
    head = rows[0]
    for n, row in enumerate(rows[1:], 2):
        assert len(row) == len(head), "%s:%d: %d cells, header %d" % (path, n, len(row), len(head))
        for col, cell in zip(head, row):
            assert not (col == 'at' or col.endswith('_at')) or cell == '' or iso.match(cell), "%s:%d: %s=%r" % (path, n, col, cell)
PY
}
csv_check "$dir"/*.csv
m report "$ref" --out "$T/out" >/dev/null
[ "$(ls "$T/out"/*.csv | wc -l)" = 12 ] || fail "--out wrote $(ls "$T/out")"
csv_check "$T"/out/*.csv
for f in "$T"/out/*.csv; do
    t=$(basename "$f" .csv)
    m report "$ref" --format csv --table "$t" >"$T/stdout-$t.csv"
done
csv_check "$T"/stdout-*.csv
grep -q ',2026-12-14T09:00:[0-9][0-9]+00:00,' "$T/stdout-agencies.csv" || fail "agencies paged_at not ISO 8601"
expect_fail 2 'choose one with --table NAME' -- report "$ref" --format csv
expect_fail 2 'no CSV table "nope"' -- report "$ref" --format csv --table nope
ok "CSV: every table parses, rows as wide as headers, times ISO 8601; stdout is one table or a usage error"

# Closed, then purged at the end of the retention period: the files are
# written again from the purged record, every figure the same, and no
# affected person's name is in any of them (there was none before either).
m --as gold:insp-jones incident close "$ref" --force --reason "exercise closed" >/dev/null
closed() { reports_written "$ref" 2 && grep -q ',closed,gold (insp-jones),' "$dir/actions.csv"; }
wait_for 30 closed || fail "report not written again at the close: $(cat "$dir/actions.csv")"
! grep -r -l -F Mkr- "$dir" || fail "an affected person's name in the report files"
mkdir "$T/before"
cp "$dir"/{victims_code,channels,actions,urgent,age_bands,languages,agencies,alarms}.csv "$T/before/"
crash_restart --clock-offset "$(clock_at '2027-01-25 10:00 UTC')"
purged() { [ -n "$(incident_field "$ref" reports_purged_at 2>/dev/null)" ]; }
wait_for 30 purged || fail "the report was not written again after the purge"
for f in "$T"/before/*.csv; do
    diff "$f" "$dir/$(basename "$f")" || fail "$(basename "$f") changed with the purge"
done
tr -d ' \n' <"$dir/report.json" | grep '"purged_at":[0-9]' >/dev/null || fail "the purged report does not say so"
! grep -r -l -F Mkr- "$dir" || fail "an affected person's name in the purged report files"
ok "after the retention purge the report's figures, channels and named staff are the same"
stop_daemon
