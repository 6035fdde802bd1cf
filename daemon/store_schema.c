/*
 * daemon/store_schema.c - the store's schema: an ordered list of SQL
 * migrations (see store.h).
 *
 * The database's PRAGMA user_version says how many have been applied; each
 * runs in its own transaction together with the version bump.  A migration
 * is never edited once released: a change is a new entry at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dbfile.h"
#include "log.h"
#include "store_int.h"

static const char *const migrations[] = {
    /* 1: incidents, idempotent replies, audit trail, feed events */
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  ref TEXT NOT NULL UNIQUE,"
    "  plan_id TEXT NOT NULL,"
    "  plan_version TEXT NOT NULL,"
    "  plan_digest TEXT NOT NULL,"
    "  plan_source TEXT NOT NULL,"
    "  plan_json TEXT NOT NULL,"
    "  level INTEGER NOT NULL,"
    "  exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
    "  operation TEXT NOT NULL,"
    "  note TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('active', 'stood_down')),"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  stood_down_at INTEGER,"
    "  stood_down_by TEXT,"
    "  standdown_note TEXT);"
    "CREATE INDEX incidents_state ON incidents (state, plan_id, operation);"
    "CREATE TABLE replies ("
    "  principal TEXT NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  reply TEXT NOT NULL,"
    "  PRIMARY KEY (principal, request_id)) WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  principal TEXT NOT NULL,"
    "  request_id TEXT,"
    "  command TEXT NOT NULL,"
    "  target TEXT,"
    "  outcome TEXT NOT NULL,"
    "  detail TEXT);"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  incident_id INTEGER,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  body TEXT NOT NULL);",
    /* 2: request digests (an id reused for another request is refused),
     * paging: one page per (incident, agency) climbing its ladder, one
     * attempt row per delivery */
    "ALTER TABLE replies ADD COLUMN digest TEXT;"
    "CREATE TABLE pages ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  agency_id TEXT NOT NULL,"
    "  ack_code TEXT NOT NULL UNIQUE,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('paging', 'acknowledged', 'unreachable', 'cancelled')),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  next_at INTEGER,"
    "  started_at INTEGER NOT NULL,"
    "  acked_at INTEGER,"
    "  acked_by TEXT,"
    "  ack_note TEXT,"
    "  ack_via TEXT,"
    "  unreachable_at INTEGER,"
    "  repages INTEGER NOT NULL DEFAULT 0,"
    "  ask_id INTEGER);"
    "CREATE UNIQUE INDEX pages_agency ON pages (incident_id, agency_id, COALESCE(ask_id, 0));"
    "CREATE INDEX pages_due ON pages (next_at) WHERE state = 'paging';"
    "CREATE TABLE attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id INTEGER NOT NULL REFERENCES pages (id),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  contact TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('sending', 'queued', 'sent', 'delivered', 'failed', 'cancelled')),"
    "  detail TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  finished_at INTEGER);"
    "CREATE INDEX attempts_page ON attempts (page_id);"
    "CREATE INDEX attempts_open ON attempts (state) WHERE state IN ('sending', 'queued', 'sent');",
    /* 3: surge staffing: the incident's shifts, the coverage ledger per
     * shift and role, pledges, and asks for staff */
    "CREATE TABLE shifts ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  pattern TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL,"
    "  UNIQUE (incident_id, key));"
    "CREATE TABLE coverage ("
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  role TEXT NOT NULL,"
    "  required INTEGER NOT NULL,"
    "  pledged INTEGER NOT NULL DEFAULT 0 CHECK (pledged >= 0),"
    "  accepted INTEGER NOT NULL DEFAULT 0 CHECK (accepted >= 0),"
    "  arrived INTEGER NOT NULL DEFAULT 0 CHECK (arrived >= 0),"
    "  PRIMARY KEY (shift_id, role)) WITHOUT ROWID;"
    "CREATE TABLE pledges ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  agency_id TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  count INTEGER NOT NULL CHECK (count > 0),"
    "  names TEXT,"
    "  note TEXT,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('offered', 'accepted', 'declined', 'arrived', 'withdrawn')),"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL);"
    "CREATE INDEX pledges_incident ON pledges (incident_id);"
    "CREATE TABLE pledge_shifts ("
    "  pledge_id INTEGER NOT NULL REFERENCES pledges (id),"
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  PRIMARY KEY (pledge_id, shift_id)) WITHOUT ROWID;"
    "CREATE INDEX pledge_shifts_shift ON pledge_shifts (shift_id);"
    "CREATE TABLE asks ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  role TEXT NOT NULL,"
    "  agency_id TEXT NOT NULL,"
    "  short INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'covered', 'expired', 'cancelled')),"
    "  created_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  UNIQUE (shift_id, role, agency_id));",
    /* 4: affected persons: registrations, possible duplicates, screenings,
     * referrals to pathways, contact attempts, re-screening deadlines and
     * the keys of imported rows */
    "CREATE TABLE persons ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  category TEXT NOT NULL,"
    "  name TEXT,"
    "  name_key TEXT,"
    "  dob TEXT,"
    "  age INTEGER,"
    "  phone TEXT,"
    "  phone_key TEXT,"
    "  email TEXT,"
    "  address TEXT,"
    "  home_area TEXT,"
    "  language TEXT,"
    "  interpreter INTEGER NOT NULL DEFAULT 0,"
    "  vulnerabilities INTEGER NOT NULL DEFAULT 0,"
    "  safe_contact TEXT,"
    "  consent TEXT NOT NULL CHECK (consent IN ('given', 'refused', 'not_asked')),"
    "  external_ref TEXT,"
    "  urgent INTEGER NOT NULL DEFAULT 0,"
    "  screen_positive INTEGER NOT NULL DEFAULT 0,"
    "  merged_into INTEGER REFERENCES persons (id),"
    "  contact_state TEXT NOT NULL DEFAULT 'none',"
    "  registered_at INTEGER NOT NULL,"
    "  registered_by TEXT NOT NULL,"
    "  referral_due_at INTEGER NOT NULL,"
    "  referred_at INTEGER,"
    "  breached_at INTEGER,"
    "  purged INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX persons_incident ON persons (incident_id);"
    "CREATE INDEX persons_ext ON persons (incident_id, external_ref);"
    "CREATE INDEX persons_namedob ON persons (incident_id, name_key, dob);"
    "CREATE INDEX persons_phone ON persons (incident_id, phone_key);"
    "CREATE INDEX persons_due ON persons (referral_due_at) WHERE referred_at IS NULL"
    "  AND breached_at IS NULL;"
    "CREATE TABLE duplicates ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  matches_id INTEGER NOT NULL REFERENCES persons (id),"
    "  reason TEXT NOT NULL,"
    "  PRIMARY KEY (person_id, matches_id)) WITHOUT ROWID;"
    "CREATE TABLE screenings ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  instrument TEXT NOT NULL,"
    "  answers TEXT NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  positive INTEGER NOT NULL,"
    "  urgent INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL);"
    "CREATE INDEX screenings_person ON screenings (person_id);"
    "CREATE TABLE referrals ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  pathway TEXT NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('referred', 'waitlisted', 'held_consent', 'closed')),"
    "  reason TEXT,"
    "  home_area TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX referrals_person ON referrals (person_id);"
    "CREATE INDEX referrals_pathway ON referrals (incident_id, pathway, state);"
    "CREATE INDEX referrals_provider ON referrals (provider, state);"
    "CREATE TABLE contacts ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL,"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('no_answer', 'contacted', 'declined')),"
    "  slot TEXT NOT NULL,"
    "  note TEXT);"
    "CREATE INDEX contacts_person ON contacts (person_id);"
    "CREATE TABLE rescreens ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  due_at INTEGER NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'due', 'done', 'cancelled')),"
    "  PRIMARY KEY (person_id, due_at, instrument)) WITHOUT ROWID;"
    "CREATE INDEX rescreens_due ON rescreens (due_at) WHERE state = 'pending';"
    "CREATE TABLE imports ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  PRIMARY KEY (incident_id, key)) WITHOUT ROWID;",
    /* 5: the board's counters (see board.h) */
    "CREATE TABLE board ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  key TEXT NOT NULL,"
    "  value INTEGER NOT NULL,"
    "  PRIMARY KEY (incident_id, key)) WITHOUT ROWID;",
    /* 6: the audit trail becomes a hash chain: each row carries the
     * SHA-256 of the previous row's hash and its own fields */
    "ALTER TABLE audit ADD COLUMN hash TEXT;"
    "ALTER TABLE incidents ADD COLUMN purged_at INTEGER;",
    /* 7: when the stand-down report files of a purged incident were
     * rewritten from the purged record (NULL: not yet, or a crash came
     * between the purge and the rewrite: done again at start) */
    "ALTER TABLE incidents ADD COLUMN reports_purged_at INTEGER;",
    /* 8: a name's duplicate-check key folds look-alikes (namefold.h): the
     * keys of persons registered before are computed again; wrong
     * acknowledgement codes get a small index of their own (the limit on
     * code guessing counts them, see store_audit_wrong_code) */
    "UPDATE persons SET name_key = muster_name_key(name) WHERE name IS NOT NULL;"
    "CREATE INDEX audit_wrong_codes ON audit (principal, at)"
    "  WHERE target = 'ack code' AND outcome = 'NOT_FOUND';",
    /* 9: an attempt musterd could not make for want of its own resources
     * (descriptors, memory, processes) is 'retry': never the agency's
     * failure.  SQLite cannot change a CHECK: the table is rebuilt. */
    "CREATE TABLE attempts_new ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id INTEGER NOT NULL REFERENCES pages (id),"
    "  step INTEGER NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  contact TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('sending', 'queued', 'sent', 'delivered', 'failed', 'cancelled', 'retry')),"
    "  detail TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  finished_at INTEGER);"
    "INSERT INTO attempts_new SELECT * FROM attempts;"
    "DROP TABLE attempts;"
    "ALTER TABLE attempts_new RENAME TO attempts;"
    "CREATE INDEX attempts_page ON attempts (page_id);"
    "CREATE INDEX attempts_open ON attempts (state) WHERE state IN ('sending', 'queued', 'sent');",
    /* 10: what SQL needs of an incident's frozen plan is a column, written
     * at standup (the JSON copy is for display only); incidents stood up
     * before take theirs from that copy, its one read by SQL */
    "ALTER TABLE incidents ADD COLUMN ask_lead_ms INTEGER;"
    "ALTER TABLE incidents ADD COLUMN retention_days INTEGER;"
    "UPDATE incidents SET"
    "  ask_lead_ms = json_extract(plan_json, '$.staffing.ask_lead_ms'),"
    "  retention_days = json_extract(plan_json, '$.retention_days')"
    "  WHERE json_valid(plan_json);",
    /* 11: a referral's given_at: when it was given to its provider
     * (referred or waitlisted); NULL for one only ever held for consent,
     * which the provider never sees.  Closed referrals take theirs from the
     * routing event that made them.  A person's purge_due_at: when the
     * personal fields of a person who declined all support or refused
     * consent are purged (the plan's declined_retention_days).  A provider's
     * pathway is one pool of places across incidents: its index. */
    "ALTER TABLE referrals ADD COLUMN given_at INTEGER;"
    "CREATE TEMP TABLE given_routes AS SELECT json_extract(body, '$.person') AS person_id,"
    "  json_extract(body, '$.pathway') AS pathway, at FROM events"
    "  WHERE kind = 'person.routed' AND json_extract(body, '$.state') IN ('referred', "
    "'waitlisted');"
    "CREATE INDEX temp.given_routes_person ON given_routes (person_id);"
    "UPDATE referrals SET given_at = created_at WHERE state IN ('referred', 'waitlisted')"
    "  OR EXISTS (SELECT 1 FROM given_routes g WHERE g.person_id = referrals.person_id"
    "  AND g.pathway = referrals.pathway AND g.at = referrals.created_at);"
    "DROP TABLE temp.given_routes;"
    "ALTER TABLE persons ADD COLUMN purge_due_at INTEGER;"
    "CREATE INDEX persons_purge_due ON persons (purge_due_at)"
    "  WHERE purge_due_at IS NOT NULL AND purged = 0;"
    "CREATE INDEX referrals_pool ON referrals (provider, pathway, state);",
    /* 12: referral notices are pages (kind 'referral' or 'promotion', ref_id
     * the referral, body the notice's facts, ack_due_at when urgent, the
     * alarm raised for it); a referral can be held urgent; alarms for the
     * duty manager and Gold (see alarm.h) */
    "ALTER TABLE pages ADD COLUMN kind TEXT NOT NULL DEFAULT 'page';"
    "ALTER TABLE pages ADD COLUMN ref_id INTEGER;"
    "ALTER TABLE pages ADD COLUMN body TEXT;"
    "ALTER TABLE pages ADD COLUMN ack_due_at INTEGER;"
    "ALTER TABLE pages ADD COLUMN alarm_id INTEGER;"
    "DROP INDEX pages_agency;"
    "CREATE UNIQUE INDEX pages_agency ON pages"
    "  (incident_id, agency_id, kind, COALESCE(ask_id, 0), COALESCE(ref_id, 0));"
    "CREATE INDEX pages_ack_due ON pages (ack_due_at) WHERE state = 'paging' AND alarm_id IS NULL;"
    "CREATE TABLE referrals_new ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  pathway TEXT NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('referred', 'waitlisted', 'held_consent', 'held_urgent', 'closed')),"
    "  reason TEXT,"
    "  home_area TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  given_at INTEGER);"
    "INSERT INTO referrals_new (id, person_id, incident_id, pathway, provider, state, reason,"
    "  home_area, created_at, updated_at, given_at) SELECT id, person_id, incident_id, pathway,"
    "  provider, state, reason, home_area, created_at, updated_at, given_at FROM referrals;"
    "DROP TABLE referrals;"
    "ALTER TABLE referrals_new RENAME TO referrals;"
    "CREATE INDEX referrals_person ON referrals (person_id);"
    "CREATE INDEX referrals_pathway ON referrals (incident_id, pathway, state);"
    "CREATE INDEX referrals_provider ON referrals (provider, state);"
    "CREATE INDEX referrals_pool ON referrals (provider, pathway, state);"
    "CREATE TABLE alarms ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  kind TEXT NOT NULL,"
    "  agency_id TEXT,"
    "  person_id INTEGER,"
    "  referral_id INTEGER,"
    "  detail TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'cleared', 'resolved')),"
    "  raised_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  ended_by TEXT,"
    "  note TEXT);"
    "CREATE INDEX alarms_open ON alarms (incident_id) WHERE state = 'open';"
    "CREATE INDEX alarms_referral ON alarms (referral_id) WHERE state = 'open';",
    /* 13: the recovery phase.  An incident stood down goes on supporting
     * its persons until Gold closes it (closed_at; the retention period
     * runs from then).  Incidents stood down before had no recovery phase:
     * they are closed at their stand-down, so their retention is as it
     * was and their open re-screens are cancelled.  A re-screen due and
     * not done by overdue_at (due_at + the plan's rescreen_grace_days,
     * 14 before plans named it) is 'overdue'; done_at says when one was
     * done.  The rescreens table is rebuilt for its new CHECK (nothing
     * refers to it), and the board's new counters start from the rows. */
    "ALTER TABLE incidents ADD COLUMN closed_at INTEGER;"
    "ALTER TABLE incidents ADD COLUMN closed_by TEXT;"
    "ALTER TABLE incidents ADD COLUMN close_reason TEXT;"
    "UPDATE incidents SET closed_at = stood_down_at, closed_by = stood_down_by,"
    "  close_reason = 'closed at stand-down (before the recovery phase)'"
    "  WHERE state = 'stood_down';"
    "CREATE TABLE rescreens_new ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  due_at INTEGER NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('pending', 'due', 'overdue', 'done', 'cancelled')),"
    "  overdue_at INTEGER NOT NULL,"
    "  done_at INTEGER,"
    "  PRIMARY KEY (person_id, due_at, instrument)) WITHOUT ROWID;"
    "INSERT INTO rescreens_new SELECT person_id, due_at, instrument,"
    "  CASE WHEN state IN ('pending', 'due') AND person_id IN (SELECT p.id FROM persons p"
    "    JOIN incidents i ON i.id = p.incident_id WHERE i.closed_at IS NOT NULL)"
    "  THEN 'cancelled' ELSE state END, due_at + 14 * 86400000, NULL FROM rescreens;"
    "DROP TABLE rescreens;"
    "ALTER TABLE rescreens_new RENAME TO rescreens;"
    "CREATE INDEX rescreens_due ON rescreens (due_at) WHERE state = 'pending';"
    "CREATE INDEX rescreens_overdue ON rescreens (overdue_at) WHERE state = 'due';"
    "INSERT OR REPLACE INTO board (incident_id, key, value)"
    "  SELECT incident_id, 'referrals/open', COUNT(*) FROM referrals"
    "  WHERE state IN ('referred', 'waitlisted', 'held_consent', 'held_urgent')"
    "  GROUP BY incident_id;"
    "INSERT OR REPLACE INTO board (incident_id, key, value)"
    "  SELECT p.incident_id, 'rescreen/' || r.state, COUNT(*) FROM rescreens r"
    "  JOIN persons p ON p.id = r.person_id WHERE r.state IN ('due', 'done')"
    "  GROUP BY p.incident_id, r.state;",
    /* 14: safe contact enforced, every contact recorded.  A contact
     * attempt records its channel (NULL for attempts made before it was
     * recorded), and a letter or email sent (outcome 'sent') what kind
     * it was and to which kind of address, never its content: contacts
     * is rebuilt for its new CHECKs (nothing refers to it).  A person's
     * safe_contact keeps its JSON: the form registered before ({"channels",
     * "note"}) is part of the structured one, so old rows read and are
     * enforced unchanged.  corrections keeps the old values of a
     * person.update (the audit row names the fields and the correction):
     * the purge erases them with the person's other personal fields. */
    "CREATE TABLE contacts_new ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL,"
    "  outcome TEXT NOT NULL"
    "    CHECK (outcome IN ('no_answer', 'contacted', 'declined', 'sent')),"
    "  slot TEXT NOT NULL,"
    "  note TEXT,"
    "  channel TEXT CHECK (channel IN ('phone', 'sms', 'email', 'letter', 'visit')),"
    "  kind TEXT,"
    "  address_kind TEXT);"
    "INSERT INTO contacts_new (id, person_id, at, by, outcome, slot, note)"
    "  SELECT id, person_id, at, by, outcome, slot, note FROM contacts;"
    "DROP TABLE contacts;"
    "ALTER TABLE contacts_new RENAME TO contacts;"
    "CREATE INDEX contacts_person ON contacts (person_id);"
    "CREATE TABLE corrections ("
    "  id INTEGER PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  at INTEGER NOT NULL,"
    "  by TEXT NOT NULL,"
    "  fields TEXT NOT NULL,"
    "  old TEXT);"
    "CREATE INDEX corrections_person ON corrections (person_id);",
    /* 15: children, language and people living elsewhere.  A person's age
     * band (from the date of birth or age at the incident's date, or given
     * when neither is known; the age of persons registered before is
     * banded), the named parent or guardian who gave consent for a child,
     * and a referral that is a handoff to a neighbouring hub. */
    "ALTER TABLE persons ADD COLUMN age_band TEXT;"
    "ALTER TABLE persons ADD COLUMN guardian TEXT;"
    "ALTER TABLE referrals ADD COLUMN handoff INTEGER NOT NULL DEFAULT 0;"
    "UPDATE persons SET age_band = CASE WHEN age < 5 THEN '0-4' WHEN age < 12 THEN '5-11'"
    "  WHEN age < 16 THEN '12-15' WHEN age < 18 THEN '16-17' WHEN age < 65 THEN '18-64'"
    "  ELSE '65+' END WHERE age IS NOT NULL;",
    /* 16: families and a single point of contact.  A person is alive,
     * missing or deceased; persons of an incident are linked into a
     * family (one family a person) that may have a family liaison
     * officer (a keyring person's name); a family member of a deceased
     * person is bereaved of them (one row a link). */
    "ALTER TABLE persons ADD COLUMN status TEXT NOT NULL DEFAULT 'alive'"
    "  CHECK (status IN ('alive', 'missing', 'deceased'));"
    "CREATE TABLE families ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  liaison TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL);"
    "CREATE INDEX families_incident ON families (incident_id);"
    "CREATE TABLE family_members ("
    "  person_id INTEGER PRIMARY KEY REFERENCES persons (id),"
    "  family_id INTEGER NOT NULL REFERENCES families (id),"
    "  added_at INTEGER NOT NULL);"
    "CREATE INDEX family_members_family ON family_members (family_id);"
    "CREATE TABLE bereavements ("
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  deceased_id INTEGER NOT NULL REFERENCES persons (id),"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (person_id, deceased_id)) WITHOUT ROWID;",
    /* 17: plan amendments.  The incidents row holds the plan version in
     * force (plan_rev: its number, 1 at standup); plan_versions keeps
     * every version of an amended incident's plan (version 1 copied from
     * the incident at its first amendment), with when, by whom and a
     * one-line summary of what changed. */
    "ALTER TABLE incidents ADD COLUMN plan_rev INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE plan_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  version INTEGER NOT NULL,"
    "  plan_version TEXT NOT NULL,"
    "  plan_digest TEXT NOT NULL,"
    "  plan_source TEXT NOT NULL,"
    "  plan_json TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  UNIQUE (incident_id, version));",
    /* 18: alarms page Gold and the duty manager once per cause: an alarm
     * names its cause ("agency_unreachable:cpft"), and an incident has at
     * most one open alarm of each cause (raising it again while it is
     * open is the same alarm, not a second page).  Alarms from before
     * have no cause. */
    "ALTER TABLE alarms ADD COLUMN cause TEXT;"
    "CREATE UNIQUE INDEX alarms_cause ON alarms (incident_id, cause)"
    "  WHERE state = 'open' AND cause IS NOT NULL;",
    /* 19: staffing that
     * follows the incident.  A coverage cell's round counts the times it
     * went from covered back to short (a withdrawal, a decline): an
     * agency is asked once per round, so a shortfall that re-opens asks
     * again and an unchanged one never does.  Its alarm_id is the
     * shift_short alarm raised when its shift started short of the role
     * (once per shift and role). */
    "ALTER TABLE coverage ADD COLUMN round INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE coverage ADD COLUMN alarm_id INTEGER;"
    "CREATE TABLE asks_new ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  shift_id INTEGER NOT NULL REFERENCES shifts (id),"
    "  role TEXT NOT NULL,"
    "  agency_id TEXT NOT NULL,"
    "  short INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'covered', 'expired', 'cancelled')),"
    "  created_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  round INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (shift_id, role, agency_id, round));"
    "INSERT INTO asks_new (id, incident_id, shift_id, role, agency_id, short, state, created_at,"
    "  closed_at) SELECT id, incident_id, shift_id, role, agency_id, short, state, created_at,"
    "  closed_at FROM asks;"
    "DROP TABLE asks;"
    "ALTER TABLE asks_new RENAME TO asks;"
    "CREATE INDEX asks_open ON asks (shift_id) WHERE state = 'open';",
    /* 20: the health probe (health.c): muster health proves the store
     * commits by rewriting this one row, in a batch like any other. */
    "CREATE TABLE health ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  probed_at INTEGER NOT NULL);"
    "INSERT INTO health (id, probed_at) VALUES (1, 0);",
    /* 21: the hot paths seek instead of scanning (issue 19; tests/bench/
     * scans.sh lists what still scans): attempts by state with their page
     * (restart, an agency's queued pages; the partial attempts_open missed
     * `state = 'sending'`), an agency's pages by state (agency.listen, every
     * heartbeat), a notice's page by what it is about (a referral closed
     * or rerouted cancels its notice). */
    "DROP INDEX attempts_open;"
    "CREATE INDEX attempts_state ON attempts (state, page_id);"
    "CREATE INDEX pages_agency_state ON pages (agency_id, state);"
    "CREATE INDEX pages_ref ON pages (ref_id, kind) WHERE ref_id IS NOT NULL;",
    /* 22: the public door (selfreg.c): an incident Gold published for
     * self-registration (one row per incident; unpublished_at set by the
     * kill switch or the close), the self-registrations and call-back
     * requests waiting for a call handler (state unverified, then verified
     * or rejected; their reference unique, erased with a rejection), and
     * the one-time links back in (only a hash of each token is kept). */
    "CREATE TABLE publications ("
    "  incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),"
    "  public_name TEXT NOT NULL,"
    "  keyword TEXT NOT NULL,"
    "  published_at INTEGER NOT NULL,"
    "  published_by TEXT NOT NULL,"
    "  unpublished_at INTEGER);"
    "CREATE UNIQUE INDEX publications_keyword ON publications (keyword)"
    "  WHERE unpublished_at IS NULL;"
    "CREATE TABLE selfregs ("
    "  person_id INTEGER PRIMARY KEY REFERENCES persons (id),"
    "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
    "  reference TEXT UNIQUE,"
    "  source TEXT NOT NULL,"
    "  involvement TEXT,"
    "  wants_support INTEGER NOT NULL DEFAULT 0,"
    "  safe_to_call TEXT,"
    "  safe_note TEXT,"
    "  language TEXT,"
    "  duplicate INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'unverified',"
    "  registered_at INTEGER NOT NULL,"
    "  decided_at INTEGER,"
    "  decided_by TEXT,"
    "  note TEXT);"
    "CREATE INDEX selfregs_recent ON selfregs (incident_id, registered_at);"
    "CREATE INDEX selfregs_queue ON selfregs (incident_id, registered_at)"
    "  WHERE state = 'unverified';"
    "CREATE TABLE public_tokens ("
    "  hash TEXT PRIMARY KEY,"
    "  person_id INTEGER NOT NULL REFERENCES persons (id),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER);"
    "CREATE INDEX public_tokens_person ON public_tokens (person_id, created_at);",
    /* 23 (issue 20, CAP 1.2 in): every CAP message
     * musterd acted on, by sender and identifier, so a replay is refused
     * (DUPLICATE) and an Update or Cancel finds the incident its
     * <references> stood up; written in the same transaction as the
     * standup, level change or standdown it caused (cap_cmd.c). */
    "CREATE TABLE cap_messages ("
    "  sender TEXT NOT NULL,"
    "  identifier TEXT NOT NULL,"
    "  sent TEXT NOT NULL,"
    "  msg_type TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  incident_id INTEGER REFERENCES incidents (id),"
    "  action TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  PRIMARY KEY (sender, identifier)) WITHOUT ROWID;",
    /* 24 (issue 20, EDXL-RM for staffing): every EDXL-RM message an
     * agency imported (pledge.import), by the agency and its MessageID,
     * with the reply it got: the same message again gets the same reply
     * and makes no second pledge; written in the same transaction as the
     * pledge it made (edxl_rm_cmd.c). */
    "CREATE TABLE edxl_rm_messages ("
    "  agency_id TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  msg_type TEXT NOT NULL,"
    "  ask_id INTEGER REFERENCES asks (id),"
    "  incident_id INTEGER REFERENCES incidents (id),"
    "  pledge_id INTEGER REFERENCES pledges (id),"
    "  reply TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  PRIMARY KEY (agency_id, message_id)) WITHOUT ROWID;",
    /* 25 (issue 19): referrals_provider
     * (provider, state) is read by no statement (referrals_pool, provider
     * and pathway, serves every query by provider) and cost every referral
     * and every change of its state an index write; bb_query_plans checks
     * that every index on a table growing with the incident is used.
     * referral_places: the places taken (referrals in state referred) of
     * each provider's pathway in each incident, kept by triggers in the
     * transaction that changes a referral, so routing reads a pool's
     * occupancy from a few counters instead of counting its referrals (a
     * count that grew with the referrals until the pathway was full).  A
     * migration that rebuilds referrals must create the triggers again. */
    "DROP INDEX IF EXISTS referrals_provider;"
    "CREATE TABLE referral_places ("
    "  provider TEXT NOT NULL,"
    "  pathway TEXT NOT NULL,"
    "  incident_id INTEGER NOT NULL,"
    "  referred INTEGER NOT NULL,"
    "  PRIMARY KEY (provider, pathway, incident_id)) WITHOUT ROWID;"
    "INSERT INTO referral_places SELECT provider, pathway, incident_id, COUNT(*) FROM referrals"
    "  WHERE state = 'referred' GROUP BY provider, pathway, incident_id;"
    "CREATE TRIGGER referral_places_add AFTER INSERT ON referrals WHEN NEW.state = 'referred'"
    " BEGIN INSERT INTO referral_places VALUES (NEW.provider, NEW.pathway, NEW.incident_id, 1)"
    "  ON CONFLICT DO UPDATE SET referred = referred + 1; END;"
    "CREATE TRIGGER referral_places_move AFTER UPDATE ON referrals"
    " WHEN OLD.state = 'referred' OR NEW.state = 'referred'"
    " BEGIN UPDATE referral_places SET referred = referred - 1 WHERE OLD.state = 'referred'"
    "  AND provider = OLD.provider AND pathway = OLD.pathway AND incident_id = OLD.incident_id;"
    " INSERT INTO referral_places SELECT NEW.provider, NEW.pathway, NEW.incident_id, 1"
    "  WHERE NEW.state = 'referred' ON CONFLICT DO UPDATE SET referred = referred + 1; END;"
    "CREATE TRIGGER referral_places_gone AFTER DELETE ON referrals WHEN OLD.state = 'referred'"
    " BEGIN UPDATE referral_places SET referred = referred - 1 WHERE provider = OLD.provider"
    "  AND pathway = OLD.pathway AND incident_id = OLD.incident_id; END;",
    /* 26: the SHA-256 of each imported EDXL-RM message's text, so that a
     * MessageID sent again with another document is refused (CONFLICT)
     * instead of answered with the first one's reply; NULL for messages
     * imported before. */
    "ALTER TABLE edxl_rm_messages ADD COLUMN digest TEXT;",
    /* 27 (issue 19): an incident's plan, as stood up from (plan_source)
     * and its JSON copy (plan_json), in a table of its own.  In the
     * incidents row they came before level, exercise, state and the
     * columns added since, and each is tens to hundreds of KiB: SQLite
     * stores such a row over a chain of overflow pages and walks the chain
     * to reach any column after them, so every request that looked up its
     * incident (incident_find: each registration, each agency.received)
     * read some 60 pages of plan text with the 500-agency bench plan.
     * The plan is read only to freeze it, show it and amend it. */
    "CREATE TABLE incident_plans ("
    "  incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),"
    "  plan_source TEXT NOT NULL,"
    "  plan_json TEXT NOT NULL);"
    "INSERT INTO incident_plans SELECT id, plan_source, plan_json FROM incidents;"
    "ALTER TABLE incidents DROP COLUMN plan_source;"
    "ALTER TABLE incidents DROP COLUMN plan_json;",
    /* 28 (issue 19): index entries a registration wrote and no query
     * read.  persons_ext holds only persons with an external reference (a
     * lookup by it says external_ref = ?, never NULL); pages_ack_due only
     * pages with a time to acknowledge (an urgent notice's: the queries
     * read ack_due_at <= ? or its MIN, never a NULL).  persons_incident
     * stays: a page of persons.list or person.export reads an incident's
     * persons in id order from it, without sorting them all. */
    "DROP INDEX persons_ext;"
    "CREATE INDEX persons_ext ON persons (incident_id, external_ref)"
    " WHERE external_ref IS NOT NULL;"
    "DROP INDEX pages_ack_due;"
    "CREATE INDEX pages_ack_due ON pages (ack_due_at)"
    " WHERE state = 'paging' AND alarm_id IS NULL AND ack_due_at IS NOT NULL;",
    /* 29 (issue 19): what the stand-down report, report.show and
     * person.show read by incident or person, by index.  Feed events are
     * never deleted, and the report's timeline and actions read every
     * event of every incident (json_extract on each body): some 50 ms on
     * the loop thread at 150,000 events, more each day.  events_report
     * holds only the kinds the report reads (EVENTS_REPORT_KINDS): the
     * three events of each registration are not in it, so intake writes
     * no more.  Alarms are read by incident for the report, a person's
     * possible duplicates from both sides (matches_id) for person.show,
     * the pages of a staffing ask (never a notice's) when it closes. */
    "CREATE INDEX events_report ON events (incident_id, kind) WHERE " EVENTS_REPORT_KINDS ";"
    "CREATE INDEX alarms_incident ON alarms (incident_id);"
    "CREATE INDEX duplicates_matches ON duplicates (matches_id);"
    "CREATE INDEX pages_ask ON pages (ask_id) WHERE ask_id IS NOT NULL;",
    /* 30 (issue 19): each CHECK that a column holds one of three or more
     * words is written as comparisons (state = 'a' OR state = 'b' ...)
     * instead of an IN list: checks_as_comparisons, below. */
    "",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Code that runs after a migration's SQL, in its transaction, by the
 * migration's index (30 is [29]). */
static int (*const migration_code[])(struct store *) = {[29] = store__checks_as_comparisons};

_Static_assert(NMIGRATIONS == MUSTER_SCHEMA_VERSION,
               "a migration added: set MUSTER_SCHEMA_VERSION in common/dbfile.h to match");

int store_schema_version(void)
{
    return NMIGRATIONS;
}

static int store_user_version(struct store *st, int *version)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        *version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return sql_errno(rc);
}

/* Before the first migration of a database that holds data: a copy as
 * it is, PATH.pre-vN (N the version migrated to), for a rollback to the
 * musterd before the upgrade.  A copy of that name kept from an earlier
 * attempt is the older one: it stays.  No copy, no migration. */
static int store_pre_migration_copy(struct store *st, const char *path, int version)
{
    char dest[4096], hex[65], err[512] = "";
    snprintf(dest, sizeof(dest), "%s.pre-v%d", path, NMIGRATIONS);
    int rc = dbfile_copy(st->db, dest, hex, err, sizeof(err));
    if (rc == -EEXIST) {
        log_notice("store: %s kept from an earlier start: the database before the upgrade", dest);
        return 0;
    }
    if (rc != 0) {
        log_error("store: no copy before migrating schema %d to %d (%s): not migrating", version,
                  NMIGRATIONS, err);
        return rc;
    }
    log_notice("store: schema %d to migrate to %d: the database as it was is %s (sha256 %s)",
               version, NMIGRATIONS, dest, hex);
    return 0;
}

int store__migrate(struct store *st, const char *path)
{
    int version = 0, rc = store_user_version(st, &version);
    if (rc != 0)
        return rc;
    if (version > NMIGRATIONS) {
        log_error("SCHEMA_NEWER: database %s has schema %d, newer than this musterd's %d", path,
                  version, NMIGRATIONS);
        return -EPROTO;
    }
    if (version > 0 && version < NMIGRATIONS && *path && strcmp(path, ":memory:") &&
        (rc = store_pre_migration_copy(st, path, version)) != 0)
        return rc;
    for (; version < NMIGRATIONS; version++) {
        char bump[64];
        snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
        int (*code)(struct store *) =
            version < (int)(sizeof(migration_code) / sizeof(migration_code[0]))
                ? migration_code[version]
                : NULL;
        if ((rc = store_begin(st)) != 0 || (rc = store_exec(st, migrations[version])) != 0 ||
            (code && (rc = code(st)) != 0) || (rc = store_exec(st, bump)) != 0 ||
            (rc = store_commit(st)) != 0) {
            store_rollback(st);
            return rc;
        }
        log_info("store: migrated schema to version %d", version + 1);
    }
    return 0;
}
