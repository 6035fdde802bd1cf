# tests/blackbox/bb_listen_notice.sh - what a listener's receipt
# (agency.received) does: a routine referral notice pushed to a provider
# that listens stops climbing at its receipt (acknowledged, via
# delivered; a notice.delivered event with the notice's kind, as from any
# other channel), while the provider's activation page, confirmed the same
# way, is only delivered (page.delivered) and keeps waiting for its code;
# a receipt sent again, for another agency's page (one sent and waiting:
# its own agency's receipt then records it) or for a page id that does not
# exist records nothing and says so.
. "$(dirname "$0")/lib.sh"

notice_plan() {
    plan_head id=notices name="Notices plan" prefix=NT lead=hub
    cat <<'YAML'
paging: {ack_wait: 1h}
persons:
  home_areas: [cambridge]
  pathways:
    - {id: monitoring, name: Active monitoring, provider: hub}
  rules:
    - {pathway: monitoring}
agencies:
YAML
    plan_agency id=hub name=Hub role=test desk=Desk
    plan_agency id=police name=Police role=test desk=Desk
}
plan_write notices notice_plan
start_daemon

m --as agency:hub --json agency listen >"$T/pages" 2>"$T/listener.err" &
LISTENER=$!
cleanup_hook() { kill "$LISTENER" 2>/dev/null || true; }
listening() { grep -q "listening for pages" "$T/listener.err"; }
wait_for 30 listening || fail "the listener did not start: $(cat "$T/listener.err")"

ref=$(m incident standup --plan notices --level 1 --exercise --operation RECEIPT | head -n 1)
page_delivered() { [ "$(attempts_count agency=hub state=delivered)" = 1 ]; }
wait_for 30 page_delivered || fail "the activation page was not confirmed: $(cat "$T/pages")"
[ "$(pages_count agency=hub kind=page state=paging)" = 1 ] || fail "the receipt ended the activation page"
ok "an activation page confirmed by the listener is delivered, and still waits for its code"

p=$(m --as intake --json person add "$ref" --category survivor --name "Ann Receipt" --home-area cambridge |
    sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
[ -n "$p" ] || fail "no person registered"
receipted() { [ "$(pages_count agency=hub kind=referral state=acknowledged via=delivered)" = 1 ]; }
wait_for 30 receipted || fail "the routine notice did not stop at its receipt: $(pages_states)"
grep -q '"kind":"referral"' "$T/pages" || fail "the listener printed no notice: $(cat "$T/pages")"
[ "$(attempts_count agency=hub state=delivered)" = 2 ] || fail "the notice's attempt is not delivered"
[ "$(pages_count agency=hub kind=page state=paging)" = 1 ] || fail "the activation page moved"
events() { q "SELECT group_concat(x, ',') FROM (SELECT kind || ' ' || COALESCE(json_extract(body,
              '$.kind'), '-') AS x FROM events WHERE kind LIKE '%.delivered' ORDER BY seq)"; }
[ "$(events)" = "page.delivered -,notice.delivered referral" ] || fail "delivery events: $(events)"
ok "a routine notice pushed to a listening provider is acknowledged by its receipt"

# Receipts that record nothing: again, another agency's page, no such page.
# police does not listen, so its page waits queued; it is marked sent here,
# as if pushed, so that only the agency check can refuse hub's receipt for
# it (and police's own receipt, last, shows it could be confirmed).
notice_id=$(q "SELECT a.id FROM attempts a JOIN pages p ON p.id = a.page_id WHERE p.kind = 'referral'")
page_id=$(q "SELECT a.id FROM attempts a JOIN pages p ON p.id = a.page_id WHERE p.kind = 'page'
             AND p.agency_id = 'hub'")
police_id=$(q "SELECT a.id FROM attempts a JOIN pages p ON p.id = a.page_id WHERE p.agency_id = 'police'")
q "UPDATE attempts SET state = 'sent' WHERE id = $police_id"
receipt() { # AGENCY ATTEMPT: the confirmed member of the reply
    m --as "agency:$1" --json request agency.received "{\"page_id\": $2}" |
        sed -n 's/.*"confirmed": \(true\|false\).*/\1/p'
}
rows() { # every attempt's and page's id and state, in order
    q "SELECT group_concat(x, ' ') FROM (SELECT id || state AS x FROM attempts ORDER BY id)"
    q "SELECT group_concat(x, ' ') FROM (SELECT id || state AS x FROM pages ORDER BY id)"
}
before=$(rows)
for r in "hub $notice_id" "hub $page_id" "hub $police_id" "police $page_id" "police $notice_id" "hub 999999"; do
    [ "$(receipt $r)" = false ] || fail "the receipt $r was recorded"
done
[ "$(rows)" = "$before" ] || fail "a receipt changed something: $before -> $(rows)"
[ "$(receipt police "$police_id")" = true ] || fail "police could not confirm its own page"
[ "$(attempts_count agency=police state=delivered)" = 1 ] || fail "police's receipt was not recorded"
ok "a receipt again, for another agency's page or for no page records nothing (confirmed: false)"
stop_daemon
