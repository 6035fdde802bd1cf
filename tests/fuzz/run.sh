#!/usr/bin/env bash
# tests/fuzz/run.sh - build and run the libFuzzer targets of tests/fuzz/.
#
#   run.sh short [WORKDIR]
#       Build the targets with clang into WORKDIR (default: a new
#       temporary directory), run each for FUZZ_SECONDS (default 20) on a
#       copy of its seed corpus, and fail if any finds a crash, a leak, a
#       timeout or undefined behaviour.  This is CTest's fuzz_short.
#   run.sh long [SECONDS] [TARGET...]
#       Build into build/fuzz-long, run each TARGET (default: all of them,
#       one after the other) for SECONDS (default 600) with -jobs=1, print
#       executions, coverage and corpus size, and merge the inputs that add
#       coverage into tests/fuzz/corpus/TARGET/.  A crash is copied to
#       tests/fuzz/crashes/.  Set NO_MERGE=1 to leave the corpus alone.
#   run.sh build BINDIR
#       Only build the targets into BINDIR.
#   run.sh exec BINARY TARGET SECONDS WORKDIR
#       Run one already-built target (CMake's clang build uses this).
#
# TARGET is proto, plan, csv, cap, cap_sig, pfif, edxl_rm or edxl_sitrep
# (built from common/proto.c with common/jtext.c and jtext_load.c, every common/plan*.c with
# common/person_fields.c and common/cap_cert.c (and libsodium: a plan's
# digest), common/csv.c, common/cap.c,
# common/pfif.c, common/edxl_rm.c or common/edxl_sitrep.c with
# common/xml.c and xml_json.c, common/cap_sig.c with common/xml.c and
# libxmlsec1).  Environment: FUZZ_CC (default clang),
# FUZZ_SECONDS (short mode), FUZZ_SEED (short and exec modes, default 1),
# FUZZ_TIMEOUT (seconds one input may take, default 5).  Exit status: 0 clean, 1 a finding or a build failure,
# 77 clang missing (CTest reports the test as skipped).
set -u

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FUZZ_DIR/../.." && pwd)
TARGETS=(proto plan csv cap cap_sig pfif edxl_rm edxl_sitrep)
CC=${FUZZ_CC:-clang}
TIMEOUT=${FUZZ_TIMEOUT:-5}
# The short run is a regression check, not a search: with a fixed seed it
# makes the same inputs in the same order on every run (a slower machine
# makes fewer of them), so `make test` fails only when the code changed.
# Searching is the long run's work (a random seed each time).
SEED=${FUZZ_SEED:-1}

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

die() { echo "run.sh: $*" >&2; exit 1; }

# The sources, dictionary and input size limit of each target.
sources() {
    case $1 in
    proto) echo "$ROOT/common/proto.c" "$ROOT/common/jtext.c" "$ROOT/common/jtext_load.c" ;;
    plan) echo "$ROOT"/common/plan*.c "$ROOT/common/person_fields.c" "$ROOT/common/cap_cert.c" ;;
    csv) echo "$ROOT/common/csv.c" ;;
    cap) echo "$ROOT/common/cap.c" "$ROOT/common/xml.c" "$ROOT/common/xml_json.c" ;;
    cap_sig) echo "$ROOT/common/cap_sig.c" "$ROOT/common/cap_cert.c" "$ROOT/common/xml.c" ;;
    pfif) echo "$ROOT/common/pfif.c" "$ROOT/common/xml.c" "$ROOT/common/xml_json.c" ;;
    edxl_rm) echo "$ROOT/common/edxl_rm.c" "$ROOT/common/xml.c" "$ROOT/common/xml_json.c" ;;
    edxl_sitrep) echo "$ROOT/common/edxl_sitrep.c" "$ROOT/common/xml.c" "$ROOT/common/xml_json.c" ;;
    *) die "unknown target $1 (proto, plan, csv, cap, cap_sig, pfif, edxl_rm or edxl_sitrep)" ;;
    esac
}
dict() {
    case $1 in
    proto) echo "$FUZZ_DIR/json.dict" ;;
    plan) echo "$FUZZ_DIR/yaml.dict" ;;
    csv) echo "$FUZZ_DIR/csv.dict" ;;
    cap | cap_sig | pfif | edxl_rm | edxl_sitrep) echo "$FUZZ_DIR/xml.dict" ;;
    esac
}
max_len() {
    case $1 in
    proto) echo 16384 ;;  # deep nesting and long strings fit
    plan) echo 65536 ;;   # the largest plan is 19 KB; the huge-scalar seed 60 KB
    csv) echo 131072 ;;   # past CSV_MAX_RECORD (64 KiB)
    cap | cap_sig | pfif | edxl_rm | edxl_sitrep) echo 270000 ;; # past XML_MAX_BYTES (256 KiB)
    esac
}

build() { # BINDIR
    local bindir=$1 t
    command -v "$CC" >/dev/null 2>&1 || {
        echo "run.sh: $CC not found (apt-get install clang); fuzzing skipped" >&2
        exit 77
    }
    command -v pkg-config >/dev/null 2>&1 || die "pkg-config not found"
    local libs
    libs=$(pkg-config --cflags --libs yaml-0.1 jansson libxml-2.0 xmlsec1-openssl libsodium) ||
        die "yaml-0.1, jansson, libxml-2.0, xmlsec1-openssl or libsodium missing"
    mkdir -p "$bindir"
    for t in "${TARGETS[@]}"; do
        echo "run.sh: building fuzz_$t"
        # shellcheck disable=SC2046,SC2086
        "$CC" -g -O1 -fno-omit-frame-pointer -std=c17 -D_GNU_SOURCE -Wall -Wextra \
            -Wno-unused-parameter -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=all -I"$ROOT/common" \
            -DSTANDARDS_DIR="\"$ROOT/docs/standards\"" \
            "$FUZZ_DIR/fuzz_$t.c" $(sources "$t") $libs -o "$bindir/fuzz_$t" ||
            die "building fuzz_$t failed"
    done
}

# Fill DIR with the seed corpus of a target.
seed_corpus() { # TARGET DIR
    mkdir -p "$2"
    cp "$FUZZ_DIR/corpus/$1/"* "$2/" 2>/dev/null
    case $1 in
    cap | cap_sig | pfif | edxl_rm | edxl_sitrep)
        # every good and hostile file of the format's tests/ directory
        local x dir=${1%_sig}
        [ "$1" != edxl_sitrep ] || dir=sitrep
        for x in "$ROOT"/tests/$dir/*/*.xml; do
            cp "$x" "$2/$1-file-$(basename "$(dirname "$x")")-$(basename "$x")"
        done
        ;;
    esac
    if [ "$1" = plan ]; then
        local f
        for f in "$ROOT"/plans/*.yaml "$ROOT"/tests/plans/*.yaml; do
            [ -f "$f" ] && cp "$f" "$2/plan-file-$(basename "$(dirname "$f")")-$(basename "$f")"
        done
    fi
}

# The figures of a finished run, from its log.
summary() { # TARGET LOG
    local done_line execs
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$2" | tail -1)
    [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]' "$2" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$2" | tail -1)
    echo "fuzz_$1: executions=${execs:-?} | ${done_line:-no final line}"
}

# Copy libFuzzer's crash-/leak-/timeout-/oom- files of a run to DEST.
keep_artifacts() { # ARTDIR DEST TARGET
    local f found=1
    for f in "$1"/crash-* "$1"/leak-* "$1"/timeout-* "$1"/oom-* "$1"/slow-unit-*; do
        [ -f "$f" ] || continue
        mkdir -p "$2"
        cp "$f" "$2/$3-$(basename "$f")"
        echo "run.sh: fuzz_$3 finding kept as $2/$3-$(basename "$f")" >&2
        found=0
    done
    return $found
}

# Run one target: BINARY TARGET SECONDS WORKDIR [extra libFuzzer flags...]
run_one() {
    local bin=$1 t=$2 secs=$3 work=$4
    shift 4
    local corpus=$work/corpus-$t art=$work/artifacts-$t log=$work/fuzz_$t.log
    rm -rf "$corpus" "$art"
    mkdir -p "$art"
    seed_corpus "$t" "$corpus"
    echo "run.sh: fuzz_$t for ${secs}s on $(find "$corpus" -type f | wc -l) seeds (log $log)"
    "$bin" -max_total_time="$secs" -timeout="$TIMEOUT" -max_len="$(max_len "$t")" \
        -dict="$(dict "$t")" -artifact_prefix="$art/" -print_final_stats=1 "$@" \
        "$corpus" >"$log" 2>&1
    local rc=$?
    summary "$t" "$log"
    if [ $rc -ne 0 ] || keep_artifacts "$art" "$work/findings" "$t"; then
        echo "run.sh: fuzz_$t FAILED (exit $rc); the end of its log:" >&2
        tail -60 "$log" >&2
        return 1
    fi
    return 0
}

mode=${1:-short}
shift || true
case $mode in
build)
    [ $# -ge 1 ] || die "usage: run.sh build BINDIR"
    build "$1"
    ;;
exec)
    [ $# -ge 4 ] || die "usage: run.sh exec BINARY TARGET SECONDS WORKDIR"
    mkdir -p "$4"
    run_one "$1" "$2" "$3" "$4" -seed="$SEED" || exit 1
    ;;
short)
    work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/muster-fuzz.XXXXXX")}
    mkdir -p "$work"
    build "$work/bin"
    failed=0
    for t in "${TARGETS[@]}"; do
        run_one "$work/bin/fuzz_$t" "$t" "${FUZZ_SECONDS:-20}" "$work" -seed="$SEED" || failed=1
    done
    [ $failed -eq 0 ] || { echo "run.sh: findings are in $work/findings" >&2; exit 1; }
    echo "run.sh: no findings"
    ;;
long)
    secs=600
    if [ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]]; then secs=$1; shift; fi
    [ $# -ge 1 ] && set_targets=("$@") || set_targets=("${TARGETS[@]}")
    work=$ROOT/build/fuzz-long
    mkdir -p "$work"
    build "$work/bin"
    failed=0
    for t in "${set_targets[@]}"; do
        sources "$t" >/dev/null
        jobdir=$work/job-$t
        rm -rf "$jobdir"
        mkdir -p "$jobdir"
        # -jobs=1 runs one worker whose output goes to fuzz-0.log in the cwd.
        (cd "$jobdir" && run_one "$work/bin/fuzz_$t" "$t" "$secs" "$jobdir" -jobs=1 -workers=1)
        rc=$?
        if [ $rc -ne 0 ] || keep_artifacts "$jobdir" "$FUZZ_DIR/crashes" "$t" ||
            keep_artifacts "$jobdir/artifacts-$t" "$FUZZ_DIR/crashes" "$t"; then
            [ -f "$jobdir/fuzz-0.log" ] && tail -80 "$jobdir/fuzz-0.log" >&2
            failed=1
        fi
        echo "run.sh: fuzz_$t corpus directory after the run: $(find "$jobdir/corpus-$t" -type f | wc -l) files" \
            "(libFuzzer keeps replaced inputs there; corp: above is the live corpus)"
        if [ "${NO_MERGE:-0}" != 1 ]; then
            # Keep the seeds, add only the found inputs that add coverage.
            merged=$work/merged-$t
            rm -rf "$merged"
            seed_corpus "$t" "$merged"
            before=$(find "$merged" -type f | wc -l)
            # -use_counters=0: an input is kept for new edges, not for new
            # hit counts of known ones, which keeps the corpus to tens of files.
            # Strict (FUZZ_PROTO_TOLERATE_NULL_REPLY unset): an input that
            # crashes is left out of the corpus, its file kept in $work.
            env -u FUZZ_PROTO_TOLERATE_NULL_REPLY "$work/bin/fuzz_$t" -merge=1 -use_counters=0 \
                -timeout="$TIMEOUT" -max_len="$(max_len "$t")" -artifact_prefix="$work/merge-$t-" \
                "$merged" "$jobdir/corpus-$t" >"$work/merge-$t.log" 2>&1 ||
                { tail -20 "$work/merge-$t.log" >&2; die "merging fuzz_$t failed"; }
            added=0
            mkdir -p "$FUZZ_DIR/corpus/$t"
            for f in "$merged"/*; do
                # seeds, and the sample files seed_corpus copies in at run time
                case $(basename "$f") in seed-* | *-file-*) continue ;; esac
                [ -e "$FUZZ_DIR/corpus/$t/$(basename "$f")" ] && continue
                cp "$f" "$FUZZ_DIR/corpus/$t/" && added=$((added + 1))
            done
            echo "run.sh: fuzz_$t merged: $added new inputs that reach new edges over the $before seeds" \
                "-> tests/fuzz/corpus/$t ($(find "$FUZZ_DIR/corpus/$t" -type f | wc -l) files)"
        fi
    done
    exit $failed
    ;;
*)
    die "usage: run.sh short [WORKDIR] | long [SECONDS] [TARGET...] | build BINDIR | exec BINARY TARGET SECONDS WORKDIR"
    ;;
esac
