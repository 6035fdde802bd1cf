#!/usr/bin/env bash
# tests/bench/preload.sh DB REF PERSONS - grow incident REF to PERSONS
# affected persons with the sqlite3 CLI, while musterd is stopped, by
# copying the persons that musterd registered (rounds of copies of the
# originals) together with every row a registration leaves behind: the
# person, its referral, its re-screen deadlines, its feed events, its stored
# reply, and its referral's notice to the provider (the page, with an
# acknowledgement code of its own, its first attempt and its notice.sent
# event); not its audit row: the audit trail is a hash chain, which copies
# cannot extend honestly.  Copies get their own name and telephone keys,
# so they are not duplicates of each other.  The board counters of the
# incident (persons, category/..., pathway/...) are then recounted from the
# tables.  Columns are read from the schema, so columns added later are
# copied too.
#
# Why: registering 100,000 persons through musterd for the memory and
# start-up figures would take far longer than the benchmark may run
# (see the intake figures); what musterd reads at start and holds in
# memory depends on what is stored, not on how it got there.
set -euo pipefail
DB=$1 REF=$2 WANT=$3

q() { sqlite3 -batch "$DB" "$@"; }

# "a, b, c" of table's columns but those in $2 (space-separated), with
# "expr AS col" for each col=expr pair in the rest.
cols() {
    local table=$1 skip=" $2 " c out=""
    shift 2
    for c in $(q "SELECT name FROM pragma_table_info('$table') ORDER BY cid"); do
        case "$skip" in *" $c "*) continue ;; esac
        out="$out${out:+, }$c"
    done
    echo "$out"
}
exprs() { # like cols, the values: "x.col" or an override "col=expr"
    local table=$1 skip=" $2 " c e out=""
    shift 2
    for c in $(q "SELECT name FROM pragma_table_info('$table') ORDER BY cid"); do
        case "$skip" in *" $c "*) continue ;; esac
        e="x.$c"
        for o in "$@"; do [ "${o%%=*}" = "$c" ] && e=${o#*=}; done
        out="$out${out:+, }$e"
    done
    echo "$out"
}

# code_of EXPR: SQL for an acknowledgement code made from the page id
# EXPR: 8 characters of musterd's alphabet (Crockford base32) spelling
# EXPR times an odd number modulo 2^40, so that copies' codes are distinct
# and spread over the whole range of codes as musterd's random ones are (a
# copy that meets one of musterd's own codes is left out by INSERT OR IGNORE,
# and so are its attempt and event).
code_of() {
    local i out="" a="'0123456789ABCDEFGHJKMNPQRSTVWXYZ'"
    for i in 7 6 5 4 3 2 1 0; do
        out="$out${out:+ || }substr($a, (((($1) * 679891637529) % 1099511627776) >> $((5 * i)) & 31) + 1, 1)"
    done
    echo "$out"
}

inc=$(q "SELECT id FROM incidents WHERE ref = '$REF'")
[ -n "$inc" ] || { echo "preload: no incident $REF" >&2; exit 1; }
orig_max=$(q "SELECT MAX(id) FROM persons WHERE incident_id = $inc")
have=$(q "SELECT COUNT(*) FROM persons WHERE incident_id = $inc")
originals=$have
# only the originals' feed events are copied: a bound on seq keeps each
# round from reading the copies made before it
orig_seq=$(q "SELECT COALESCE(MAX(seq), 0) FROM events")
[ "$originals" -gt 0 ] || { echo "preload: incident $REF has no persons to copy" >&2; exit 1; }

{
    echo "BEGIN;"
    echo "CREATE TEMP TABLE map (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
    echo "CREATE TEMP TABLE rmap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
    echo "CREATE TEMP TABLE pmap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
    while [ "$have" -lt "$WANT" ]; do
        r=$have # a suffix no earlier copy has
        n=$((WANT - have < originals ? WANT - have : originals))
        cat <<SQL
DELETE FROM map;
INSERT INTO map SELECT id, (SELECT MAX(id) FROM persons) + row_number() OVER (ORDER BY id)
  FROM persons WHERE incident_id = $inc AND id <= $orig_max ORDER BY id LIMIT $n;
INSERT INTO persons (id, $(cols persons id))
  SELECT map.new, $(exprs persons id "name=x.name || ' copy $r'" \
        "name_key=x.name_key || ' copy $r'" "phone_key=x.phone_key || '$r'" \
        "external_ref=CASE WHEN x.external_ref IS NULL THEN NULL ELSE x.external_ref || '.$r' END")
  FROM map JOIN persons x ON x.id = map.old;
DELETE FROM rmap;
INSERT INTO rmap SELECT x.id, (SELECT MAX(id) FROM referrals) + row_number() OVER (ORDER BY x.id)
  FROM map JOIN referrals x ON x.person_id = map.old ORDER BY x.id;
INSERT INTO referrals (id, $(cols referrals id))
  SELECT rmap.new, $(exprs referrals id "person_id=map.new")
  FROM rmap JOIN referrals x ON x.id = rmap.old JOIN map ON map.old = x.person_id;
DELETE FROM pmap;
INSERT INTO pmap SELECT x.id, (SELECT MAX(id) FROM pages) + row_number() OVER (ORDER BY x.id)
  FROM rmap JOIN pages x ON x.ref_id = rmap.old AND x.kind = 'referral' ORDER BY x.id;
INSERT OR IGNORE INTO pages (id, $(cols pages id))
  SELECT pmap.new, $(exprs pages id "ref_id=rmap.new" "ack_code=$(code_of pmap.new)")
  FROM pmap JOIN pages x ON x.id = pmap.old JOIN rmap ON rmap.old = x.ref_id;
INSERT INTO attempts ($(cols attempts id))
  SELECT $(exprs attempts id "page_id=pmap.new") FROM pmap JOIN pages p ON p.id = pmap.new
  JOIN attempts x ON x.page_id = pmap.old ORDER BY x.id;
INSERT INTO events ($(cols events seq))
  SELECT $(exprs events seq "body=json_set(x.body, '\$.page_id', pmap.new)")
  FROM events x JOIN pmap ON pmap.old = json_extract(x.body, '\$.page_id')
  JOIN pages p ON p.id = pmap.new
  WHERE x.seq <= $orig_seq AND x.incident_id = $inc AND x.kind = 'notice.sent' ORDER BY x.seq;
INSERT INTO rescreens ($(cols rescreens ""))
  SELECT $(exprs rescreens "" "person_id=map.new") FROM map JOIN rescreens x ON x.person_id = map.old;
INSERT INTO events ($(cols events seq))
  SELECT $(exprs events seq "body=json_set(x.body, '\$.person', map.new)")
  FROM events x JOIN map ON map.old = json_extract(x.body, '\$.person')
  WHERE x.seq <= $orig_seq AND x.incident_id = $inc AND x.kind LIKE 'person.%' ORDER BY x.seq;
INSERT INTO replies ($(cols replies ""))
  SELECT $(exprs replies "" "request_id=x.request_id || '.copy$r'")
  FROM audit a JOIN map ON map.old = CAST(substr(a.target, 8) AS INTEGER)
  JOIN replies x ON x.principal = a.principal AND x.request_id = a.request_id
  WHERE a.command = 'person.add' AND a.target LIKE 'person %';
SQL
        have=$((have + n))
    done
    cat <<SQL
DELETE FROM board WHERE incident_id = $inc
  AND (key = 'persons' OR key LIKE 'category/%' OR key LIKE 'pathway/%');
INSERT INTO board (incident_id, key, value)
  SELECT $inc, 'persons', COUNT(*) FROM persons WHERE incident_id = $inc AND merged_into IS NULL;
INSERT INTO board (incident_id, key, value)
  SELECT $inc, 'category/' || category, COUNT(*) FROM persons
  WHERE incident_id = $inc AND merged_into IS NULL GROUP BY category;
INSERT INTO board (incident_id, key, value)
  SELECT $inc, 'pathway/' || pathway || '/' || state, COUNT(*) FROM referrals
  WHERE incident_id = $inc AND state <> 'closed' GROUP BY pathway, state;
COMMIT;
SQL
} >"$DB.preload.sql"
q <"$DB.preload.sql"
rm -f "$DB.preload.sql"
