# What musterd writes is its own whatever the umask it is started with: the
# database, its -wal and -shm files and the stand-down reports are 0600, the
# report directories 0700.  A keyring or key directory that others may write
# (anyone could add a key) stops it starting, naming the path; on SIGHUP such
# a keyring is not loaded and the keys already loaded stay.
. "$(dirname "$0")/lib.sh"

init_keys
umask 000
start_daemon

mode() { stat -c %a "$1"; }
expect_mode() { # WANT PATH
    [ -e "$2" ] || fail "$2 does not exist"
    [ "$(mode "$2")" = "$1" ] || fail "$2 is mode $(mode "$2") under umask 000, expected $1"
}

ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation FILES | head -n 1)
[[ "$ref" == EX-CAMB-* ]] || fail "standup: $ref"
for f in "$DB" "$DB-wal" "$DB-shm"; do expect_mode 600 "$f"; done
ok "database, -wal and -shm are 0600 under umask 000"

m incident standdown "$ref" --note "files test" >/dev/null
written() { [ -s "$T/reports/$ref/audit_head.csv" ]; } # the last file written
wait_for 30 written || fail "report not written"
expect_mode 700 "$T/reports"
expect_mode 700 "$T/reports/$ref"
[ "$(ls "$T/reports/$ref" | wc -l)" = 14 ] || fail "report files: $(ls "$T/reports/$ref")"
for f in "$T/reports/$ref"/*; do
    expect_mode 600 "$f"
done
ok "reports directory 0700, report files 0600 under umask 000"

# A reports directory that blocks (a hung network mount; here a FIFO where
# report.md.tmp goes, whose opening blocks until someone reads it) holds up
# nobody: the stand-down is answered, and Gold's and duty's reads, while
# its files wait.  Once it unblocks the failure is logged (a FIFO cannot be
# synced), and the next write, the close's, makes every file.
ref2=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation STUCK | head -n 1)
mkdir -m 700 "$T/reports/$ref2"
mkfifo -m 600 "$T/reports/$ref2/report.md.tmp"
m_within 20 incident standdown "$ref2" --note "stuck" >/dev/null || fail "the stand-down waited for its report files"
m_within 20 --as duty status "$ref2" >/dev/null || fail "duty's status waited for the report files"
m_within 20 incident list | grep -q "^$ref2 " || fail "Gold's incident list waited for the report files"
[ ! -e "$T/reports/$ref2/report.md" ] || fail "report.md was written past the blocked file"
cat "$T/reports/$ref2/report.md.tmp" >/dev/null # the writer opens it, writes, cannot sync it
failed() { grep -q -F "report: cannot write $REPORTS/$ref2: Invalid argument" "$LOG"; }
wait_for 30 failed || fail "the blocked report's failure is not logged"
m incident close "$ref2" >/dev/null
wait_for 30 reports_written "$ref2" 1 || fail "the close did not write the report files"
[ "$(ls "$T/reports/$ref2" | wc -l)" = 14 ] || fail "report files after the close: $(ls "$T/reports/$ref2")"
ok "a reports directory that blocks holds up neither the stand-down's reply nor Gold and duty"

# SIGHUP with a keyring others may write: not loaded, the old keys stay.
chmod 666 "$KEYS/keyring"
reload_daemon
refused() { grep -q "keyring $KEYS/keyring is writable by others (mode 666)" "$LOG"; }
wait_for 30 refused || fail "a keyring writable by others was not refused on SIGHUP"
# the refusal and the word of keeping the old keys are two log lines:
# wait for the second too (under valgrind it came after the first was read)
kept() { grep -q "keeping the keys already loaded" "$LOG"; }
wait_for 30 kept || fail "no word of keeping the old keyring"
m incident list | grep -q "^$ref " || fail "gold lost its key after a refused reload"
ok "SIGHUP: a keyring writable by others is refused, the loaded keys stay"
stop_daemon
umask 022

# expect_refused WHAT PATH: musterd will not start and its log names PATH.
expect_refused() {
    : >"$LOG"
    daemon_refused || fail "musterd started with $1 writable by others"
    grep -q "$1 $2 is writable by others" "$LOG" || fail "the log does not name $2: $(cat "$LOG")"
    sanitizer_clean
}

expect_refused keyring "$KEYS/keyring"
chmod 664 "$KEYS/keyring"
expect_refused keyring "$KEYS/keyring"
ok "a keyring with mode 666 or 664 stops musterd, naming it"

chmod 644 "$KEYS/keyring"
chmod 777 "$KEYS"
expect_refused "key directory" "$KEYS"
chmod 770 "$KEYS"
expect_refused "key directory" "$KEYS"
ok "a key directory with mode 777 or 770 stops musterd, naming it"

chmod 750 "$KEYS"
start_daemon
m incident list | grep -q "^$ref " || fail "not served once the modes are right"
stop_daemon
ok "starts again once the modes are right"
