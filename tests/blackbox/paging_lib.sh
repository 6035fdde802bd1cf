# tests/blackbox/paging_lib.sh - receivers and generated plans for the
# paging tests: a real local HTTP receiver and SMTP receiver (Python,
# standard library), an exec script that logs every page it is given, and
# a plan with N agencies whose ladders use every channel.  (What the tests
# read of pages and attempts is in db_lib.sh.)

EXEC=$SRC/tests/receivers/page_exec.sh
mkdir -p "$T/exec" "$T/plans"

# start_receiver NAME SCRIPT: start a receiver logging to $T/NAME.log, set
# NAME_PORT from the first line it prints (read as soon as it is printed).
start_receiver() {
    local fd
    exec {fd}< <(exec python3 "$SRC/tests/receivers/$2" "$T/$1.log")
    RECEIVER_PIDS="${RECEIVER_PIDS:-} $!"
    read -r -t "$(scaled 30)" "${1}_PORT" <&"$fd" || fail "receiver $2 did not start"
    touch "$T/$1.log"
}

cleanup_hook() {
    for p in ${RECEIVER_PIDS:-}; do kill "$p" 2>/dev/null || true; done
    # a hanging exec page a failed test left behind (page_exec.sh hang)
    for p in $(cat "$T"/exec/*.hung 2>/dev/null); do
        grep -q sleep "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
    done
}

# level_agencies N: agencies a1..aN, agency i activated at level i, each
# paged by the exec script into $T/exec.
level_agencies() {
    local i
    for ((i = 1; i <= $1; i++)); do
        plan_agency id=a$i name="Agency $i" role="Level $i agency" level=$i \
            contact="$(plan_contact Script exec "$EXEC" args="$T/exec")"
    done
}

# write_plan N DELAY: agencies a01..aN, each with the ladder zmq, exec,
# webhook, email, DELAY apart; paging settings short enough for a test.
write_plan() {
    plan_write paging paging_plan "$@"
}

paging_plan() { # N DELAY: write_plan's plan
    local n=$1 delay=$2 i
    plan_head id=paging name="Paging test plan" prefix=PT lead=a01 level="Test level" hub="Test hub"
    cat <<YAML
paging:
  ack_wait: ${ACK_WAIT:-1s}
  exec_timeout: ${EXEC_TIMEOUT:-5s}
  webhook_timeout: 5s
  webhook_retries: ${WEBHOOK_RETRIES:-1}
  webhook_backoff: 100ms
  smtp_url: "smtp://127.0.0.1:${smtp_PORT:-25}"
  email_from: muster@test.example
agencies:
YAML
    for i in $(seq -w 1 "$n"); do
        plan_agency id="a$i" name="Agency $i" role="Test role of agency $i" desk=Listener \
            contact="$(plan_contact Script exec "$EXEC" args="$T/exec${EXEC_MODE:+,$EXEC_MODE}" after="$delay")" \
            contact="$(plan_contact Webhook webhook "http://127.0.0.1:${http_PORT:-9}/a$i${WEBHOOK_QUERY:-}" after="$delay")" \
            contact="$(plan_contact Email email "a$i@test.example" after="$delay")"
    done
}

# The acknowledgement code in a receiver's record for an agency.
code_in() { # FILE PATTERN
    grep -m 1 "$2" "$1" | sed -n 's/.*ack code \([0-9A-Z]\{8\}\).*/\1/p'
}
