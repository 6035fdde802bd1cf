# The audit trail is anchored outside the database: every commit batch
# that adds audit rows appends the signed chain head to DB.anchor and to the
# journal, and `muster audit verify` checks the database against them.  Each
# way an editor of the database file can tamper with the trail is named,
# with exit status 1: a changed row, a cut tail, a chain rewritten with
# every hash recomputed.  The same check runs offline on a copy.
. "$(dirname "$0")/lib.sh"

start_daemon
for op in ANCHOR-A ANCHOR-B ANCHOR-C; do
    ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation "$op" | head -n 1)
    m incident standdown "$ref" >/dev/null
done
expect_fail 1 CONFLICT -- incident standdown "$ref" # a refusal is audited too
m --as intake incident standup --plan cambridgeshire --level 1 --exercise --operation X 2>/dev/null && fail "intake stood up"
rows=$(audit_count)
[ "$rows" -ge 8 ] || fail "only $rows audit rows"
[ -f "$DB.anchor" ] && [ "$(stat -c %a "$DB.anchor")" = 600 ] || fail "no anchor file of mode 0600"
[ "$(stat -c %a "$KEYS/audit.key")" = 600 ] || fail "audit.key is not mode 0600"
grep -q "audit: anchor v1 $rows " "$LOG" || fail "the signed head of $rows rows is not in the journal"
[ "$(tail -n 1 "$DB.anchor" | cut -d' ' -f2)" = "$rows" ] || fail "the last anchor is not of $rows rows"
ok "each batch's signed head is in the anchor file and the journal"

# verify: exit status, finding and text
verify() { # verify WANT_EXIT PATTERN: the daemon's check
    local out rc=0
    out=$(m audit verify 2>&1) || rc=$?
    [ "$rc" = "$1" ] || fail "audit verify exited $rc, expected $1: $out"
    echo "$out" | grep -- "$2" >/dev/null || fail "audit verify said \"$out\", expected \"$2\""
}
offline() { # offline WANT_EXIT PATTERN: the same on a copy, without the daemon
    local out rc=0
    cp "$DB" "$T/copy.db"
    cp "$DB.anchor" "$T/copy.anchor"
    out=$(m audit verify --db "$T/copy.db" --anchor "$T/copy.anchor" --public "$KEYS/audit.pub" 2>&1) || rc=$?
    [ "$rc" = "$1" ] || fail "offline audit verify exited $rc, expected $1: $out"
    echo "$out" | grep -- "$2" >/dev/null || fail "offline audit verify said \"$out\", expected \"$2\""
}

verify 0 "audit trail intact: $rows rows, $rows signed"
stop_daemon
cp "$DB" "$T/pristine.db"
offline 0 "audit trail intact: $rows rows"
ok "an untouched trail of $rows rows verifies, online and offline"

restore() { cp "$T/pristine.db" "$DB"; rm -f "$DB-wal" "$DB-shm"; }

# (1) one row changed by hand
audit_set 5 target EX-CAMB-2026-0099
offline 1 "BROKEN at row 5 (of $rows): changed row"
start_daemon
verify 1 "BROKEN at row 5 (of $rows): changed row"
{ m --json audit verify || true; } | tr -d ' \n' | grep '"finding":"changed_row"' >/dev/null || fail "finding"
stop_daemon
ok "a changed row is named: row 5"

# (2) the last rows deleted
restore
audit_cut_after $((rows - 2))
offline 1 "cut tail"
start_daemon
verify 1 "BROKEN: cut tail: anchor line [0-9]* vouches for $rows rows, the database has $((rows - 2))"
grep -q "does not match its last anchor" "$LOG" || fail "musterd did not warn at start"
stop_daemon
ok "a cut tail is named, and musterd warns at start"

# (3) a row rewritten and every hash after it recomputed: the chain itself
# follows, only the signed anchors show it
restore
audit_set 3 principal duty
audit_rehash
[ "$(audit_field 3 principal)" = duty ] || fail "rewrite"
offline 1 "rewritten chain"
start_daemon
verify 1 "BROKEN: rewritten chain: its $rows rows follow one another, but row [0-9]* is not the row anchor line [0-9]* signed: rows [1-3] to"
stop_daemon
ok "a rewritten chain with recomputed hashes is named"

# a forged anchor line: the signature is checked
restore
cp "$DB.anchor" "$T/anchor.good"
tail -n 1 "$T/anchor.good" | awk '{ c = substr($5, 1, 1); $5 = (c == "0" ? "1" : "0") substr($5, 2); print }' >"$T/line"
cat "$T/line" >>"$DB.anchor"
offline 1 "bad anchor: line $(wc -l <"$DB.anchor")"
cp "$T/anchor.good" "$DB.anchor"
ok "an anchor line whose signature is false is named"

# (4) the untouched database again: intact, the right count, and the
# daemon goes on anchoring new rows
start_daemon
verify 0 "audit trail intact: $rows rows"
m incident standup --plan cambridgeshire --level 1 --exercise --operation ANCHOR-D >/dev/null
verify 0 "audit trail intact: $((rows + 1)) rows, $((rows + 1)) signed"
stop_daemon
ok "the restored trail verifies with $rows rows, and new rows are signed"
