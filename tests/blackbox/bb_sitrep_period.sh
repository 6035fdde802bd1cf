# Periodic EDXL-SitReps (plan section sitrep: {every, to}): while an
# incident is active musterd sends one SitRep each period from the standup
# to the ladders named, through their channels (here a real webhook).
# The periods follow the daemon's clock: restarts with the clock moved on
# stand for time passing.  After kill -9 within a period nothing is sent
# twice; after downtime over several periods one catch-up is sent, not a
# burst; a stood-down incident gets no more; a short period fires on its
# own timer; an amended plan adds and drops a running incident's SitReps;
# every document is valid and carries counts, never a name.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/blackbox/paging_lib.sh"

export TZ=UTC
start_receiver web http_receiver.py
period_plan() { # ID EVERY|none [VERSION]
    plan_head id="$1" name="Periodic SitRep plan" prefix=PS lead=hub |
        sed "s/version: \"1\"/version: \"${3:-1}\"/"
    [ "$2" = none ] || echo "sitrep: {every: $2, to: [hub]}"
    cat <<YAML
agencies:
YAML
    plan_agency id=hub name=Hub role=hub \
        contact="$(plan_contact Web webhook "http://127.0.0.1:$web_PORT/$1")"
}
plan_write slow period_plan slow 30m
plan_write fast period_plan fast 2s
plan_write quiet period_plan quiet none
T0="2026-12-18 15:00 UTC"
at() { clock_at "$(date -u -d "$T0 + $1 minutes" '+%Y-%m-%d %H:%M UTC')"; }
start_daemon --clock-offset "$(at 0)"
a=$(m incident standup --plan slow --level 1 --exercise --operation SLOW | head -n 1)
m --as intake person add "$a" --category injured --name "Ann Quorum" --phone 07700900111 >/dev/null

# sitreps PATH [REF]: "REF NUMBER PAGE_ID" of each SitRep posted to PATH,
# one line per distinct page id (a resend of a page carries its id).
sitreps() {
    jq -r --arg p "/$1" 'select(.path == $p) | .body | fromjson
        | select(.notice.format == "EDXL-SitRep 1.0")
        | "\(.incident) \(.notice.report_number) \(.page_id // .id)"' "$T/web.log" | sort -u
}
numbers() { sitreps "$1" | awk -v r="$2" '$1 == r {print $2}' | sort -n | uniq | paste -sd, -; }
has_numbers() { [ "$(numbers "$1" "$2")" = "$3" ]; }

# Period 1 ends while musterd is down: it is sent on start.
crash_restart --clock-offset "$(at 31)"
wait_for 30 has_numbers slow "$a" 1 || fail "SitRep 1 not sent after the restart: $(numbers slow "$a")"
# kill -9 again within period 2: nothing new, nothing twice.
crash_restart --clock-offset "$(at 40)"
m incident list >/dev/null
[ "$(pages_count kind=sitrep ref="$a")" = 1 ] || fail "kill -9 made SitRep notices: $(pages_count kind=sitrep ref="$a")"
# Period 2 ends: SitRep 2.
crash_restart --clock-offset "$(at 61)"
wait_for 30 has_numbers slow "$a" 1,2 || fail "SitRep 2 not sent: $(numbers slow "$a")"
# Down over periods 3 to 5: one catch-up, numbered 6, not a burst.
crash_restart --clock-offset "$(at 185)"
wait_for 30 has_numbers slow "$a" 1,2,6 || fail "not one catch-up: $(numbers slow "$a")"
[ "$(pages_count kind=sitrep ref="$a")" = 3 ] || fail "more notices than SitReps sent"
[ "$(sitreps slow | awk -v r="$a" '$1 == r' | wc -l)" = 3 ] || fail "a SitRep sent under two page ids"

# Every document is valid, for its period, and carries no personal data.
jq -r 'select(.path == "/slow") | .body | fromjson | select(.notice.format == "EDXL-SitRep 1.0")
    | .notice.sitrep' "$T/web.log" | awk '/^<\?xml/ {n++} {print > ("'"$T"'/sr-" n ".xml")}'
for f in "$T"/sr-*.xml; do
    xmllint --noout --schema "$SRC/docs/standards/edxl-sitrep-1.0.xsd" "$f" 2>"$T/xmllint.err" ||
        fail "$f is not valid: $(cat "$T/xmllint.err")"
done
! grep -q -e Quorum -e 07700900111 "$T/web.log" || fail "a periodic SitRep carries personal data"
grep -q '<ReportNumber>6</ReportNumber>' "$T"/sr-*.xml || fail "no SitRep numbered 6"
created=$(m --json status "$a" | jq '.board.incident.created_at')
from=$(date -u -d "@$(((created + 5 * 1800000) / 1000))" '+%Y-%m-%dT%H:%M:%SZ')
grep -q "<FromDateTime>$from</FromDateTime>" "$T"/sr-*.xml ||
    fail "SitRep 6 is not for its period (from $from, the standup + 5 x 30m)"

# A 2-second period fires on the daemon's own timer, and stops at stand-down.
b=$(m incident standup --plan fast --level 1 --exercise --operation FAST | head -n 1)
two() { [ "$(numbers fast "$b" | tr ',' '\n' | grep -c .)" -ge 2 ]; }
wait_for 60 two || fail "the 2s period never fired twice: $(numbers fast "$b")"
m incident standdown "$b" --note over >/dev/null
sent=$(pages_count kind=sitrep ref="$b")
# An hour later (the clock moved on): the active incident gets its
# catch-up, the stood-down one nothing more.
crash_restart --clock-offset "$(at 245)"
wait_for 30 has_numbers slow "$a" 1,2,6,8 || fail "no catch-up after an hour: $(numbers slow "$a")"
[ "$(pages_count kind=sitrep ref="$b")" = "$sent" ] || fail "a stood-down incident got more SitReps"

# incident.amend: a plan that adds a sitrep section starts the running
# incident's SitReps at once, on the new period; one that drops it ends them.
c=$(m incident standup --plan quiet --level 1 --exercise --operation QUIET | head -n 1)
period_plan quiet 2s 2 >"$T/quiet-2s.yaml"
m incident amend "$c" --plan-file "$T/quiet-2s.yaml" >/dev/null
some() { [ -n "$(numbers quiet "$c")" ]; }
wait_for 60 some || fail "the amended plan's 2s SitRep never came"
period_plan quiet none 3 >"$T/quiet-none.yaml"
m incident amend "$c" --plan-file "$T/quiet-none.yaml" >/dev/null
sent=$(pages_count kind=sitrep ref="$c")
# An hour later: the slow incident's catch-up shows the periods were
# looked at; the amended incident got nothing more.
crash_restart --clock-offset "$(at 305)"
wait_for 30 has_numbers slow "$a" 1,2,6,8,10 || fail "no catch-up after the amends: $(numbers slow "$a")"
[ "$(pages_count kind=sitrep ref="$c")" = "$sent" ] ||
    fail "SitReps after the plan dropped them: $sent, then $(pages_count kind=sitrep ref="$c")"
ok
