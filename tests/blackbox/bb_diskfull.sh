# The disk fills up, then the file system goes read-only, under a running
# musterd: a state-changing request gets a clear UNAVAILABLE reply that
# names the disk, the daemon keeps running and keeps answering reads
# (incident.list, status.show, person.show), and once the disk is usable
# again the same request id, retried, succeeds; nothing acknowledged
# before is lost.
#
# Disk full: a 16 MiB tmpfs holds the database; a filler file takes every
# free block.  Read-only: the Linux kernel refuses to remount a file system
# read-only while a process holds files on it open for writing (EBUSY), so
# neither `mount -o remount,ro` nor a read-only bind mount can take the
# disk away from under a running daemon.  What does is what happens in
# production: ext4 meeting an error with errors=remount-ro.  A small ext4
# image on a loop device is mounted that way and ext4's own test hook
# (/sys/fs/ext4/DEV/trigger_fs_error) raises the error.  The kernel keeps
# such a file system read-only until it is unmounted, so recovery is the
# administrator's: stop musterd, unmount, fsck, mount, start musterd.
#
# Needs root (mount, loop devices); without it the test says so and passes.
. "$(dirname "$0")/lib.sh"

FULL=$T/full
RO=$T/ro
IMG=$T/ro.img
mkdir -p "$FULL" "$RO"
MOUNTED=
cleanup_hook() {
    if [ -n "$PID" ]; then
        crash_daemon || true
        PID=
    fi
    for d in $MOUNTED; do umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || true; done
}
if ! mount -t tmpfs -o size=16m tmpfs "$FULL" 2>/dev/null; then
    echo "skipped: cannot mount tmpfs (not root)"
    exit 0
fi
MOUNTED=$FULL

# Problems with the daemon are collected, so that every scenario runs.
PROBLEMS=
problem() {
    echo "PROBLEM: $*" >&2
    PROBLEMS="$PROBLEMS
  - $*"
}

person_add() { # REF NAME [--request-id ID]: the new person's id
    local ref=$1 name=$2
    shift 2
    m --as intake --json "$@" person add "$ref" --category survivor --name "$name" |
        sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1
}

# A state-changing request must be refused with UNAVAILABLE, exit 1, and
# a message about the disk.
expect_unavailable() { # WHAT -- muster args
    local what=$1 out rc=0
    shift 2
    out=$(m "$@" 2>&1) || rc=$?
    if [ "$rc" != 1 ] || ! grep -q UNAVAILABLE <<<"$out" || ! grep -qi disk <<<"$out"; then
        problem "$what: muster $* exited $rc, said \"$out\" (expected UNAVAILABLE about the disk, exit 1)"
    else
        ok "$what refused: $out"
    fi
}

# Reads still answer, and the daemon is still up.
reads_served() { # WHAT REF PERSON
    local what=$1 ref=$2 person=$3 out rc before=$PROBLEMS
    kill -0 "$PID" 2>/dev/null || fail "$what: musterd is gone"
    sanitizer_clean
    out=$(m incident list 2>&1) && grep -q "$ref" <<<"$out" ||
        problem "$what: incident.list failed: $out"
    out=$(m status "$ref" 2>&1) && grep -q "$ref" <<<"$out" ||
        problem "$what: status.show failed: $out"
    rc=0
    out=$(m --as intake --json person show "$person" 2>&1) || rc=$?
    [ $rc = 0 ] && grep -q "\"person\": $person" <<<"$out" ||
        problem "$what: person.show $person failed (exit $rc): $out"
    [ "$PROBLEMS" != "$before" ] || ok "$what: musterd up, reads answered"
}

# Everything acknowledged before is still there.
nothing_lost() { # WHAT REF PERSON...
    local what=$1 ref=$2 p
    shift 2
    m incident show "$ref" >/dev/null 2>&1 || fail "$what: incident $ref lost"
    for p in "$@"; do
        [ "$(persons_count id="$p")" = 1 ] ||
            fail "$what: person $p lost"
    done
}

# ---- disk full ----
DB=$FULL/muster.db
start_daemon
ref=$(m incident standup --plan example --level 1 --exercise --operation FULL | head -n 1)
p1=$(person_add "$ref" "Ann Before")
[ -n "$p1" ] || fail "registration before the disk filled"
# An empty WAL, so that the next write needs new blocks (a WAL whose frames
# were all checkpointed is overwritten in place, needing none).
# The daemon may still be writing (the paging tick, the audit row of the
# read): retry until a checkpoint finds no writer.
checkpointed() { [ "$(db_checkpoint)" = "0|0|0" ]; }
wait_for 30 checkpointed || fail "could not checkpoint the WAL"
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
[ "$(df --output=avail "$FULL" | tail -n 1 | tr -d ' ')" = 0 ] || fail "the disk is not full"

expect_unavailable "disk full: standup" -- --request-id full-standup incident standup \
    --plan example --level 1 --exercise --operation FULL-2
expect_unavailable "disk full: registration" -- --as intake --request-id full-person person add \
    "$ref" --category witness --name "Bob Full"
reads_served "disk full" "$ref" "$p1"

rm -f "$FULL/filler"
ref2=$(m --request-id full-standup incident standup --plan example --level 1 --exercise \
    --operation FULL-2 | head -n 1) || fail "standup retried after the disk was freed"
[ -n "$ref2" ] || fail "no reference for the retried standup"
p2=$(person_add "$ref" "Bob Full" --request-id full-person)
[ -n "$p2" ] || fail "registration retried after the disk was freed"
# Sent again, the same ids give the stored replies: nothing twice.
[ "$(m --request-id full-standup incident standup --plan example --level 1 --exercise \
    --operation FULL-2 | head -n 1)" = "$ref2" ] || fail "retried standup not idempotent"
[ "$(persons_count name="Bob Full")" = 1 ] ||
    fail "the retried registration is not there exactly once"
nothing_lost "disk full" "$ref" "$p1" "$p2"
ok "disk freed: the same request ids succeed, nothing lost ($ref $ref2, persons $p1 $p2)"
stop_daemon

# ---- read-only ----
if ! { truncate -s 32M "$IMG" && mkfs.ext4 -q -F -O ^has_journal "$IMG" &&
    mount -o loop,errors=remount-ro "$IMG" "$RO"; } 2>/dev/null; then
    [ -z "$PROBLEMS" ] || fail "musterd misbehaved:$PROBLEMS"
    echo "skipped: read-only part: cannot mount an ext4 image on a loop device"
    exit 0
fi
MOUNTED="$RO $MOUNTED"
dev=$(basename "$(findmnt -n -o SOURCE "$RO")")
[ -w "/sys/fs/ext4/$dev/trigger_fs_error" ] || fail "no /sys/fs/ext4/$dev/trigger_fs_error"

DB=$RO/muster.db
start_daemon
rref=$(m incident standup --plan example --level 1 --exercise --operation RO | head -n 1)
r1=$(person_add "$rref" "Cat Before")
[ -n "$r1" ] || fail "registration before the disk went read-only"

echo "bb_diskfull: read-only test" >"/sys/fs/ext4/$dev/trigger_fs_error"
! touch "$RO/probe" 2>/dev/null || fail "the file system did not go read-only"

expect_unavailable "read-only: standup" -- --request-id ro-standup incident standup \
    --plan example --level 1 --exercise --operation RO-2
expect_unavailable "read-only: registration" -- --as intake --request-id ro-person person add \
    "$rref" --category witness --name "Dan ReadOnly"
reads_served "read-only" "$rref" "$r1"

# Recovery: stop, unmount, check, mount, start.
stop_daemon
umount "$RO"
e2fsck -fy "$IMG" >/dev/null 2>&1 || [ $? -le 1 ] || fail "e2fsck could not repair the image"
mount -o loop,errors=remount-ro "$IMG" "$RO"
start_daemon
rref2=$(m --request-id ro-standup incident standup --plan example --level 1 --exercise \
    --operation RO-2 | head -n 1) || fail "standup retried after the disk was writable again"
r2=$(person_add "$rref" "Dan ReadOnly" --request-id ro-person)
[ -n "$r2" ] || fail "registration retried after the disk was writable again"
nothing_lost "read-only" "$rref" "$r1" "$r2"
ok "writable again: the same request ids succeed, nothing lost ($rref $rref2, persons $r1 $r2)"
stop_daemon

[ -z "$PROBLEMS" ] || fail "musterd misbehaved:$PROBLEMS"
ok "disk full and read-only: clear refusals, reads served, recovery without loss"
