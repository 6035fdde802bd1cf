# tests/blackbox/bb_completion.sh - the bash completion of muster
# (clients/completion/muster), sourced into this shell and driven as bash
# drives it: commands and actions, options from the help, incident
# references and shift keys asked of the real musterd with the keys and
# endpoint on the line (agency:ID split by bash at the colon), and
# nothing, quickly and quietly, when musterd is not there.
. "$(dirname "$0")/lib.sh"
. "$SRC/clients/completion/muster"
complete -p muster | grep -q _muster || fail "the script registers no completion"

# comp WORD...: complete the last word; the candidates in $C, one line.
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _muster || true
    C="${COMPREPLY[*]}"
}
M="$BIN/muster"
G=(--keys "$KEYS" --connect "$CONTROL")

comp "$M" inc && [ "$C" = incident ] || fail "muster inc: [$C]"
comp "$M" incident st && [ "$C" = "standup standdown" ] || fail "incident st: [$C]"
comp "$M" person "" && [[ " $C " == *" import "* && " $C " == *" screen "* ]] || fail "person: [$C]"
comp "$M" person add X --home && [ "$C" = "--home-area" ] || fail "person add --home: [$C]"
comp "$M" --js && [ "$C" = "--json" ] || fail "--js: [$C]"
comp "$M" help met && [ "$C" = metrics ] || fail "help met: [$C]"
comp "$M" help pledge ar && [ "$C" = arrive ] || fail "help pledge ar: [$C]"
ok "commands, actions and options complete without a daemon, after muster help too"

start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation COMPLETE | head -n 1)
comp "$M" "${G[@]}" incident show "" && [ "$C" = "$ref" ] || fail "incident show: [$C]"
comp "$M" "${G[@]}" staffing EX && [ "$C" = "$ref" ] || fail "staffing EX: [$C]"
shifts=$(m --json staffing "$ref" | jq -r '.shifts[].key' | tr '\n' ' ')
comp "$M" "${G[@]}" --as agency : cpft pledge offer "$ref" --role mh-nurse --shift ""
[ "$C " = "$shifts" ] || fail "--shift: [$C], want [$shifts]"
comp "$M" "${G[@]}" --as agency : cpft agency ack "$ref" --pledge-shift "${shifts%% *}"
[ "$C" = "${shifts%% *}" ] || fail "--pledge-shift: [$C]"
ok "incident references and shift keys come from musterd, with the line's keys and agency:ID"

stop_daemon
start=$(date +%s)
comp "$M" "${G[@]}" incident show "" && [ -z "$C" ] || fail "no daemon: [$C]"
out=$(comp "$M" "${G[@]}" pledge offer "$ref" --shift "" 2>&1)
[ -z "$out" ] || fail "completion printed: $out"
[ $(($(date +%s) - start)) -le $(scaled 10) ] || fail "completion hung without a daemon"
ok "no daemon: nothing offered, nothing printed"
