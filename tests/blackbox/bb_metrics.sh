# tests/blackbox/bb_metrics.sh - musterd's Prometheus metrics: musterd
# --metrics on a free loopback port, a stand-up whose mental health trust is
# paged first through a program that fails, an acknowledgement, two persons
# registered, requests that fail; then GET /metrics (curl) and muster
# metrics are valid text format 0.0.4 (tests/tool/prom_check.py) and count
# what was done: requests by command and outcome, the pages as muster
# incident show lists them, the failed delivery, the persons, and never a
# person's name.  Only GET /metrics is served; an agency's or intake's key
# may not read them; a --metrics that is not HOST:PORT is refused at start.
# Three board watchers (the watchers tool, the 4th argument) are counted
# as feed connections while they run.
. "$(dirname "$0")/lib.sh"
WATCHERS=$4

CHECK=$SRC/tests/tool/prom_check.py
# The trust's first contact is a program that exits 1: a delivery failure.
plan_sample example '/name: Duty nurse/{n;s/channel: zmq/channel: exec/;n;s|target: mental-health|target: /bin/false|}'

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/metrics

start_refused --metrics nowhere
grep -q 'metrics: --metrics nowhere is not HOST:PORT' "$LOG" || fail "refusal: $REFUSAL"
ok "--metrics that is not HOST:PORT: musterd does not start"

start_daemon --metrics "127.0.0.1:$PORT"
grep -q "metrics: GET $URL" "$LOG" || fail "musterd does not say where it serves metrics"

ref=$(m incident standup --plan example --level 1 --exercise --operation METRICS | head -n 1)
m --as agency:victim-hub agency ack "$ref" --note "on our way" >/dev/null
for who in "Jane Metricsperson" "John Metricsperson"; do
    m --as intake person add "$ref" --category injured --name "$who" >/dev/null
done
expect_fail 1 NOT_FOUND -- incident standdown EX-EXMP-1999-0001
expect_fail 1 NOT_FOUND -- incident standdown EX-EXMP-1999-0002
expect_fail 1 UNKNOWN_COMMAND -- request no.such.command

# scrape: GET /metrics into $T/scrape, checked valid.
scrape() {
    curl -s -f --max-time "$(scaled 5)" -o "$T/scrape" "$URL" || fail "GET $URL failed"
    python3 "$CHECK" <"$T/scrape" || fail "GET /metrics is not valid text format (above)"
}
# value NAME{LABELS}: the sample's value in the last scrape, 0 when absent.
value() {
    awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$T/scrape"
}
failed_exec() {
    scrape
    [ "$(value 'muster_delivery_failures_total{channel="exec"}')" -ge 1 ]
}
wait_for 30 failed_exec || fail "no exec delivery failure counted: $(grep delivery_fail "$T/scrape")"
ok "GET /metrics is valid text format 0.0.4"

want() { # NAME{LABELS} VALUE
    [ "$(value "$1")" = "$2" ] || fail "$1 is $(value "$1"), expected $2"
}
want 'muster_requests_total{command="incident.standup",outcome="ok"}' 1
want 'muster_requests_total{command="agency.ack",outcome="ok"}' 1
want 'muster_requests_total{command="person.add",outcome="ok"}' 2
want 'muster_requests_total{command="incident.standdown",outcome="NOT_FOUND"}' 2
want 'muster_requests_total{command="unknown",outcome="UNKNOWN_COMMAND"}' 1
want 'muster_incidents{state="active",exercise="yes"}' 1
want 'muster_persons{incident_state="active",exercise="yes"}' 2
grep -q Metricsperson "$T/scrape" && fail "a person's name in the metrics"
ok "requests counted by command and outcome (errors by code); persons counted, never named"

# The pages as muster incident show lists them, and the attempts behind
# the failure.  The mental health trust's ladder may still be moving (a
# failed exec, then its webhook's retries): the scrape is compared with
# the pages only when they were the same just before it and just after.
states() { jq -c '[.pages[].state] | sort'; } # of incident show's JSON on stdin
held_still() {
    local before
    before=$(m --json incident show "$ref" | states)
    scrape
    show=$(m --json incident show "$ref")
    [ "$(states <<<"$show")" = "$before" ]
}
wait_for 30 held_still || fail "the pages never held still between two reads"
for state in paging acknowledged unreachable; do
    n=$(echo "$show" | jq "[.pages[] | select(.state == \"$state\")] | length")
    want "muster_pages{kind=\"page\",state=\"$state\",exercise=\"yes\"}" "$n"
done
[ "$(value 'muster_pages{kind="page",state="acknowledged",exercise="yes"}')" = 1 ] ||
    fail "the acknowledgement is not among the pages"
failed=$(value 'muster_page_attempts{channel="exec",state="failed",exercise="yes"}')
want 'muster_delivery_failures_total{channel="exec"}' "$failed"
want 'muster_build_info{version="'"$("$BIN/musterd" --version | cut -d' ' -f2)"'"}' 1
[ "$(value muster_batch_size_count)" -ge 6 ] || fail "batches: $(value muster_batch_size_count)"
[ "$(value muster_commit_duration_seconds_count)" -ge 5 ] || fail "commits not counted"
grep -q '^muster_queue_depth [0-9]' "$T/scrape" || fail "no queue depth"
ok "pages by kind and state as incident show lists them; failures by channel ($failed exec)"

# muster metrics: the same text through the control socket, as a file.
m metrics >"$T/cli.prom"
python3 "$CHECK" <"$T/cli.prom" || fail "muster metrics is not valid text format (above)"
grep -q '^muster_requests_total{command="person.add",outcome="ok"} 2$' "$T/cli.prom" ||
    fail "muster metrics: $(grep requests_total "$T/cli.prom")"
m --as gold metrics >/dev/null || fail "Gold cannot read the metrics"
expect_fail 1 FORBIDDEN -- --as agency:victim-hub metrics
expect_fail 1 FORBIDDEN -- --as intake metrics
scrape
want 'muster_requests_total{command="metrics.show",outcome="FORBIDDEN"}' 2
want 'muster_requests_total{command="metrics.show",outcome="ok"}' 2
ok "muster metrics prints the same format; agencies and intake are refused"

# Only GET (and HEAD) of /metrics.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST -d x "$URL")" = 405 ] || fail "POST /metrics was not 405"
grep -qi '^Allow: GET, HEAD' <<<"$(curl -s -D - -o /dev/null -X DELETE "$URL")" || fail "405 without Allow"
[ "$(code "http://127.0.0.1:$PORT/")" = 404 ] || fail "GET / was not 404"
[ "$(code "http://127.0.0.1:$PORT/metrics/../etc")" = 404 ] || fail "another path was not 404"
[ "$(code -I "$URL")" = 200 ] || fail "HEAD /metrics was not 200"
grep -qi '^Content-Type: text/plain; version=0.0.4' <<<"$(curl -s -D - -o /dev/null "$URL")" ||
    fail "GET /metrics has not the text format's content type"
kill -0 "$PID" || fail "musterd died"
ok "other methods 405, other paths 404"

# Three watchers on the feed, counted while they are connected.
mkfifo "$T/w.in"
"$WATCHERS" "$CONTROL" "$FEED" "$KEYS" 3 - <"$T/w.in" >"$T/w.out" 2>"$T/w.err" &
WPID=$!
exec {wfd}>"$T/w.in"
cleanup_hook() { if [ -n "${WPID:-}" ]; then kill "$WPID" 2>/dev/null || true; fi; }
wait_for 60 grep -q '^ready 3$' "$T/w.out" || fail "watchers: $(cat "$T/w.out" "$T/w.err")"
feed_is() { scrape && [ "$(value muster_feed_connections)" = "$1" ]; }
wait_for 30 feed_is 3 || fail "feed connections: $(value muster_feed_connections), expected 3"
kill "$WPID"
wait "$WPID" 2>/dev/null || true
WPID=
exec {wfd}>&-
wait_for 30 feed_is 0 || fail "feed connections after the watchers left: $(value muster_feed_connections)"
ok "feed connections: 3 while three watchers ran, 0 after"

stop_daemon
