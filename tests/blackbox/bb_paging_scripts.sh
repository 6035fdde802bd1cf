# tests/blackbox/bb_paging_scripts.sh - the paging scripts muster ships,
# run by name from musterd's --scripts directory: through scripts/dry-run
# (what `make run` uses) a page to "page-sms" is delivered and its dry-run
# line logged at info; through scripts/ the real page-sms, unconfigured,
# fails loudly (exit 78, its message in the attempt's detail) and the
# agency's ladder goes on to its next contact.
. "$(dirname "$0")/lib.sh"

scripts_plan() {
    plan_head id=scripts name="Paging scripts" prefix=SCR lead=hub
    echo "agencies:"
    plan_agency id=hub name=Hub role="Lead agency" \
        contact="$(plan_contact 'Duty manager (SMS)' exec page-sms args=--group,hub-duty-managers,--priority,high)" \
        contact="$(plan_contact 'Duty manager (desk)' zmq hub after=1s)"
}
plan_write scripts scripts_plan

start_daemon --scripts "$SRC/scripts/dry-run"
ref=$(m --json incident standup --plan scripts --level 1 --exercise --operation DRY | json_field ref)
[ -n "$ref" ] || fail "no standup"
wait_for 20 grep -q "delivered by $SRC/scripts/dry-run/page-sms: DRY RUN page-sms --group hub-duty-managers --priority high: page [0-9]* to hub (Duty manager (SMS)) not sent: EXERCISE EXERCISE EXERCISE" "$LOG" ||
    fail "no dry-run line in the log: $(grep -i 'page' "$LOG" | tail -5)"
# the script's line is logged before its result commits: wait for that
dry_delivered() { [ "$(attempt_outcome hub 0)" = "delivered|exit status 0" ]; }
wait_for 20 dry_delivered || fail "dry run: $(attempt_outcome hub 0)"
ok "a page to page-sms through scripts/dry-run is delivered and its line logged"
stop_daemon

# The real script, unconfigured (no /etc/muster/page-sms.conf on a test
# machine; a test would not write there): fails loudly, the ladder goes on.
[ ! -e /etc/muster/page-sms.conf ] || { ok "SKIP: /etc/muster/page-sms.conf exists here" && exit 0; }
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.anchor"
start_daemon --scripts "$SRC/scripts"
m incident standup --plan scripts --level 1 --exercise --operation REAL >/dev/null
ladder_went_on() { [ "$(attempts_count agency=hub step=1)" -ge 1 ]; }
wait_for 20 ladder_went_on || fail "the ladder did not go on: $(attempt_ladder hub)"
out=$(attempt_outcome hub 0)
[[ "$out" == "failed|exit status 78: page-sms: not configured: no /etc/muster/page-sms.conf "* ]] ||
    fail "unconfigured page-sms: $out"
ok "page-sms unconfigured fails loudly (exit 78, its message recorded) and the ladder goes on"
stop_daemon
