# The status feed: every committed event (standups and the pages they
# cause) is published on the CURVE PUB socket with a sequence number that
# increases by one per event and carries on across a restart.
. "$(dirname "$0")/lib.sh"

start_daemon
out=$("$MTEST" feed "$CONTROL" "$FEED" "$KEYS" 5) || fail "feed: $out"
seqs=$(echo "$out" | sed -n 's/^seq \([0-9]*\) .*/\1/p')
[ "$(echo "$seqs" | wc -l)" = 5 ] || fail "expected 5 events: $out"
first=$(echo "$seqs" | head -n 1)
last=$(echo "$seqs" | tail -n 1)
[ "$last" -gt "$first" ] || fail "sequence numbers do not increase: $seqs"
echo "$out" | grep '^gaps 0$' >/dev/null || fail "gap in the feed's sequence numbers: $out"
ok "5 standups published, every event in sequence without a gap ($first..$last)"

crash_restart
out=$("$MTEST" feed "$CONTROL" "$FEED" "$KEYS" 1) || fail "feed after restart: $out"
again=$(echo "$out" | sed -n 's/^seq \([0-9]*\) .*/\1/p')
[ "$again" -gt "$last" ] || fail "sequence restarted after kill -9: $again after $last"
ok "sequence continues after kill -9 ($again > $last)"
stop_daemon
