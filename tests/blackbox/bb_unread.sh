# A client that sends many requests and reads none of its replies is
# slowed, then dropped: musterd stops executing its requests once its
# connection's queue is full of unread replies, drops what it holds for it
# after 30 s, and answers Gold all the while.  (Before, it executed every
# request and kept every reply in memory: 4,000 unread person.list replies
# took the daemon from 16 MB to 1.8 GB.)
. "$(dirname "$0")/lib.sh"

start_daemon
ref=$(m incident standup --plan example --level 1 --exercise --operation UNREAD | head -n 1)
# 1,000 persons, so that each person.list reply is some 150 KiB.
{
    echo "name,category,phone"
    for i in $(seq 1 1000); do echo "Unread Person $i,survivor,0770$(printf %07d "$i")"; done
} >"$T/persons.csv"
m --as intake person import "$ref" "$T/persons.csv" >/dev/null
mark=$(audit_last_id)

mkfifo "$T/unread.in"
"$MTEST" unread "$CONTROL" "$KEYS" intake "$ref" 2000 1000 <"$T/unread.in" >"$T/unread.out" 2>&1 &
UNREAD_PID=$!
exec 7>"$T/unread.in"
cleanup_hook() { kill "$UNREAD_PID" 2>/dev/null || true; }
sent() { grep -q '^sent' "$T/unread.out"; }
wait_for 60 sent || fail "the unread client could not send"

# Gold is answered while the client's replies pile up.
for i in 1 2 3; do
    m incident list >/dev/null || fail "Gold not answered during the unread-replies attack"
done
ok "Gold answered while a client reads none of its replies"

dropped() { grep -q 'control: connection .* read no reply for 30 s' "$LOG"; }
wait_for 90 dropped || fail "the client that reads nothing was never dropped"
ran=$(audit_count after="$mark" command=person.list)
[ "$ran" -lt 1000 ] || fail "$ran of 2000 unread person.list were executed: the client was not slowed"
m incident list >/dev/null || fail "Gold not answered after the drop"
ok "the client was slowed ($ran of 2000 requests executed) and dropped after 30 s"
exec 7>&-
wait "$UNREAD_PID" || true
stop_daemon
