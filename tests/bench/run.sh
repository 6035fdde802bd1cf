#!/usr/bin/env bash
# tests/bench/run.sh - muster's benchmark (what `make bench` runs).
#
# Builds release binaries (-O2, no sanitizers) into build/bench, starts a
# fresh musterd in a temporary directory (keys from `muster keys init`,
# TCP loopback endpoints, ready when it sends sd_notify READY: started and
# stopped as the black-box tests do, tests/tool/daemon_run.sh, and read
# through their tests/blackbox/db_lib.sh and plan_lib.sh), drives it
# with mbench (tests/bench/bench.c: real ZeroMQ clients with CURVE keys),
# then measures this machine's floors with ../shared/limits/run (and, when
# the core scenarios ran, the fan-out floor: fanout_floor.c sends the
# standup's and the feed's messages to as many CURVE connections from a
# bare libzmq server; and the SQL floor: musterd's own statements for a
# registration, recorded by sqlrecord.c and replayed alone by sqlreplay.c)
# and prints muster's figures beside them as ratios.  Every figure is one line
# "name value unit"; lines starting with "#" explain.  Nothing here
# asserts a timing: the targets are reported as met or missed.
#
# Sizes can be changed from the environment (defaults in brackets):
#   BENCH_AGENCIES [500]  BENCH_STANDUPS [20]  BENCH_PLEDGES_PER_AGENCY [4]
#   BENCH_INTAKE_PERSONS [20000] registered through musterd, timed
#   BENCH_PERSONS [100000] for the memory figure (the rest pre-loaded)
#   BENCH_AT_PERSONS [500] registered, timed, once PERSONS are stored
#   BENCH_INTAKE_CLIENTS [8]  BENCH_INTAKE_WINDOW [64]
#   BENCH_WATCHERS [1000]  BENCH_CHANGES [50]  BENCH_ROWS [1000000]
#   BENCH_STARTS [3]  BENCH_KEEP=1 keeps the temporary directory
#   command under intake load: BENCH_LOAD_CLIENTS [8]  BENCH_LOAD_WINDOW [4]
#   person.import in flight per client  BENCH_LOAD_ROWS [500] rows each
#   BENCH_LOAD_SECONDS [20]  BENCH_LOAD_IDLE_SECONDS [5] (the users alone first)
#   unread replies: BENCH_UNREAD_REQUESTS [4000]  BENCH_UNREAD_LIMIT [1000]
#   persons per person.list  BENCH_UNREAD_CAP_MIB [2048] musterd RSS at which
#   the attacker is closed (the machine is shared; the run reports it)
#   scale (intake as the incident grows): BENCH_SCALE ["1000 10000 100000
#   1000000"] persons already stored at each step (the first registered
#   through musterd, the rest pre-loaded), BENCH_SCALE_INTAKE [5000] persons
#   registered and timed at each step; then BENCH_SCALE_ROUNDS [7] pairs of
#   rounds of BENCH_SCALE_PAIR_PERSONS [5000] person.add, at the first and
#   the last size in turn, each after BENCH_SCALE_WARMUP [1000] untimed
#   (the scale_cost target is the median of the pairs' ratios)
#   BENCH_SCANS=1 runs musterd with the sqltrace.c shim and lists, after the
#   core scenarios, every statement it prepared whose query plan reads a
#   whole table on the grown database (scans.sh; $T/scans.txt)
#   BENCH_SQL_PROFILE=1 replays the SQL floor's record once more, timing
#   each statement, and prints what each costs a person (sqlreplay.c,
#   SQLREPLAY_PROFILE; "# sql_profile US CALLS TEXT", $T/sql_profile)
#   BENCH_MUSTERD=path: another musterd binary (before and after a change,
#   on the same machine in the same conditions)
#   BENCH_UNIT_ENV [1]: musterd with the environment systemd/musterd.service
#   sets (GLIBC_TUNABLES); 0: with none of it
#   BENCH_PERF=1 samples musterd with perf record -g (dwarf call graphs)
#   during the standup, feed and intake scenarios: $T/perf-NAME.data and
#   $T/perf-NAME.txt (perf report), kept with BENCH_KEEP=1
#   BENCH_ONLY ["core scale underload unread failover web selfreg"] the scenarios to run: core
#   (standup, pledge, feed, intake, memory, start-up: they share one
#   database), underload (command under intake load), unread (unread
#   replies attack), failover (kill -9, the standby started on the same
#   database and endpoints, the time to a waiting client's reply);
#   BENCH_FAILOVERS [5] failovers measured; web (muster-web: board streams
#   receiving a change, its memory with them open, sign-ins while argon2id
#   runs): BENCH_WEB_SESSIONS [500] BENCH_WEB_CHANGES [20] BENCH_WEB_LOGINS [4];
#   selfreg (muster-web's public door flooded with junk submissions from
#   many addresses while the duty manager's board is read and timed):
#   BENCH_SELFREG_RATE [200] submissions/s, BENCH_SELFREG_SECONDS [20],
#   BENCH_SELFREG_SOURCES [250] source addresses (127.0.1.x);
#   BENCH_SQL_FLOOR_PERSONS [5000] registrations timed in the SQL floor
#   (after BENCH_SCALE_WARMUP untimed; only with core)
#   the floors always run unless LIMITS=none
#   LIMITS=path/to/limits/run (default ../shared/limits/run beside the
#   source tree; set LIMITS=none to skip the floors)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BENCH_BUILD:-$SRC/build/bench}
LIMITS=${LIMITS:-$SRC/../shared/limits/run}
AGENCIES=${BENCH_AGENCIES:-500}
STANDUPS=${BENCH_STANDUPS:-20}
PLEDGES_PER=${BENCH_PLEDGES_PER_AGENCY:-4}
PERSONS=${BENCH_PERSONS:-100000}
INTAKE_PERSONS=${BENCH_INTAKE_PERSONS:-20000}
AT_PERSONS=${BENCH_AT_PERSONS:-500}
INTAKE_CLIENTS=${BENCH_INTAKE_CLIENTS:-8}
INTAKE_WINDOW=${BENCH_INTAKE_WINDOW:-64}
WATCHERS=${BENCH_WATCHERS:-1000}
CHANGES=${BENCH_CHANGES:-50}
ROWS=${BENCH_ROWS:-1000000}
STARTS=${BENCH_STARTS:-3}
LOAD_CLIENTS=${BENCH_LOAD_CLIENTS:-8}
LOAD_WINDOW=${BENCH_LOAD_WINDOW:-4}
LOAD_ROWS=${BENCH_LOAD_ROWS:-500}
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-20}
LOAD_IDLE=${BENCH_LOAD_IDLE_SECONDS:-5}
UNREAD_REQUESTS=${BENCH_UNREAD_REQUESTS:-4000}
UNREAD_LIMIT=${BENCH_UNREAD_LIMIT:-1000}
UNREAD_CAP=${BENCH_UNREAD_CAP_MIB:-2048}
FAILOVERS=${BENCH_FAILOVERS:-5}
SCALE=${BENCH_SCALE:-1000 10000 100000 1000000}
SCALE_INTAKE=${BENCH_SCALE_INTAKE:-5000}
ROUNDS=${BENCH_SCALE_ROUNDS:-7}
PAIR_PERSONS=${BENCH_SCALE_PAIR_PERSONS:-5000}
WARM=${BENCH_SCALE_WARMUP:-1000}
SQL_PERSONS=${BENCH_SQL_FLOOR_PERSONS:-5000}
ONLY=" ${BENCH_ONLY:-core scale underload unread failover web selfreg} "
WEB_SESSIONS=${BENCH_WEB_SESSIONS:-500}
WEB_CHANGES=${BENCH_WEB_CHANGES:-20}
WEB_LOGINS=${BENCH_WEB_LOGINS:-4}
SELFREG_RATE=${BENCH_SELFREG_RATE:-200}
SELFREG_SECONDS=${BENCH_SELFREG_SECONDS:-20}
SELFREG_SOURCES=${BENCH_SELFREG_SOURCES:-250}
ONLY=${ONLY//,/ }
for s in $ONLY; do
    case $s in core | scale | underload | unread | failover | web | selfreg) ;; *)
        echo "run.sh: BENCH_ONLY: unknown scenario $s (core, scale, underload, unread, failover, web, selfreg)" >&2
        exit 2
        ;;
    esac
done
JOBS=$(nproc 2>/dev/null || echo 2)

say() { echo "# $*"; }
want() { [[ $ONLY == *" $1 "* ]]; }
started=$(date +%s)

# ---- build ----
say "building release binaries in $BUILD (-O2, no sanitizers)"
cmake -S "$SRC/tests/bench" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$JOBS" >"$BUILD/build.log" 2>&1 || {
    tail -n 30 "$BUILD/build.log" >&2
    exit 1
}
MBENCH=$BUILD/mbench
MUSTERD=${BENCH_MUSTERD:-$BUILD/muster/musterd}
MUSTER=$BUILD/muster/muster

# 1,000 watchers and 500 agencies need some 3,000 descriptors on each side.
hard=$(ulimit -Hn)
want=65536
[ "$hard" = unlimited ] || [ "$hard" -ge $want ] || want=$hard
ulimit -n "$want" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((3 * WATCHERS + 2 * AGENCIES)) ]; then
    say "warning: ulimit -n is $(ulimit -n); 1,000 watchers may not connect"
fi

# ---- a fresh daemon ----
T=$(mktemp -d /tmp/muster-bench.XXXXXX)
KEYS=$T/keys
DB=$T/muster.db
LOG=$T/musterd.log
REPORTS=$T/reports
NOTIFY=$T/notify
DAEMON_TOOL=$MBENCH
. "$SRC/tests/tool/daemon_run.sh"
. "$SRC/tests/blackbox/db_lib.sh"
. "$SRC/tests/blackbox/plan_lib.sh"
cleanup() {
    local rc=$?
    daemon_cleanup
    if [ $rc -ne 0 ]; then
        echo "--- musterd log ($LOG) ---" >&2
        tail -n 30 "$LOG" >&2 || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    exit $rc
}
trap cleanup EXIT

# The bench plan: AGENCIES agencies, each paged on its own zmq session and
# supplying every staffing role; a persons section with a few pathways.
# Requirements are 0, so no shift is ever short and no ask for staff pages
# anyone during the pledge storm.
bench_plan() {
    plan_head id=bench name="Benchmark plan" prefix=BENCH lead=ag-0001 level="Major crime" \
        hub="Victim and Witness Hub"
    cat <<'YAML'
paging: {ack_wait: 24h}
staffing:
  horizon: 36h
  ask_lead: 0
  roles:
    - {id: call-handler, name: Call handler}
    - {id: mh-nurse, name: Mental health nurse}
    - {id: isva, name: ISVA}
    - {id: family-liaison, name: Family liaison}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - {level: 1, need: {call-handler: 0, mh-nurse: 0, isva: 0, family-liaison: 0}}
persons:
  home_areas: [cambridge, fenland, peterborough]
  explicit_consent: [bereaved]
  pathways:
    - {id: crisis, name: Crisis team, provider: ag-0002}
    - {id: away, name: Out of area, provider: ag-0001, out_of_area: true}
    - {id: bereavement, name: Bereavement support, provider: ag-0003}
    - {id: trauma, name: Trauma therapy, provider: ag-0002, capacity: 5000, waitlist: true}
    - {id: monitoring, name: Active monitoring, provider: ag-0001}
  rules:
    - {pathway: crisis, urgent: true}
    - {pathway: away, home: out}
    - {pathway: bereavement, categories: [bereaved]}
    - {pathway: trauma, categories: [injured], screen: positive}
    - {pathway: monitoring}
public:
  languages: [en, pl]
  hub_phone: "0800 000 0000"
  url: https://127.0.0.1/p
  max_per_minute: 600
agencies:
YAML
    for i in $(seq 1 "$AGENCIES"); do
        plan_agency id="$(printf 'ag-%04d' "$i")" name="Agency $i" role="Bench agency $i" desk=Desk \
            supplies=call-handler,mh-nurse,isva,family-liaison
    done
}
mkdir -p "$REPORTS"
plan_write bench bench_plan
"$MUSTER" keys init --keys "$KEYS" --plans "$PLANS" >/dev/null
CONTROL=tcp://127.0.0.1:$("$MBENCH" freeport)
FEED=tcp://127.0.0.1:$("$MBENCH" freeport)

# musterd runs with the environment its systemd unit gives it (glibc's
# per-thread cache); BENCH_UNIT_ENV=0 runs it without, for comparison.
WRAP=(/usr/bin/env)
if [ "${BENCH_UNIT_ENV:-1}" = 1 ]; then
    WRAP+=($(sed -n 's/^Environment=\(GLIBC_TUNABLES=.*\)/\1/p' "$SRC/systemd/musterd.service"))
fi
UNIT_ENV=("${WRAP[@]}") # the environment alone (the SQL floor's record and replay)
if [ "${BENCH_SCANS:-0}" = 1 ]; then # every SQL text musterd prepares, for scans.sh
    WRAP+=("LD_PRELOAD=$BUILD/libsqltrace.so" "MUSTER_SQL_TRACE=$T/sql.trace")
fi
start_daemon() { # sets PID, and READY_MS: milliseconds from fork to READY
    daemon_start
}
stop_daemon() { # a daemon too busy to stop within 60 s is reported, then killed
    daemon_stop TERM || {
        fig musterd_stop_timed_out 1 times
        daemon_stop KILL
    }
}
restart_daemon() {
    stop_daemon
    start_daemon
}
m() { "$MUSTER" --keys "$KEYS" --connect "$CONTROL" "$@"; }
rss() { awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
fig() { echo "$1 $2 $3" | tee -a "$T/figures"; }
# musterd's CPU time so far (user + system, all its threads), in ms: what
# a scenario cost the daemon, which a busy machine changes far less than
# the wall-clock figures
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$PID/stat"; }
per() { awk -v a="$1" -v b="$2" -v n="$3" -v k="$4" 'BEGIN {printf "%.1f", (b - a) * k / n}'; }
run() { "$@" | tee -a "$T/figures"; }
persons_of() { persons_count incident="$1"; }
# scale_copy FROM TO: a stopped daemon's database and its audit anchor
scale_copy() {
    rm -f "$2" "$2-wal" "$2-shm" "$2.anchor"
    cp "$1" "$2"
    cp "$1.anchor" "$2.anchor"
    [ ! -e "$1-wal" ] || cp "$1-wal" "$2-wal"
}
rows() { db_rows_total; }
# profiled NAME CMD...: run CMD; with BENCH_PERF=1 musterd ($PID) is
# sampled meanwhile (perf record, DWARF call graphs: the release build has
# no frame pointers), the report in $T/perf-NAME.txt.
profiled() {
    local name=$1 pp rc=0
    shift
    if [ "${BENCH_PERF:-0}" != 1 ]; then
        "$@"
        return
    fi
    perf record -q -F 499 --call-graph dwarf,16384 -p "$PID" -o "$T/perf-$name.data" 2>/dev/null &
    pp=$!
    "$@" || rc=$?
    kill -INT "$pp" && wait "$pp" || true
    perf report -i "$T/perf-$name.data" --no-children --sort dso,symbol --percent-limit 0.5 \
        --stdio -g none 2>/dev/null >"$T/perf-$name.txt" || true
    perf report -i "$T/perf-$name.data" --children --sort symbol --percent-limit 2 \
        --stdio -g none 2>/dev/null >"$T/perf-$name-children.txt" || true
    say "perf: $T/perf-$name.txt"
    return $rc
}

# ---- the core scenarios (BENCH_ONLY=core): one daemon, one growing database ----
if want core; then
    start_daemon
    say "musterd $PID on $CONTROL (control) and $FEED (feed), database $DB"

    # ---- standup fan-out ----
    say "standup fan-out: $AGENCIES listening agencies, $STANDUPS standups (each stood down after)"
    c0=$(cpu_ms)
    profiled standup run "$MBENCH" standup "$CONTROL" "$KEYS" bench ag- "$AGENCIES" "$STANDUPS"
    fig standup_musterd_cpu_per_round "$(per "$c0" "$(cpu_ms)" "$STANDUPS" 1)" ms

    # One incident for the rest: its pages are queued (nobody listens now).
    ref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-MAIN | head -n 1)

    # ---- pledge storm ----
    say "pledge storm: $AGENCIES agencies x $PLEDGES_PER pledges at once on $ref"
    run "$MBENCH" pledge "$CONTROL" "$KEYS" "$ref" ag- "$AGENCIES" "$PLEDGES_PER"

    # ---- feed fan-out ----
    fref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-FEED | head -n 1)
    say "feed fan-out: $WATCHERS watchers (gold and duty keys), $CHANGES person.add on $fref"
    profiled feed run "$MBENCH" feed "$CONTROL" "$FEED" "$KEYS" "$fref" "$WATCHERS" "$CHANGES"

    # ---- durable intake ----
    say "durable intake: $INTAKE_PERSONS person.add over $INTAKE_CLIENTS intake connections," \
        "$INTAKE_WINDOW in flight each, on $ref"
    before=$(rows)
    c0=$(cpu_ms)
    profiled intake run "$MBENCH" intake "$CONTROL" "$KEYS" "$ref" "$INTAKE_CLIENTS" "$INTAKE_WINDOW" "$INTAKE_PERSONS"
    fig intake_musterd_cpu_per_person "$(per "$c0" "$(cpu_ms)" "$INTAKE_PERSONS" 1000)" us
    fig intake_rows_per_person "$(awk -v a="$before" -v b="$(rows)" -v n="$INTAKE_PERSONS" \
        'BEGIN {printf "%.1f", (b - a) / n}')" rows
    stored=$(persons_of "$ref")
    [ "$stored" = "$INTAKE_PERSONS" ] ||
        { echo "mbench: $INTAKE_PERSONS persons acknowledged, $stored stored" >&2; exit 1; }
    say "all $stored acknowledged persons are in the database"
    stop_daemon

    # ---- memory with PERSONS persons and AGENCIES agencies ----
    if [ "$stored" -lt "$PERSONS" ]; then
        say "pre-loading persons $((stored + 1)) to $PERSONS with the sqlite3 CLI" \
            "(tests/bench/preload.sh: copies of the registered ones with all their rows)"
        bash "$SRC/tests/bench/preload.sh" "$DB" "$ref" "$PERSONS"
    fi
    start_daemon
    fig startup_to_ready_at_persons "$READY_MS" ms
    say "musterd restarted with $(persons_of "$ref") persons on $ref"
    say "intake at $PERSONS persons: $AT_PERSONS more person.add on $ref"
    "$MBENCH" intake "$CONTROL" "$KEYS" "$ref" "$INTAKE_CLIENTS" "$INTAKE_WINDOW" "$AT_PERSONS" |
        sed 's/^intake_/intake_at_persons_/' | tee -a "$T/figures"
    fig rss_peak_with_persons "$(rss "$PID" VmHWM)" MiB

    say "feed fan-out again, with $PERSONS persons stored on $ref (the changes on $fref)"
    "$MBENCH" feed "$CONTROL" "$FEED" "$KEYS" "$fref" "$WATCHERS" "$CHANGES" |
        sed 's/^feed_/feed_at_persons_/' | tee -a "$T/figures"
    fig rss_peak_whole_run "$(rss "$PID" VmHWM)" MiB
    stop_daemon

    # ---- start-up with ROWS stored rows ----
    have=$(rows)
    if [ "$have" -lt "$ROWS" ]; then
        say "pre-loading more persons (each with its rows) with the sqlite3 CLI to pass $ROWS rows"
    fi
    while [ "$have" -lt "$ROWS" ]; do # a person leaves 13 rows or so
        bash "$SRC/tests/bench/preload.sh" "$DB" "$ref" $(($(persons_of "$ref") + (ROWS - have + 11) / 12))
        have=$(rows)
    done
    fig stored_persons "$(persons_count)" persons
    fig stored_rows "$have" rows
    fig db_size "$(du -m "$DB" | cut -f1)" MiB
    times=()
    for i in $(seq 1 "$STARTS"); do
        start_daemon
        times+=("$READY_MS")
        rss_start=$(rss "$PID" VmHWM)
        stop_daemon
    done
    fig startup_to_ready_median "$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')" ms
    fig startup_to_ready_max "$(printf '%s\n' "${times[@]}" | sort -n | tail -n 1)" ms
    fig rss_peak_after_start "$rss_start" MiB
    if [ "${BENCH_SCANS:-0}" = 1 ]; then
        say "statements that read a whole table or index, on this database ($T/scans.txt):"
        bash "$SRC/tests/bench/scans.sh" "$DB" "$T/sql.trace" | tee "$T/scans.txt" | sed 's/^/# /'
        fig query_plan_scans "$(awk '/^scans / {print $2}' "$T/scans.txt")" statements
    fi
fi

# ---- scale: intake as the incident grows (BENCH_ONLY=scale) ----
# A database of its own.  The first step's persons are registered through
# musterd; each later step is reached with preload.sh (musterd stopped),
# then musterd is started again (its READY time and, after the timed
# intake, its VmHWM are the figures at that size) and SCALE_INTAKE more
# persons are registered and timed.  A person's cost must not grow with
# the incident: persons/s at the last step over persons/s at the first.
if want scale; then
    DB=$T/scale.db
    start_daemon
    sref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-SCALE | head -n 1)
    first=
    for at in $SCALE; do
        have=$(persons_of "$sref")
        if [ -z "$first" ]; then
            say "scale: registering $at persons through musterd on $sref (not timed)"
            "$MBENCH" intake "$CONTROL" "$KEYS" "$sref" "$INTAKE_CLIENTS" "$INTAKE_WINDOW" "$at" >/dev/null
            first=$at
            stop_daemon # a copy of the database at this size, for the paired rounds
            scale_copy "$DB" "$T/scale-first.db"
            start_daemon
        else
            stop_daemon
            say "scale: pre-loading persons $((have + 1)) to $at on $sref with the sqlite3 CLI"
            bash "$SRC/tests/bench/preload.sh" "$DB" "$sref" "$at"
            start_daemon
        fi
        fig "scale_ready_at_$at" "$READY_MS" ms
        say "scale: $SCALE_INTAKE person.add with $(persons_of "$sref") persons stored"
        before=$(rows)
        c0=$(cpu_ms)
        MBENCH_PERSON_BASE=$(persons_of "$sref") profiled "scale-$at" "$MBENCH" intake "$CONTROL" "$KEYS" "$sref" "$INTAKE_CLIENTS" \
            "$INTAKE_WINDOW" "$SCALE_INTAKE" | sed "s/^intake_/scale_at_${at}_/" | tee -a "$T/figures"
        fig "scale_at_${at}_musterd_cpu_per_person" "$(per "$c0" "$(cpu_ms)" "$SCALE_INTAKE" 1000)" us
        fig "scale_at_${at}_rows_per_person" "$(awk -v a="$before" -v b="$(rows)" -v n="$SCALE_INTAKE" \
            'BEGIN {printf "%.1f", (b - a) / n}')" rows
        fig "scale_rss_peak_at_$at" "$(rss "$PID" VmHWM)" MiB
        last=$at
    done
    fig scale_db_size "$(du -m "$DB" | cut -f1)" MiB
    stop_daemon
    # Paired rounds: the cost at the first and the last size measured
    # alternately, seconds apart, so that a machine busier in one step than
    # in another does not decide the verdict.  Each round starts musterd,
    # registers WARM persons untimed (a new process reads its indexes into
    # its page cache: the start-up is READY's figure, not a person's cost),
    # then times PAIR_PERSONS.  A round at the first size starts from the
    # copy of that database, so it always times persons FIRST + WARM and
    # up; those at the last size go on growing it.  The order alternates
    # (first-last, last-first, ...).
    if [ "$ROUNDS" -gt 0 ] && [ "$last" != "$first" ]; then
        say "scale: $ROUNDS paired rounds of $PAIR_PERSONS person.add, with $first and with" \
            "$last persons stored in turn"
        for r in $(seq 1 "$ROUNDS"); do
            sides="first last"
            [ $((r % 2)) = 1 ] || sides="last first"
            for side in $sides; do
                if [ "$side" = first ]; then
                    scale_copy "$T/scale-first.db" "$T/scale-round.db"
                    DB=$T/scale-round.db
                else
                    DB=$T/scale.db
                fi
                start_daemon # warmed up (its page cache, the plan's) by WARM untimed persons
                MBENCH_PERSON_BASE=$(persons_of "$sref") "$MBENCH" intake "$CONTROL" "$KEYS" "$sref" \
                    "$INTAKE_CLIENTS" "$INTAKE_WINDOW" "$WARM" >/dev/null
                c0=$(cpu_ms)
                MBENCH_PERSON_BASE=$(persons_of "$sref") "$MBENCH" intake "$CONTROL" "$KEYS" "$sref" \
                    "$INTAKE_CLIENTS" "$INTAKE_WINDOW" "$PAIR_PERSONS" >"$T/round.out"
                fig "scale_round_${r}_${side}_persons_per_s" \
                    "$(awk '$1 == "intake_persons_per_s" {print $2}' "$T/round.out")" persons/s
                fig "scale_round_${r}_${side}_musterd_cpu_per_person" \
                    "$(per "$c0" "$(cpu_ms)" "$PAIR_PERSONS" 1000)" us
                stop_daemon
            done
        done
        DB=$T/scale.db
        echo "scale_rounds $ROUNDS rounds" >>"$T/figures"
    fi
    echo "scale_first $first persons" >>"$T/figures"
    echo "scale_last $last persons" >>"$T/figures"
fi

# ---- command under intake load, unread replies: a database of their own ----
# A fresh database and daemon, so that these figures do not depend on what
# ran before and BENCH_ONLY=underload (or unread) gives the same ones.
if want underload || want unread; then
    DB=$T/load.db
    start_daemon
    say "musterd $PID on a fresh database $DB"
fi
if want underload; then
    lref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-LOAD | head -n 1)
    say "command under intake load: Gold stands up and down once a second, duty reads" \
        "status.show and incident.list every 100 ms each (one at a time) and pings every 10 ms" \
        "(not waiting for replies): ${LOAD_IDLE}s alone, then ${LOAD_SECONDS}s while $LOAD_CLIENTS intake connections keep $LOAD_WINDOW" \
        "person.import of $LOAD_ROWS rows in flight each, on $lref"
    run "$MBENCH" underload "$CONTROL" "$KEYS" bench "$lref" "$LOAD_CLIENTS" "$LOAD_WINDOW" \
        "$LOAD_ROWS" "$LOAD_SECONDS" "$LOAD_IDLE"
    fig underload_persons_stored "$(persons_of "$lref")" persons
    fig underload_rss_peak "$(rss "$PID" VmHWM)" MiB
    if want unread; then # a new process, so that VmHWM is the attack's alone
        restart_daemon
    fi
fi
if want unread; then
    uref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-UNREAD | head -n 1)
    say "unread replies: an intake key sends $UNREAD_REQUESTS person.list of $UNREAD_LIMIT persons" \
        "on $uref and never reads a reply; Gold reads every 100 ms (the attacker is closed" \
        "if musterd passes $UNREAD_CAP MiB)"
    run "$MBENCH" unread "$CONTROL" "$KEYS" "$uref" "$PID" "$DB" "$UNREAD_REQUESTS" \
        "$UNREAD_LIMIT" "$UNREAD_CAP"
    fig unread_person_list_audited "$(audit_count principal=intake command=person.list \
        target="$uref persons")" requests
fi
if want underload || want unread; then
    stop_daemon
fi

# ---- failover: kill -9, then the standby on the same database ----
# As Pacemaker would after moving the storage and the address, without its
# detection and fencing time (add those: docs/resilience.md).  A client
# sends its request as the active daemon dies and waits through the
# failover (the client library sends it again once the standby answers).
if want failover; then
    DB=$T/failover.db
    start_daemon
    fref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-FAILOVER | head -n 1)
    say "failover: kill -9 of musterd $PID ($fref climbing), the standby on $DB, $FAILOVERS times"
    times=()
    for i in $(seq 1 "$FAILOVERS"); do
        t0=$(date +%s%3N)
        daemon_stop KILL
        m --timeout 60 incident list --active >/dev/null &
        cpid=$!
        start_daemon
        wait "$cpid"
        times+=($(($(date +%s%3N) - t0)))
    done
    stop_daemon
    fig failover_to_first_reply_median "$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')" ms
    fig failover_to_first_reply_max "$(printf '%s\n' "${times[@]}" | sort -n | tail -n 1)" ms
fi

# ---- web: muster-web's board streams, memory and sign-ins ----
# A fresh musterd with the gateway's key, muster-web in front of it (a
# throw-away certificate, one duty account and WEB_LOGINS more for the
# sign-in storm), driven by tests/bench/web_load.js (Node, no packages).
if want web; then
    DB=$T/web.db
    "$MUSTER" keys add --keys "$KEYS" web >/dev/null 2>&1 || true
    start_daemon
    wref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-WEB | head -n 1)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/tls.key" \
        -out "$T/tls.crt" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    users=()
    add_user() { # NAME ROLE: its password in PW
        PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
        echo "$PW" | "$BUILD/muster/muster-web" users --users "$T/web-users" add "$1" --role "$2" >/dev/null
    }
    add_user bench-board duty
    board_pw=$PW
    for i in $(seq 1 "$WEB_LOGINS"); do
        add_user "bench-duty-$i" duty
        users+=("bench-duty-$i:$PW")
    done
    wport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BUILD/muster/muster-web" serve --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" \
        --users "$T/web-users" --cert "$T/tls.crt" --key "$T/tls.key" --port "$wport" \
        --static "$SRC/clients/web/static" >"$T/web.log" 2>&1 &
    web_pid=$!
    # up to 20 s for it to serve (curl tries again while the port refuses)
    curl -skf -o /dev/null --retry 20 --retry-connrefused --retry-delay 1 \
        "https://127.0.0.1:$wport/login" || { tail -n 20 "$T/web.log" >&2; exit 1; }
    say "web: $WEB_SESSIONS board streams signed in as the duty manager, $WEB_CHANGES changes, $WEB_LOGINS accounts signing in at once"
    WEB_PID=$web_pid run node "$SRC/tests/bench/web_load.js" "https://127.0.0.1:$wport" "$wref" \
        bench-board "$board_pw" "$WEB_SESSIONS" "$WEB_CHANGES" "${users[@]}" ||
        { tail -n 20 "$T/web.log" >&2; exit 1; }
    kill "$web_pid" && wait "$web_pid" 2>/dev/null || true
    stop_daemon
fi

# ---- the public door flooded (BENCH_ONLY=selfreg) ----
# Junk that passes every check of the form (a matured challenge, fields
# within limits) from SOURCES loopback addresses, SELFREG_RATE a second:
# muster-web's limits pass at most 20 a second to musterd, which takes
# them in its lowest class.  Meanwhile the duty manager's board (status.show,
# incident.list) is read every 100 ms and timed in mbench.
if want selfreg; then
    DB=$T/selfreg.db
    "$MUSTER" keys add --keys "$KEYS" web >/dev/null 2>&1 || true
    start_daemon
    sref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-SELFREG | head -n 1)
    m incident publish "$sref" --public-name "Bench incident" --keyword BENCH >/dev/null
    touch "$T/web-users"
    sport=$("$MBENCH" freeport)
    [ -f "$T/tls.crt" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    "$BUILD/muster/muster-web" serve --keys "$KEYS" --connect "$CONTROL" --feed "$FEED" \
        --users "$T/web-users" --cert "$T/tls.crt" --key "$T/tls.key" --port "$sport" \
        --static "$SRC/clients/web/static" --i18n "$SRC/clients/web/i18n" >"$T/selfreg-web.log" 2>&1 &
    sweb=$!
    curl -skf -o /dev/null --retry 20 --retry-connrefused --retry-delay 1 \
        "https://127.0.0.1:$sport/p/" || { tail -n 20 "$T/selfreg-web.log" >&2; exit 1; }
    POST=$SRC/tests/tool/public_post.py
    t=$(python3 "$POST" form "https://127.0.0.1:$sport/p/BENCH")
    for _ in $(seq 1 100); do # the challenge is taken 3 s after the form was served
        [ "$(python3 "$POST" age "$t")" -ge 3 ] && break
        sleep 0.1
    done
    junk="t=$t&name=zzqx+junk&phone=0000000000&safe_to_call=never&home_area=nowhere&language=en&involvement=worried&support=no&consent=yes"
    say "selfreg: $SELFREG_RATE junk submissions/s from $SELFREG_SOURCES addresses for $SELFREG_SECONDS s; the duty board read every 100 ms"
    python3 "$POST" rate "https://127.0.0.1:$sport/p/BENCH" "$junk" "$SELFREG_RATE" "$SELFREG_SECONDS" \
        "$SELFREG_SOURCES" >"$T/selfreg-junk.json" &
    junk_pid=$!
    run "$MBENCH" board "$CONTROL" "$KEYS" "$sref" "$SELFREG_SECONDS" selfreg
    wait "$junk_pid"
    fig selfreg_junk_sent "$(jq '[.[]] | add' "$T/selfreg-junk.json")" submissions
    fig selfreg_junk_taken "$(jq '."200" // 0' "$T/selfreg-junk.json")" submissions
    fig selfreg_junk_refused "$(jq '[to_entries[] | select(.key != "200") | .value] | add // 0' "$T/selfreg-junk.json")" submissions
    fig selfreg_persons_stored "$(persons_of "$sref")" persons
    kill "$sweb" && wait "$sweb" 2>/dev/null || true
    stop_daemon
fi

# ---- the machine's floors ----
if [ "$LIMITS" != none ] && [ ! -f "$LIMITS" ]; then
    say "no floors: $LIMITS not found (set LIMITS=path/to/limits/run)"
elif [ "$LIMITS" != none ]; then
    say "floors: $LIMITS (plain libzmq echo, plain SQLite durable inserts)"
    mkdir -p "$T/limits"
    LIMITS_BUILD=$T/limits bash "$LIMITS" | while read -r name value; do
        fig "limit_$name" "$value" "per_s"
    done
    # The fan-out floor (fanout_floor.c): the standup's and the feed's
    # messages, of the sizes musterd's were in this run, sent by a bare
    # libzmq server with CURVE to as many connections, timed as mbench
    # times musterd's (only with the standup and feed scenarios).
    # A floor that fails is said, and the run goes on to its ratios.
    page_bytes=$(awk '$1 == "standup_page_bytes" {print int($2)}' "$T/figures")
    event_bytes=$(awk '$1 == "feed_event_bytes" {print int($2)}' "$T/figures")
    if [ "${page_bytes:-0}" -ge 4 ] && [ "${event_bytes:-0}" -ge 4 ]; then
        say "fan-out floor: $page_bytes bytes to $AGENCIES DEALERs, $event_bytes to $WATCHERS SUBs, CURVE, no work"
        for mode in "router $AGENCIES $STANDUPS $page_bytes" "pub $WATCHERS $CHANGES $event_bytes"; do
            if "$BUILD/fanout_floor" $mode >"$T/fanout.out"; then
                sed 's/^/limit_/' "$T/fanout.out" | tee -a "$T/figures"
            else
                say "fan-out floor ($mode) failed: no figure"
            fi
        done
    fi
    # The SQL floor (only with durable intake): musterd's own statements
    # for WARM + SQL_PERSONS registrations, recorded on a fresh database
    # (sqlrecord.c, LD_PRELOAD) and replayed alone on another
    # (sqlreplay.c: the same statements, values, savepoints and commits,
    # no ZeroMQ, CURVE, JSON or routing), the last SQL_PERSONS timed; the
    # median of 3 replays.
    if grep -q '^intake_persons_per_s ' "$T/figures"; then
        say "SQL floor: $((WARM + SQL_PERSONS)) registrations recorded, the last $SQL_PERSONS replayed alone"
        DB=$T/sqlfloor.db
        saved=("${WRAP[@]}") # (without BENCH_SCANS's shim: one LD_PRELOAD at a time)
        WRAP=("${UNIT_ENV[@]}" "LD_PRELOAD=$BUILD/libsqlrecord.so" "MUSTER_SQL_RECORD=$T/sqlrecord")
        start_daemon
        qref=$(m incident standup --plan bench --level 1 --exercise --operation BENCH-SQL | head -n 1)
        "$MBENCH" intake "$CONTROL" "$KEYS" "$qref" "$INTAKE_CLIENTS" "$INTAKE_WINDOW" \
            "$((WARM + SQL_PERSONS))" >/dev/null
        recorded=$T/sqlrecord.$PID
        stop_daemon
        WRAP=("${saved[@]}")
        replays=0
        for i in 1 2 3; do
            rm -f "$T/replay.db" "$T/replay.db-wal" "$T/replay.db-shm"
            if "${UNIT_ENV[@]}" "$BUILD/sqlreplay" "$T/replay.db" "$WARM" "$recorded" >"$T/replay.$i"; then
                replays=$((replays + 1))
            else
                say "SQL floor: replay $i failed (see $T/replay.$i): no figure"
                break
            fi
        done
        if [ "$replays" = 3 ]; then
            fig limit_sql_alone_persons_per_s "$(cat "$T"/replay.[123] |
                awk '$1 == "sql_alone_persons_per_s" {print $2}' | sort -n | sed -n 2p)" persons/s
            fig limit_sql_alone_persons_per_commit "$(awk '$1 == "sql_alone_persons_per_commit" {print $2}' \
                "$T/replay.1")" persons
        fi
        if [ "$replays" = 3 ] && [ "${BENCH_SQL_PROFILE:-0}" = 1 ]; then
            rm -f "$T/replay.db" "$T/replay.db-wal" "$T/replay.db-shm"
            say "SQL floor, statement by statement (µs and calls a person, timed, so slower):"
            "${UNIT_ENV[@]}" SQLREPLAY_PROFILE=1 "$BUILD/sqlreplay" "$T/replay.db" "$WARM" "$recorded" \
                2>"$T/sql_profile" >/dev/null || say "SQL floor: the profiled replay failed"
            sed -n 's/^sql_profile /# sql_profile /p' "$T/sql_profile"
        fi
        rm -f "$recorded" "$T"/replay.db*
    fi
fi

# ---- ratios and targets ----
# Only for the scenarios that ran (BENCH_ONLY) and the floors measured.
awk -v persons="$PERSONS" -v agencies="$AGENCIES" -v watchers="$WATCHERS" \
    -v load_clients="$LOAD_CLIENTS" -v unread_requests="$UNREAD_REQUESTS" -v scale_steps="$SCALE" '
    { v[$1] = $2 }
    function ratio(name, value, unit, meaning) {
        printf "# %s\n%s %.4g %s\n", meaning, name, value, unit
    }
    function target(what, ok, detail) {
        printf "target %s %s (%s)\n", what, ok ? "met" : "MISSED", detail
    }
    function median(a, n,    i, j, t, b) { # of a[1..n]
        for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && b[j - 1] > b[j]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t }
        return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
    }
    END {
        sql = v["limit_sqlite_rows_per_s_batch256"]; echo = v["limit_zmq_echo_rps"]
        curve = v["limit_zmq_curve_echo_rps"]
        lock = v["limit_zmq_lockstep_rps"]
        rtt = lock > 0 ? 1000 / lock : 0
        core = "standup_fanout_p50" in v; load = "underload_standup_p99" in v
        unread = "unread_rss_peak" in v
        scale = "scale_first" in v && "scale_last" in v
        first_k = "scale_at_" v["scale_first"] "_persons_per_s"; last_k = "scale_at_" v["scale_last"] "_persons_per_s"
        if (sql > 0 && core) {
            ratio("ratio_intake_vs_sqlite_batch256", v["intake_persons_per_s"] / sql, "x",
                  "durable intake: persons/s committed by musterd / plain SQLite rows/s in transactions of 256 (1 = as fast as bare inserts)")
            ratio("ratio_intake_first_tenth_vs_sqlite_batch256", v["intake_persons_per_s_first_tenth"] / sql, "x",
                  "the same over the first tenth of the persons (a smaller incident)")
            ratio("ratio_intake_rows_vs_sqlite_batch256", v["intake_persons_per_s"] * v["intake_rows_per_person"] / sql, "x",
                  "durable intake counted in rows: persons/s x rows stored per person / plain SQLite rows/s in transactions of 256")
            ratio("ratio_pledges_vs_sqlite_batch256", v["pledge_per_s"] / sql, "x",
                  "pledge storm: pledges/s / plain SQLite rows/s in transactions of 256")
        }
        if (echo > 0 && core)
            ratio("ratio_intake_vs_zmq_echo", v["intake_persons_per_s"] / echo, "x",
                  "durable intake: persons/s / plain libzmq echo round trips/s (4 clients x 64 in flight, no CURVE, no work)")
        if (rtt > 0 && core) {
            ratio("ratio_standup_fanout_p50_vs_zmq_round_trip", v["standup_fanout_p50"] / rtt, "round_trips",
                  sprintf("standup fan-out p50 to %d agencies, in plain libzmq lockstep round trips (%.3f ms each)", agencies, rtt))
            ratio("ratio_standup_fanout_p50_per_agency_vs_zmq_round_trip", v["standup_fanout_p50"] / agencies / rtt, "round_trips",
                  "the same per agency paged (under 1: the pages go out faster than one-at-a-time round trips)")
            ratio("ratio_feed_p99_vs_zmq_round_trip", v["feed_last_watcher_p99"] / rtt, "round_trips",
                  sprintf("feed p99 to the last of %d watchers, in plain libzmq lockstep round trips", watchers))
        }
        alone = v["limit_sql_alone_persons_per_s"]
        if (core && alone > 0) {
            ratio("ratio_sql_alone_rows_vs_sqlite_batch256", alone * v["intake_rows_per_person"] / sql, "x",
                  "the SQL floor: the statements musterd steps for a registration, replayed with nothing else, in rows / plain SQLite rows/s in transactions of 256")
            ratio("ratio_intake_vs_sql_alone", v["intake_persons_per_s"] / alone, "x",
                  "durable intake / its own statements replayed alone (1 = all of musterd time is its statements)")
        }
        fr = "limit_fanout_floor_router_" agencies "_p50"; fp = "limit_fanout_floor_pub_" watchers "_p99"
        if (core && v[fr] > 0)
            ratio("ratio_standup_fanout_p50_vs_fanout_floor", v["standup_fanout_p50"] / v[fr], "x",
                  sprintf("standup fan-out p50 / the same %d messages sent by a bare libzmq ROUTER with CURVE (1 = musterd adds nothing)", agencies))
        if (core && v[fp] > 0)
            ratio("ratio_feed_p99_vs_fanout_floor", v["feed_last_watcher_p99"] / v[fp], "x",
                  sprintf("feed p99 / one event published to %d CURVE watchers by a bare libzmq PUB (musterd also registers the person first)", watchers))
        if (sql > 0 && load)
            ratio("ratio_underload_import_vs_sqlite_batch256", v["underload_import_persons_per_s"] / sql, "x",
                  "intake by person.import while Gold and duty work: persons/s / plain SQLite rows/s in transactions of 256")
        if (rtt > 0 && load) {
            ratio("ratio_underload_standup_p99_vs_zmq_round_trip", v["underload_standup_p99"] / rtt, "round_trips",
                  sprintf("Gold standup p99 under intake load, in plain libzmq lockstep round trips (%.3f ms each)", rtt))
            ratio("ratio_underload_duty_read_p99_vs_zmq_round_trip", v["underload_duty_read_p99"] / rtt, "round_trips",
                  "duty read (status.show, incident.list) p99 under intake load, in the same round trips")
            ratio("ratio_underload_ping_max_vs_zmq_round_trip", v["underload_ping_max"] / rtt, "round_trips",
                  "the slowest session.whoami under intake load (the longest the loop was away), in the same round trips")
        }
        if (load && v["idle_standup_p99"] > 0) {
            ratio("ratio_underload_standup_p99_vs_idle", v["underload_standup_p99"] / v["idle_standup_p99"], "x",
                  "Gold standup p99 under intake load / the same with no intake")
            ratio("ratio_underload_duty_read_p99_vs_idle", v["underload_duty_read_p99"] / v["idle_duty_read_p99"], "x",
                  "duty read p99 under intake load / the same with no intake")
        }
        if (unread && v["unread_replies_total"] > 0)
            ratio("ratio_unread_rss_growth_vs_replies", (v["unread_rss_peak"] - v["unread_rss_before"]) / v["unread_replies_total"], "x",
                  "unread replies: musterd RSS growth / the bytes of every reply it was asked for (1 = it holds them all)")
        if (scale) {
            n = split(scale_steps, at, " ")
            for (i = 1; i <= n; i++) {
                k = "scale_at_" at[i] "_persons_per_s"
                if (!(k in v)) continue
                if (sql > 0) {
                    ratio("ratio_scale_at_" at[i] "_vs_sqlite_batch256", v[k] / sql, "x",
                          sprintf("intake with %d persons stored: persons/s / plain SQLite rows/s in transactions of 256", at[i]))
                    ratio("ratio_scale_at_" at[i] "_rows_vs_sqlite_batch256", v[k] * v["scale_at_" at[i] "_rows_per_person"] / sql, "x",
                          "the same in rows")
                }
                if (rtt > 0)
                    ratio("ratio_scale_at_" at[i] "_p99_vs_zmq_round_trip", v["scale_at_" at[i] "_latency_p99"] / rtt, "round_trips",
                          "its latency p99 in plain libzmq lockstep round trips")
                ratio("ratio_scale_cost_at_" at[i] "_vs_first", v[first_k] / v[k], "x",
                      sprintf("cost of a person with %d persons stored / with %d stored (1 = the same)", at[i], v["scale_first"]))
                c = "scale_at_" at[i] "_musterd_cpu_per_person"; c1 = "scale_at_" v["scale_first"] "_musterd_cpu_per_person"
                if (v[c1] > 0)
                    ratio("ratio_scale_cpu_at_" at[i] "_vs_first", v[c] / v[c1], "x",
                          "the same in musterd CPU time per person (less disturbed by a busy machine)")
            }
            rounds = v["scale_rounds"] + 0
            for (r = 1; r <= rounds; r++) {
                f = v["scale_round_" r "_first_persons_per_s"]; l = v["scale_round_" r "_last_persons_per_s"]
                fc = v["scale_round_" r "_first_musterd_cpu_per_person"]; lc = v["scale_round_" r "_last_musterd_cpu_per_person"]
                pc[r] = l > 0 ? f / l : 99; cc[r] = fc > 0 ? lc / fc : 99
                ratio("ratio_scale_round_" r "_cost", pc[r], "x",
                      sprintf("paired round %d: persons/s with %d stored / with %d stored (%s / %s; musterd CPU a person %s / %s us)",
                              r, v["scale_first"], v["scale_last"], f, l, fc, lc))
            }
            if (rounds > 0) {
                paired = median(pc, rounds); paired_cpu = median(cc, rounds)
                ratio("ratio_scale_paired_cost", paired, "x",
                      sprintf("the median of the %d paired rounds: the cost of a person with %d stored / with %d stored", rounds, v["scale_last"], v["scale_first"]))
                ratio("ratio_scale_paired_cpu", paired_cpu, "x", "the same in musterd CPU time per person")
            }
        }
        print "# targets"
        if (sql > 0 && core) {
            rows_s = v["intake_persons_per_s"] * v["intake_rows_per_person"]
            alone = v["limit_sql_alone_persons_per_s"]
            target("intake_rows>=0.35xsqlite_batch256", rows_s >= 0.35 * sql,
                   sprintf("%.0f persons/s x %s rows = %.0f rows/s = %.3fx, vs %.0f rows/s needed (%.0f persons/s over the first tenth)%s",
                           v["intake_persons_per_s"], v["intake_rows_per_person"], rows_s, rows_s / sql,
                           0.35 * sql, v["intake_persons_per_s_first_tenth"],
                           alone > 0 ? sprintf("; its own statements replayed alone: %.0f persons/s = %.3fx", alone,
                                               alone * v["intake_rows_per_person"] / sql) : ""))
        }
        if (curve > 0 && core) {
            need = 3 * agencies * 1000 / curve
            fr = "limit_fanout_floor_router_" agencies "_p50"; fp = "limit_fanout_floor_pub_" watchers "_p99"
            target("standup_p50<=3x(agencies/zmq_curve_echo_rps)", v["standup_fanout_p50"] <= need,
                   sprintf("%s ms to %d agencies vs %.1f ms allowed (%.0f CURVE echoes/s)%s",
                           v["standup_fanout_p50"], agencies, need, curve,
                           v[fr] > 0 ? sprintf("; the bare transport alone took %s ms (fan-out floor p50)", v[fr]) : ""))
            need = 2 * watchers * 1000 / curve
            target("feed_p99<=2x(watchers/zmq_curve_echo_rps)", v["feed_last_watcher_p99"] <= need,
                   sprintf("%s ms to %d watchers vs %.1f ms allowed; %s ms with %d persons stored%s",
                           v["feed_last_watcher_p99"], watchers, need, v["feed_at_persons_last_watcher_p99"], persons,
                           v[fp] > 0 ? sprintf("; the bare transport alone took %s ms (fan-out floor p99)", v[fp]) : ""))
        }
        if (core) {
            target("rss<=32MiB", v["rss_peak_with_persons"] <= 32,
                   sprintf("peak %s MiB with %d persons and %d agencies", v["rss_peak_with_persons"], persons, agencies))
            target("ready<=1s", v["startup_to_ready_median"] + 0 <= 1000,
                   sprintf("%s ms with %s rows", v["startup_to_ready_median"], v["stored_rows"]))
        }
        if (load) {
            target("underload_standup_p99<=100ms", v["underload_standup_p99"] <= 100 && v["underload_users_unanswered"] == 0,
                   sprintf("%s ms, max %s ms (%s ms with no intake) while %d intake clients imported %s persons/s; %s requests of Gold and duty unanswered after 10 s",
                           v["underload_standup_p99"], v["underload_standup_max"], v["idle_standup_p99"], load_clients,
                           v["underload_import_persons_per_s"], v["underload_users_unanswered"]))
            target("underload_duty_read_p99<=100ms", v["underload_duty_read_p99"] <= 100 && v["underload_users_unanswered"] == 0,
                   sprintf("%s ms (status.show %s, incident.list %s), max %s ms (%s ms with no intake); ping max %s ms, longest silence between ping replies %s ms",
                           v["underload_duty_read_p99"], v["underload_status_show_p99"], v["underload_incident_list_p99"],
                           v["underload_duty_read_max"], v["idle_duty_read_p99"], v["underload_ping_max"], v["underload_ping_reply_gap_max"]))
        }
        if (unread) {
            target("unread_rss<=64MiB", v["unread_rss_peak_after"] <= 64 && v["unread_capped"] == 0,
                   sprintf("peak %s MiB during, %s MiB with the attacker gone (%s MiB before); %s of %d person.list executed, %s MiB of replies unread%s",
                           v["unread_rss_peak"], v["unread_rss_after_disconnect"], v["unread_rss_before"],
                           v["unread_requests_executed"], unread_requests, v["unread_replies_total"],
                           v["unread_capped"] ? "; attacker closed at the RSS cap" : ""))
            target("unread_gold_answered", v["unread_gold_unanswered"] == 0,
                   sprintf("%s of Gold reads unanswered after 10 s during the attack; p99 %s ms, max %s ms",
                           v["unread_gold_unanswered"], v["unread_gold_read_p99"], v["unread_gold_read_max"]))
        }
        if ("selfreg_duty_read_p99" in v)
            target("selfreg_duty_read_p99<=100ms", v["selfreg_duty_read_p99"] <= 100 && v["selfreg_duty_unanswered"] == 0,
                   sprintf("the duty board p99 %s ms (p50 %s, max %s) while %s junk submissions were posted, %s refused by muster-web, %s taken",
                           v["selfreg_duty_read_p99"], v["selfreg_duty_read_p50"], v["selfreg_duty_read_max"],
                           v["selfreg_junk_sent"], v["selfreg_junk_refused"], v["selfreg_junk_taken"]))
        if ("web_sse_change_p99" in v) {
            target("web_sse_p99<=100ms", v["web_sse_change_p99"] <= 100,
                   sprintf("%s ms (p50 %s, max %s) from the request to the last of %s board streams",
                           v["web_sse_change_p99"], v["web_sse_change_p50"], v["web_sse_change_max"], v["web_sse_sessions"]))
            target("web_rss<=64MiB", v["web_rss_with_sessions_peak"] <= 64,
                   sprintf("muster-web peak %s MiB with %s streams open (%s MiB after the sign-ins)",
                           v["web_rss_with_sessions_peak"], v["web_sse_sessions"], v["web_rss_after_logins_peak"]))
            target("web_login_p99<=1s", v["web_login_p99"] <= 1000,
                   sprintf("%s ms (p50 %s) with %s accounts signing in at once; others'"'"' reads p99 %s ms meanwhile",
                           v["web_login_p99"], v["web_login_p50"], v["web_login_concurrent"], v["web_read_during_logins_p99"]))
        }
        if (scale) {
            L = v["scale_last"]
            step = sprintf("the steps alone: %s persons/s with %d stored, %s with %d, %.2fx; p99 %s ms vs %s ms; musterd CPU %s us vs %s us per person",
                           v[last_k], L, v[first_k], v["scale_first"], v[last_k] > 0 ? v[first_k] / v[last_k] : 0,
                           v["scale_at_" L "_latency_p99"], v["scale_at_" v["scale_first"] "_latency_p99"],
                           v["scale_at_" L "_musterd_cpu_per_person"], v["scale_at_" v["scale_first"] "_musterd_cpu_per_person"])
            if (rounds > 0)
                target("scale_cost<=1.15x", paired <= 1.15,
                       sprintf("a person costs %.2fx with %d stored as with %d, the median of %d paired rounds (CPU %.2fx); %s",
                               paired, L, v["scale_first"], rounds, paired_cpu, step))
            else
                target("scale_cost<=1.15x", v[last_k] > 0 && v[first_k] / v[last_k] <= 1.15, step)
            target("scale_rss<=32MiB", v["scale_rss_peak_at_" L] <= 32,
                   sprintf("peak %s MiB with %d persons stored", v["scale_rss_peak_at_" L], L))
            target("scale_ready<=1s", v["scale_ready_at_" L] <= 1000,
                   sprintf("%s ms to READY with %d persons stored", v["scale_ready_at_" L], L))
        }
        if ("failover_to_first_reply_median" in v)
            target("failover<=2s", v["failover_to_first_reply_max"] <= 2000,
                   sprintf("kill -9 to a waiting client'"'"'s reply from the standby: median %s ms, max %s ms (plus the cluster'"'"'s detection time)",
                           v["failover_to_first_reply_median"], v["failover_to_first_reply_max"]))
    }' "$T/figures"
say "bench finished in $(($(date +%s) - started)) s"
