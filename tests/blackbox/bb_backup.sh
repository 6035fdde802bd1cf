# tests/blackbox/bb_backup.sh - backup, restore and upgrade (docs/operations.md).
#
# muster backup while intake registers persons: the copy (mode 0600,
# its sha256 printed in sha256sum's format) holds every person whose
# registration was acknowledged before the backup began; restored into a
# stopped musterd's place, the daemon starts on it and serves them.
# muster restore refuses while musterd runs (IN_USE), and refuses a
# damaged copy (CORRUPT), a file that is no muster database (NOT_MUSTER)
# and one from a newer musterd (SCHEMA_NEWER), changing nothing.  musterd
# refuses a database newer than itself (SCHEMA_NEWER, exit 78), and
# before migrating an older one it leaves the copy DB.pre-vN.
. "$(dirname "$0")/lib.sh"

BK=$T/backups
mkdir -p "$BK"
mode_of() { stat -c %a "$1"; }

start_daemon
ref=$(m incident standup --plan example --level 1 --exercise --operation BACKUP | head -n 1)
[ -n "$ref" ] || fail "standup"

# ---- backup while intake runs ----
ACKED=$T/acked
: >"$ACKED"
intake() { # registers persons until told to stop; each acknowledged id to ACKED
    local i=0 id
    while [ ! -e "$T/stop-intake" ]; do
        i=$((i + 1))
        id=$(m --as intake --json --request-id "bk-$i" person add "$ref" --category survivor \
            --name "Person $i" | sed -n 's/.*"person": \([0-9]*\),*$/\1/p' | head -n 1)
        [ -n "$id" ] && echo "$id" >>"$ACKED"
    done
}
intake &
INTAKE=$!
some_acked() { [ "$(wc -l <"$ACKED")" -ge 20 ]; }
wait_for 60 some_acked || fail "intake registered too few persons"
cp "$ACKED" "$T/acked-before"
out=$(m backup --db "$DB" "$BK/one.db") || fail "backup while intake runs: $out"
more_acked() { [ "$(wc -l <"$ACKED")" -ge $(($(wc -l <"$T/acked-before") + 10)) ]; }
wait_for 60 more_acked || fail "intake stopped during the backup"
touch "$T/stop-intake"
wait "$INTAKE" || true
[ "$(mode_of "$BK/one.db")" = 600 ] || fail "backup mode $(mode_of "$BK/one.db"), expected 600"
[ "$out" = "$(sha256sum "$BK/one.db" | cut -d' ' -f1)  $BK/one.db" ] ||
    fail "backup printed \"$out\", not the sha256sum line of the copy"
db_file_persons "$BK/one.db" >"$T/in-backup"
missing=$(sort "$T/acked-before" | comm -23 - <(sort "$T/in-backup"))
[ -z "$missing" ] || fail "persons acknowledged before the backup are not in it: $missing"
ok "backup during intake: $(wc -l <"$T/in-backup") persons, every one acknowledged before it began"
expect_fail 5 "never overwritten" -- backup --db "$DB" "$BK/one.db"

# ---- restore refuses while musterd runs ----
before=$(sha256sum "$DB")
expect_fail 5 "restore refused (IN_USE)" -- restore --db "$DB" "$BK/one.db"
[ "$(sha256sum "$DB")" = "$before" ] || fail "a refused restore changed the database"
stop_daemon

# ---- restore refuses bad copies, changing nothing ----
cp "$BK/one.db" "$BK/damaged.db"
db_file_damage "$BK/damaged.db"
cp "$BK/one.db" "$BK/newer.db"
db_file_version_set "$BK/newer.db" 999
head -c 65536 /dev/urandom >"$BK/noise.db"
before=$(sha256sum "$DB")
expect_fail 5 "restore refused (CORRUPT)" -- restore --db "$DB" "$BK/damaged.db"
expect_fail 5 "restore refused (SCHEMA_NEWER)" -- restore --db "$DB" "$BK/newer.db"
expect_fail 5 "restore refused (NOT_MUSTER)" -- restore --db "$DB" "$BK/noise.db"
expect_fail 5 "restore refused" -- restore --db "$DB" "$BK/absent.db"
[ "$(sha256sum "$DB")" = "$before" ] || fail "a refused restore changed the database"
[ -z "$(ls "$T" | grep replaced)" ] || fail "a refused restore moved the database aside"
ok "restore refuses a damaged copy, a newer schema and noise; nothing changed"

# ---- restore, then musterd serves what the backup held ----
out=$(m restore --db "$DB" "$BK/one.db" 2>"$T/restore.err") || fail "restore: $out $(cat "$T/restore.err")"
grep -q "replaced is $DB.replaced-" "$T/restore.err" || fail "restore did not say where the old database went"
[ "$(mode_of "$DB")" = 600 ] || fail "restored database mode $(mode_of "$DB")"
start_daemon
last=$(tail -n 1 "$T/in-backup")
m --as intake --json person show "$last" | grep -q "\"person\": $last" ||
    fail "person $last of the backup not served after the restore"
[ "$(persons_ids incident="$ref" | sort)" = "$(sort "$T/in-backup")" ] ||
    fail "the restored database does not hold exactly the backup's persons"
m audit verify | grep -q "audit trail intact" || fail "audit trail after the restore: $(m audit verify)"
ok "restored: musterd serves the backup's $(wc -l <"$T/in-backup") persons, audit trail intact"

# ---- a database newer than musterd ----
stop_daemon
cp "$DB" "$T/kept.db"
db_file_version_set "$DB" 999
start_refused
[[ "$REFUSAL" == *"exited with 78 before"* ]] || fail "newer database: $REFUSAL"
grep -q "SCHEMA_NEWER: database $DB has schema 999" "$LOG" || fail "no SCHEMA_NEWER in the log"
[ "$(db_file_version "$DB")" = 999 ] || fail "the refused database was changed"
ok "musterd refuses a newer database (exit 78, SCHEMA_NEWER)"

# ---- a migration leaves DB.pre-vN ----
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$T/kept.db" "$DB"
db_unmigrate_last
old=$(db_file_version "$DB")
start_daemon
pre=$DB.pre-v$((old + 1))
[ -f "$pre" ] || fail "no $pre after migrating schema $old"
[ "$(mode_of "$pre")" = 600 ] || fail "$pre mode $(mode_of "$pre")"
[ "$(db_file_version "$pre")" = "$old" ] || fail "$pre has schema $(db_file_version "$pre"), not $old"
[ "$(db_file_persons "$pre")" = "$(db_file_persons "$T/kept.db")" ] || fail "$pre lacks persons"
[ "$(db_file_version "$DB")" = $((old + 1)) ] || fail "not migrated"
grep -q "the database as it was is $pre" "$LOG" || fail "the copy is not in the log"
restart_daemon
[ "$(db_file_version "$pre")" = "$old" ] || fail "$pre replaced by a later start"
ok "migrating schema $old left $pre (schema $old, every person)"
stop_daemon
