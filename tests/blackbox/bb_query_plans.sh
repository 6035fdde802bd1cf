# tests/blackbox/bb_query_plans.sh - the statements musterd runs for every
# registration, every agency.listen heartbeat and every restart seek
# through an index on the database musterd migrated, never read a whole
# table that grows with the incident (persons, pages, attempts, referrals):
# such a scan made each registration cost more as the incident grew, and
# the heartbeats of 500 agencies read every attempt (issue 19).  The SQL is
# read from the source by its constant's name and explained with the
# sqlite3 CLI (EXPLAIN QUERY PLAN: the plan, not a timing); scans of the
# few incidents, of a statement's own subquery and of the open staffing
# asks (their partial index) are allowed.
# tests/bench/scans.sh lists every statement a benchmark run prepared.
. "$(dirname "$0")/lib.sh"

start_daemon
stop_daemon

# FILE NAME...: "NAME<TAB>SQL" for each const char NAME[] of FILE
sql_of() {
    PYTHONPATH=$SRC/tests/blackbox PYTHONDONTWRITEBYTECODE=1 python3 - "$SRC/daemon/$1" "${@:2}" <<'PY'
import sys
from sql_statements import statements
found = dict(statements(sys.argv[1]))
for name in sys.argv[2:]:
    if name not in found:
        sys.exit(f"{name}: not found in {sys.argv[1]}")
    print(name + "\t" + found[name])
PY
}

checked=0
check() { # FILE NAME...: each statement's plan has no scan of a growing table
    local name sql plan
    while IFS=$'\t' read -r name sql; do
        plan=$(sqlite3 -batch "$DB" "EXPLAIN QUERY PLAN $sql") || fail "$name: $sql"
        if grep 'SCAN ' <<<"$plan" | grep -v 'SCAN incidents\|SCAN (subquery\|SCAN CONSTANT ROW\|SCAN asks USING INDEX asks_open'; then
            fail "$1 $name reads a whole table: $plan"
        fi
        checked=$((checked + 1))
    done < <(sql_of "$@" || fail "$1: statements missing")
}

# every registration: duplicates, the referral's notice, the deadlines
check persons_cmd.c SQL_MATCHES SQL_DUP_ADD
check paging_notice.c SQL_NOTICE_FIND SQL_NOTICE_STOP
check persons_retention.c SQL_DECLINED_DUE SQL_PURGE_DUE
# every agency.listen (a heartbeat every 10 s per agency) and its flush
check paging_deliver.c SQL_QUEUED_ANY SQL_QUEUED_SEND
check paging_cmd.c SQL_OPEN_PAGES SQL_RECEIVED
# every restart
check paging.c SQL_RECOVER SQL_REQUEUE
# every registration: its referral's notice stepped at once
check paging.c SQL_DUE_NOTICES_OF
[ "$checked" = 13 ] || fail "$checked statements checked, 13 expected"
ok "registration, agency.listen and restart statements seek by index ($checked statements)"

# The stand-down report (report.show, and the files written at stand-down
# and close) and person.show read what is the incident's or the person's
# by index: feed events are never deleted, and the report's timeline read
# every event of every incident, some 50 ms on the loop thread with
# 150,000 of them, more each day (issue 19, migration 29).  So do the
# closing of a staffing ask (its pages, among every referral notice's) and
# the staffing check's expiry of asks (by their shift, not every shift).
checked=0
check report.c SQL_TIMELINE SQL_ALARMS
check report_detail.c SQL_ACTIONS SQL_URGENT_ALARMS
check persons_show_cmd.c SQL_P_DUPS
check paging.c SQL_ASK_PAGE_STOP
check staffing.c SQL_EXPIRE
[ "$checked" = 7 ] || fail "$checked statements checked, 7 expected"
ok "the stand-down report, person.show and closing asks seek by index ($checked statements)"

# A pool's places taken are read from referral_places' counters (kept by
# triggers), never by counting its referrals: that count grew with the
# referrals of a pathway until it was full (issue 19).
occupied=$(sql_of persons.c SQL_OCCUPIED) || fail "persons.c: SQL_OCCUPIED not found"
plan=$(sqlite3 -batch "$DB" "EXPLAIN QUERY PLAN ${occupied#*$'\t'}") || fail "SQL_OCCUPIED: $occupied"
grep -q 'referrals\|SEARCH r \|SCAN r ' <<<"$plan" && fail "SQL_OCCUPIED counts referrals: $plan"
grep -q 'SEARCH c USING PRIMARY KEY' <<<"$plan" || fail "SQL_OCCUPIED does not seek referral_places: $plan"
ok "routing reads a pathway's places taken from counters"

# Every index on a table a registration writes is read by some statement
# of musterd's (a UNIQUE one enforces its key): an index no query uses
# costs every insert, and more as the incident grows (issue 19: migration
# 24 dropped referrals_provider).  Statements are read from every
# daemon/*.c, with the string macros they are built from.
unused=$(PYTHONPATH=$SRC/tests/blackbox PYTHONDONTWRITEBYTECODE=1 python3 - "$DB" "$SRC"/daemon/*.c <<'PY'
import re, sqlite3, sys
from sql_statements import statements
db = sqlite3.connect(sys.argv[1])
used = set()
for path in sys.argv[2:]:
    for _, sql in statements(path):
        if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)", sql, re.I):
            continue
        try:
            params = max([int(x) for x in re.findall(r"\?(\d+)", sql)] or [sql.count("?")])
            rows = db.execute("EXPLAIN QUERY PLAN " + sql, (None,) * params).fetchall()
        except sqlite3.Error:
            continue
        for r in rows:
            used.update(re.findall(r"INDEX (\w+)", r[3]))
tables = ("persons", "referrals", "pages", "attempts", "rescreens", "events", "audit", "replies",
          "duplicates", "imports", "board")
for name, tbl, sql in db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"
                                 " AND sql IS NOT NULL"):
    if tbl in tables and name not in used and not sql.upper().startswith("CREATE UNIQUE"):
        print(f"{tbl}.{name}")
PY
) || fail "the index check failed"
[ -z "$unused" ] || fail "indexes no statement reads: $unused"
ok "every index on the tables a registration writes is read by a statement"
