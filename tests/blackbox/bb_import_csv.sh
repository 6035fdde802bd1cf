# tests/blackbox/bb_import_csv.sh - the casualty bureau's CSV through the
# plan's import section: samples/casualty-bureau.csv, in a bureau's own
# headers, imported into an incident of plans/cambridgeshire.yaml (which
# maps them): Forename and Surname make the name, DD/MM/YYYY dates of birth
# are read, the hospital is dropped, a re-import adds nothing; muster's own
# column names still work beside mapped ones; an unknown header stops the
# import with nothing stored; a date not in the plan's format is a refused
# row.  Without an import section the bureau's headers are refused.
. "$(dirname "$0")/lib.sh"

start_daemon
ref=$(m --json incident standup --plan cambridgeshire --level 1 --exercise --operation CSV | json_field ref)
out=$(m person import "$ref" "$SRC/samples/casualty-bureau.csv") || fail "import: $out"
[ "$out" = "6 rows: 6 stored, 0 already imported, 0 refused" ] || fail "import said: $out"
id=$(persons_ids name="Anna Nowak")
[ -n "$id" ] || fail "no Anna Nowak"
[ "$(person_field "$id" dob)" = 1988-07-14 ] || fail "dob $(person_field "$id" dob)"
[ "$(person_field "$id" external_ref)" = CB-0001 ] || fail "external_ref $(person_field "$id" external_ref)"
[ "$(person_field "$id" phone)" = "07700 900201" ] || fail "phone $(person_field "$id" phone)"
[ "$(person_field "$id" home_area)" = peterborough ] || fail "home area $(person_field "$id" home_area)"
ok "the sample bureau CSV imported through the plan's mapping (joined name, DD/MM/YYYY, ignored column)"

out=$(m person import "$ref" "$SRC/samples/casualty-bureau.csv") || fail "re-import: $out"
[ "$out" = "6 rows: 0 stored, 6 already imported, 0 refused" ] || fail "re-import said: $out"
ok "a re-import adds nothing"

# Mapped headers and muster's own names in one file; a date not DD/MM/YYYY.
printf 'SURNAME ,Forename,category,DOB,Hospital\nOkoro,Ada,witness,01/02/1990,Zeta Ward Seven\nBanda,Eli,witness,1990-02-01,Y\n' >"$T/mixed.csv"
rc=0
out=$(m person import "$ref" "$T/mixed.csv") || rc=$?
[ $rc = 1 ] || fail "mixed file: exit $rc: $out"
grep -q '^line 3: refused: dob must be DD/MM/YYYY (the plan.s import date_format), got "1990-02-01"$' <<<"$out" ||
    fail "bad date not refused: $out"
grep -q '^2 rows: 1 stored, 0 already imported, 1 refused$' <<<"$out" || fail "mixed: $out"
[ "$(person_field "$(persons_ids name="Ada Okoro")" dob)" = 1990-02-01 ] || fail "mapped + own columns: no Ada Okoro born 1990-02-01"
db_dump "$T/dump.sql"
! grep -q "Zeta Ward Seven" "$T/dump.sql" || fail "the ignored Hospital column was stored"
ok "mapped headers (any case, outer spaces) beside muster's own columns, an ignored column not stored; a date in another format refused"

# muster's own column names, as muster writes them, are read as muster
# reads them even where the plan maps the same name in another case
# ("dob" is YYYY-MM-DD; the plan's "DOB" is DD/MM/YYYY).
printf 'category,name,dob\nwitness,Own Columns,1971-03-04\n' >"$T/own.csv"
out=$(m person import "$ref" "$T/own.csv") || fail "own columns: $out"
[ "$(person_field "$(persons_ids name="Own Columns")" dob)" = 1971-03-04 ] || fail "own dob column: $out"
ok "muster's own column names keep muster's formats beside the plan's mapping"

# An unknown header: nothing is sent.
before=$(persons_count)
printf 'Forename,Surname,category,Blood Group\nA,B,witness,O+\n' >"$T/unknown.csv"
rc=0
out=$(m person import "$ref" "$T/unknown.csv" 2>&1) || rc=$?
[ $rc = 2 ] || fail "unknown header: exit $rc: $out"
grep -q 'line 1: unknown column "Blood Group" (neither a muster column nor a header the plan.s import section maps' <<<"$out" ||
    fail "unknown header said: $out"
[ "$(persons_count)" = "$before" ] || fail "an unknown header stored persons"
ok "an unknown header stops the import, nothing stored"

# A plan without an import section reads muster's names only.
ref2=$(m --json incident standup --plan example --level 1 --exercise --operation PLAIN | json_field ref)
rc=0
out=$(m person import "$ref2" "$SRC/samples/casualty-bureau.csv" 2>&1) || rc=$?
[ $rc = 2 ] && grep -q 'unknown column "Casualty Bureau Ref"' <<<"$out" || fail "no mapping: exit $rc: $out"
ok "without an import section a bureau's headers are refused"
stop_daemon
