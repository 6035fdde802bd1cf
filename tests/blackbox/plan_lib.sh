# tests/blackbox/plan_lib.sh - plan fixtures for the black-box tests (and
# the bench's run.sh): a plan written into $T/plans and checked with
# `musterd --check-plan` before any daemon reads it, or a sample plan from
# plans/ copied and edited.  The keys every fixture repeats (the plan's
# head, an agency and its contacts) are written here from NAME=VALUE words,
# so that a change of the plan format touches this file; what a test is
# about (a paging, staffing or persons section) stays YAML in the test.
# Needs T, SRC and MUSTERD.

# plan_write NAME [CMD ARGS...]: the plan CMD prints (without CMD, the
# plan on stdin) becomes $T/plans/NAME.yaml, checked; PLANS=$T/plans.
plan_write() {
    local name=$1
    shift
    mkdir -p "$T/plans"
    if [ $# -gt 0 ]; then "$@"; else cat; fi >"$T/plans/$name.yaml"
    plan_check "$name"
}

# plan_check NAME: $T/plans/NAME.yaml must pass musterd --check-plan;
# PLANS=$T/plans.
plan_check() {
    "$MUSTERD" --check-plan "$T/plans/$1.yaml" >/dev/null ||
        { echo "plan fixture $T/plans/$1.yaml refused (above)" >&2 && return 1; }
    PLANS=$T/plans
}

# plan_public_sender: the sample plan cambridgeshire (plan_sample) with
# its public sender a script that keeps each message it is given in
# $T/sent/PID.msg (the contact on the first line, then the text), as the
# public door's one-time links are sent.
plan_public_sender() {
    mkdir -p "$T/sent"
    cat >"$T/sender.sh" <<EOF
#!/bin/sh
# the public sender: the contact as its argument, the message on stdin
f=$T/sent/\$\$
{ printf '%s\n' "\$1"; cat; } >"\$f.tmp" && mv "\$f.tmp" "\$f.msg"
EOF
    chmod +x "$T/sender.sh"
    plan_sample cambridgeshire "s|^  sender: page-sms|  sender: $T/sender.sh|"
}

# plan_sample NAME [SED...]: plans/NAME.yaml copied to $T/plans (with
# the holiday files it names, plans/holidays/) and edited as plan_edit
# does; PLANS=$T/plans.
plan_sample() {
    mkdir -p "$T/plans"
    cp "$SRC/plans/$1.yaml" "$T/plans/$1.yaml"
    [ -d "$T/plans/holidays" ] || cp -r "$SRC/plans/holidays" "$T/plans/"
    plan_edit "$@"
}

# plan_edit NAME SED...: each sed expression in turn edits
# $T/plans/NAME.yaml, and must change it (a sample plan that no longer
# matches is a broken fixture, not a test of something else); checked.
plan_edit() {
    local f=$T/plans/$1.yaml e
    shift
    for e in "$@"; do
        cp "$f" "$T/plan.before"
        sed -i -e "$e" "$f"
        ! cmp -s "$f" "$T/plan.before" || { echo "plan_edit: \"$e\" changed nothing in $f" >&2 && return 1; }
    done
    rm -f "$T/plan.before"
    plan_check "$(basename "$f" .yaml)"
}

# plan_str VALUE: VALUE as a double-quoted YAML string.
plan_str() {
    local v=${1//\\/\\\\}
    printf '"%s"' "${v//\"/\\\"}"
}

# plan_head id=ID name=NAME prefix=REF_PREFIX lead=AGENCY [level=NAME]
# [hub=NAME] [retention_days=N]: a plan's first lines: the plan, one
# incident level (named One) and the hub (named Hub) led by AGENCY.
plan_head() {
    local id='' name='' prefix='' lead='' level=One hub=Hub extra='' kv
    for kv in "$@"; do
        case ${kv%%=*} in
        id | name | prefix | lead | level | hub) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
        retention_days) extra=", retention_days: ${kv#*=}" ;;
        *) echo "plan_head: unknown \"$kv\"" >&2 && return 1 ;;
        esac
    done
    echo "plan: {id: $id, name: $(plan_str "$name"), version: \"1\", ref_prefix: $prefix$extra}"
    echo "levels: [{level: 1, name: $(plan_str "$level")}]"
    echo "hub: {name: $(plan_str "$hub"), lead_agency: $lead}"
}

# plan_agency id=ID name=NAME role=ROLE [level=N] [supplies=ROLE,...]
# [desk=NAME] [contact=CONTACT]...: one item of agencies:, activated from
# level N (1).  desk=NAME is a first contact NAME on the agency's own zmq
# session; each contact= (from plan_contact) follows, in order.
plan_agency() {
    local id='' name='' role='' level=1 supplies='' desk='' contacts='' kv
    for kv in "$@"; do
        case ${kv%%=*} in
        id | name | role | level | supplies | desk) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
        contact) contacts="$contacts, ${kv#*=}" ;;
        *) echo "plan_agency: unknown \"$kv\"" >&2 && return 1 ;;
        esac
    done
    [ -z "$desk" ] || contacts=", $(plan_contact "$desk" zmq "$id")$contacts"
    echo "  - {id: $id, name: $(plan_str "$name"), role: $(plan_str "$role"), activate_level: $level," \
        "${supplies:+supplies: [${supplies//,/, }], }contacts: [${contacts#, }]}"
}

# plan_contact NAME CHANNEL TARGET [args=ARG,...] [after=DURATION]: one
# contact of an agency's ladder, for plan_agency's contact=.
plan_contact() {
    local out kv a v args
    out="{name: $(plan_str "$1"), channel: $2, target: $(plan_str "$3")"
    shift 3
    for kv in "$@"; do
        case ${kv%%=*} in
        args)
            args=
            IFS=, read -r -a a <<<"${kv#*=}"
            for v in "${a[@]}"; do args="$args, $(plan_str "$v")"; done
            out="$out, args: [${args#, }]"
            ;;
        after) out="$out, after: ${kv#*=}" ;;
        *) echo "plan_contact: unknown \"$kv\"" >&2 && return 1 ;;
        esac
    done
    echo "$out}"
}

# crash_tool_plan PREFIX NAME: the plan "crash" the crash tool
# (tests/tool/crash.c) stands up: three agencies, each supplying one role,
# each paged by an exec script ($EXEC, logging to $T/exec) while the tool's
# agencies acknowledge; staffing short on every shift; one pathway.
crash_tool_plan() {
    local a
    plan_head id=crash name="$2" prefix="$1" lead=a1
    cat <<YAML
paging: {ack_wait: 2s, exec_timeout: 5s}
staffing:
  horizon: 12h
  ask_lead: 0
  roles:
    - {id: call-handler, name: Call handler}
    - {id: mh-nurse, name: Mental health nurse}
    - {id: isva, name: ISVA}
  shifts:
    - {id: day, name: Day, start: "08:00", length: 12h}
    - {id: night, name: Night, start: "20:00", length: 12h}
  requirements:
    - level: 1
      need: {call-handler: 2, mh-nurse: 1, isva: 1}
persons:
  home_areas: [crashton]
  pathways:
    - {id: hub-support, name: Hub support, provider: a1}
  rules:
    - pathway: hub-support
agencies:
YAML
    for a in a1:call-handler a2:mh-nurse a3:isva; do
        plan_agency id="${a%%:*}" name="Agency ${a%%:*}" role=test supplies="${a#*:}" desk=Desk \
            contact="$(plan_contact Script exec "$EXEC" args="$T/exec" after=300ms)"
    done
}
