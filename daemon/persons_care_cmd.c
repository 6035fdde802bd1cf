/*
 * daemon/persons_care_cmd.c - the commands that work a person's care: screening,
 * consent, contact attempts, merging and unmerging duplicates, closing a
 * referral.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "board.h"
#include "dispatch.h"
#include "family.h"
#include "frozen.h"
#include "incident.h"
#include "jtext.h"
#include "namefold.h"
#include "outbox.h"
#include "persons.h"
#include "persons_int.h"
#include "plan.h"
#include "screening.h"
#include "server.h"
#include "store.h"
#include "workdays.h"

/* ---- screening, consent, contact ---- */

/* A deceased person is never contacted, screened or referred: 0, or -1
 * with c->err set (CONFLICT). */
static int not_deceased(struct cmd_ctx *c, const struct person_ref *p, const char *what)
{
    if (!p->deceased)
        return 0;
    return proto_fail(&c->err, ERR_CONFLICT, "person %lld is recorded deceased: never %s",
                      (long long)p->id, what);
}

/* While a person's family has a liaison officer, only the liaison (the
 * person named by the caller's key) records contact with them: 0, or -1
 * with c->err set (FORBIDDEN naming the liaison). */
static int liaison_only(struct cmd_ctx *c, const struct person_ref *p)
{
    char liaison[KEYS_PERSON_MAX + 1];
    int64_t family = 0;
    int rc = family_liaison_of(c->m, p->id, liaison, &family);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc == 0 || (c->person && !strcmp(c->person, liaison)))
        return 0;
    return proto_fail(&c->err, ERR_FORBIDDEN,
                      "person %lld's family has a family liaison officer, %s: contact goes "
                      "through them",
                      (long long)p->id, liaison);
}

static const char SQL_SCREEN_ADD[] =
    "INSERT INTO screenings (person_id, instrument, answers, score, positive, urgent, at, by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_SCREEN_FLAGS[] =
    "UPDATE persons SET screen_positive = ?2, urgent = CASE WHEN ?3 >= 0 THEN ?3 ELSE urgent END"
    " WHERE id = ?1";

static const char SQL_URGENT_OF[] = "SELECT urgent FROM persons WHERE id = ?1";

/* The board's urgent count follows the person's flag. */
static int urgent_count(struct cmd_ctx *c, const struct person_ref *p,
                        const struct screening_result *r)
{
    if (r->instrument != SCREEN_PHQ9)
        return 0;
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_URGENT_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    int rc = store_step(s);
    int was = rc > 0 && sqlite3_column_int(s, 0);
    sqlite3_reset(s);
    if (rc < 0)
        return rc;
    if (was == (int)r->urgent)
        return 0;
    return board_add(c->m, c->outbox, p->incident_id, "urgent", r->urgent ? 1 : -1);
}

static int screening_store(struct cmd_ctx *c, const struct person_ref *p, const char *name,
                           json_t *answers, const struct screening_result *r)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_SCREEN_ADD);
    char *text = jtext_dump(answers, false);
    if (!s || !text) {
        free(text);
        return -ENOMEM;
    }
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, r->score);
    sqlite3_bind_int(s, 5, r->positive);
    sqlite3_bind_int(s, 6, r->urgent);
    sqlite3_bind_int64(s, 7, c->now);
    sqlite3_bind_text(s, 8, c->actor, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s);
    free(text);
    if (rc != 0 || !(s = store_stmt(c->m->store, SQL_SCREEN_FLAGS)))
        return rc ? rc : -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_int(s, 2, r->positive ? 1 : -1);
    sqlite3_bind_int(s, 3, r->instrument == SCREEN_PHQ9 ? (int)r->urgent : -1);
    if ((rc = store_exec_stmt(s)) != 0)
        return rc;
    /* a screen a week early counts */
    return persons_rescreen_done(c->m, c->outbox, p->incident_id, p->id, name, c->now + 7 * DAY_MS,
                                 c->now);
}

/* A TSQ asked for too soon after the incident is scheduled, not scored. */
static int screening_too_soon(struct cmd_ctx *c, const struct person_ref *p, int instrument,
                              const struct plan_screening *cfg)
{
    struct incident inc = {0};
    int rc = incident_get(c->m->store, p->incident_id, &inc);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    int64_t earliest =
        screening_earliest((enum screening_instrument)instrument, cfg, inc.created_at);
    if (c->now >= earliest)
        return 0;
    rc = persons_rescreen_add(c->m, p->id, earliest,
                              screening_instrument_name((enum screening_instrument)instrument),
                              cfg->rescreen_grace_days);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s, s:I, s:s}", "person", (json_int_t)p->id, "instrument",
                          screening_instrument_name((enum screening_instrument)instrument),
                          "scheduled_for", (json_int_t)earliest, "state", "scheduled");
    return 1;
}

static int cmd_screen(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *name = NULL;
    json_t *answers = json_object_get(c->args, "answers");
    if (dispatch_person(c, "person", &p, true) ||
        proto_arg_str(c->args, "instrument", true, 8, &name, &c->err) ||
        not_deceased(c, &p, "screened"))
        return -1;
    int instrument = screening_instrument_from_name(name);
    if (instrument < 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "instrument is tsq, phq9 or gad7");
    const struct plan *plan = frozen_plan(c->m, p.incident_id);
    const struct plan_screening *cfg = &plan->persons.screening;
    struct screening_result r;
    char err[200];
    if (screening_score((enum screening_instrument)instrument, answers, cfg, &r, err,
                        sizeof(err)) != 0)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "%s", err);
    int soon = screening_too_soon(c, &p, instrument, cfg);
    if (soon != 0)
        return soon < 0 ? -1 : 0;
    int rc = urgent_count(c, &p, &r);
    if (rc == 0)
        rc = screening_store(c, &p, name, answers, &r);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, p.id, c->now);
    if (rc == 0)
        rc = outbox_event(
            c->m, c->outbox, p.incident_id, p.ref, r.urgent ? "person.urgent" : "person.screened",
            json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "instrument", name), c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:I, s:s, s:i, s:i, s:b, s:b}", "person", (json_int_t)p.id, "instrument", name,
                  "score", r.score, "max", r.max, "positive", r.positive, "urgent", r.urgent);
    return 0;
}

static const char SQL_CONSENT[] = "UPDATE persons SET consent = ?2, guardian = ?3 WHERE id = ?1";

/* Run sql (an UPDATE of person ?1 setting ?2 to text): 0 or -errno. */
static int person_set(struct cmd_ctx *c, const char *sql, int64_t id, const char *text)
{
    sqlite3_stmt *s = store_stmt(c->m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    return store_exec_stmt(s);
}

/* The consent (and the parent or guardian who gave it, for a child) of
 * person id: 0 or -errno. */
static int consent_set(struct cmd_ctx *c, int64_t id, const char *consent, const char *guardian)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CONSENT);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, consent, -1, SQLITE_STATIC);
    store_bind_text_opt(s, 3, guardian);
    return store_exec_stmt(s);
}

static int cmd_consent(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *consent = NULL, *guardian = NULL;
    if (dispatch_person(c, "person", &p, true) ||
        proto_arg_str(c->args, "consent", true, 10, &consent, &c->err) ||
        proto_arg_text(c->args, "guardian", false, 200, &guardian, &c->err) ||
        not_deceased(c, &p, "referred"))
        return -1;
    if (strcmp(consent, "given") && strcmp(consent, "refused") && strcmp(consent, "not_asked"))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "consent is given, refused or not_asked");
    if (guardian && (!strcmp(consent, "not_asked") || !guardian[0]))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"guardian\" names who gave or refused consent");
    int rc = consent_set(c, p.id, consent, guardian);
    if (rc == 0 && !strcmp(consent, "refused"))
        rc = persons_referral_close(c->m, c->outbox, p.id, "consent refused", c->now);
    if (rc == 0)
        rc = persons_route(c->m, c->outbox, p.id, c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s, s:s?}", "person", (json_int_t)p.id, "consent", consent,
                          "guardian", guardian);
    return 0;
}

/* The part of the local day an attempt falls in: attempts must vary it. */
static const char *day_slot(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_hour < 12 ? "morning" : tm.tm_hour < 17 ? "afternoon" : "evening";
}

static const char SQL_NO_ANSWERS[] =
    "SELECT COUNT(*), SUM(slot = ?2) FROM contacts WHERE person_id = ?1 AND outcome = 'no_answer'";
static const char SQL_CONTACT_ADD[] =
    "INSERT INTO contacts (person_id, at, by, outcome, slot, note, channel, kind, address_kind)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char SQL_CONTACT_STATE[] = "UPDATE persons SET contact_state = ?2 WHERE id = ?1";

static const char SQL_CONTACT_OF[] = "SELECT contact_state FROM persons WHERE id = ?1";

/* A contact attempt as person.contact gives it. */
struct contact_in {
    const char *outcome, *note, *channel, *kind, *to, *slot, *state;
};

/* Person id's contact state into old ("none" when there is none). */
static int contact_state_of(struct cmd_ctx *c, int64_t id, char old[32])
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CONTACT_OF);
    snprintf(old, 32, "none");
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    if (rc > 0)
        snprintf(old, 32, "%s", store_col_text(s, 0));
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* contact/<state> moves from the person's old state to the new. */
static int contact_count(struct cmd_ctx *c, const struct person_ref *p, const char *state)
{
    char old[32], key[64];
    int rc = contact_state_of(c, p->id, old);
    if (rc < 0 || !strcmp(old, state))
        return rc;
    if (strcmp(old, "none")) {
        snprintf(key, sizeof(key), "contact/%s", old);
        rc = board_add(c->m, c->outbox, p->incident_id, key, -1);
    }
    snprintf(key, sizeof(key), "contact/%s", state);
    return rc ? rc : board_add(c->m, c->outbox, p->incident_id, key, 1);
}

static int contact_insert(struct cmd_ctx *c, const struct person_ref *p,
                          const struct contact_in *in)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CONTACT_ADD);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_int64(s, 2, c->now);
    sqlite3_bind_text(s, 3, c->actor, -1, SQLITE_STATIC);
    const char *text[] = {in->outcome, in->slot, in->note, in->channel, in->kind, in->to};
    for (int i = 0; i < 6; i++)
        store_bind_text_opt(s, 4 + i, text[i]);
    return store_exec_stmt(s);
}

static int contact_record(struct cmd_ctx *c, const struct person_ref *p,
                          const struct contact_in *in)
{
    const char *state = in->state;
    int rc = contact_count(c, p, state);
    if (rc == 0)
        rc = contact_insert(c, p, in);
    if (rc == 0)
        rc = person_set(c, SQL_CONTACT_STATE, p->id, state);
    if (rc == 0 && (!strcmp(state, "declined") || !strcmp(state, "unable_to_contact")))
        rc = persons_referral_close(c->m, c->outbox, p->id, state, c->now);
    if (rc == 0)
        rc = persons_retention_mark(c->m, c->outbox, p->id, p->incident_id, false, c->now);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p->incident_id, p->ref, "person.contact",
                          json_pack("{s:I, s:s, s:s, s:s}", "person", (json_int_t)p->id, "channel",
                                    in->channel, "outcome", in->outcome, "state", state),
                          c->now);
    return rc;
}

/* The person's unanswered attempts: how many, and how many in slot. */
static int no_answers(struct cmd_ctx *c, int64_t id, const char *slot, int *tried, int *same)
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_NO_ANSWERS);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, slot, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        *tried = sqlite3_column_int(s, 0);
        *same = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* The outcomes each channel can have, and the kinds of letter or email
 * and of address they are logged with. */
static const struct {
    const char *channel, *outcomes, *to;
} contact_channels[] = {
    {"phone", " no_answer contacted declined ", NULL},
    {"visit", " no_answer contacted declined ", NULL},
    {"sms", " sent contacted declined ", NULL},
    {"email", " sent contacted declined ", " personal work safe other "},
    {"letter", " sent ", " home safe care_of work other "},
};
static const char CONTACT_KINDS[] =
    " introduction appointment information referral rescreen other ";

/* Whether word is one of the space-separated words of list. */
static bool one_of(const char *list, const char *word)
{
    char w[40];
    snprintf(w, sizeof(w), " %s ", word);
    return list && !strchr(word, ' ') && strstr(list, w) != NULL;
}

/* Check the attempt's channel, outcome, kind and address kind.  Returns
 * 0, or -1 with c->err set. */
static int contact_check(struct cmd_ctx *c, const struct contact_in *in)
{
    size_t i = 0, n = sizeof(contact_channels) / sizeof(contact_channels[0]);
    while (i < n && strcmp(contact_channels[i].channel, in->channel))
        i++;
    if (i == n)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "channel is phone, sms, email, letter or visit");
    if (!one_of(contact_channels[i].outcomes, in->outcome))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "outcome by %s is one of:%s", in->channel,
                          contact_channels[i].outcomes);
    bool sent_mail = contact_channels[i].to && !strcmp(in->outcome, "sent");
    if (!sent_mail && (in->kind || in->to))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "\"kind\" and \"to\" are for a letter or email sent");
    if (sent_mail && (!in->kind || !one_of(CONTACT_KINDS, in->kind)))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "kind is one of:%s", CONTACT_KINDS);
    if (sent_mail && (!in->to || !one_of(contact_channels[i].to, in->to)))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "to (for %s) is one of:%s", in->channel,
                          contact_channels[i].to);
    if (sent_mail && in->note)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          "a letter or email is logged without its content: no \"note\"");
    return 0;
}

/* A no_answer: the state it leaves, or -1 with c->err set when the
 * plan's attempts are used up or this part of the day already failed. */
static int contact_no_answer(struct cmd_ctx *c, const struct person_ref *p, struct contact_in *in)
{
    int tried = 0, same = 0, rc = no_answers(c, p->id, in->slot, &tried, &same);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    const struct plan *plan = frozen_plan(c->m, p->incident_id);
    int max = plan ? plan->persons.contact_attempts : 3;
    if (tried >= max)
        return proto_fail(&c->err, ERR_CONFLICT, "already %d attempts: unable to contact", tried);
    if (same > 0)
        return proto_fail(&c->err, ERR_CONFLICT,
                          "an attempt this %s already failed: try at another time of day",
                          in->slot);
    in->state = tried + 1 >= max ? "unable_to_contact" : "attempting";
    return 0;
}

/* The state the attempt leaves: a letter, email or SMS sent moves a
 * person not yet tried to attempting and leaves any other state. */
static int contact_state(struct cmd_ctx *c, const struct person_ref *p, struct contact_in *in,
                         char old[32])
{
    in->state = in->outcome;
    if (!strcmp(in->outcome, "no_answer"))
        return contact_no_answer(c, p, in);
    if (strcmp(in->outcome, "sent"))
        return 0;
    int rc = contact_state_of(c, p->id, old);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    in->state = strcmp(old, "none") ? old : "attempting";
    return 0;
}

static int contact_args_parse(struct cmd_ctx *c, struct person_ref *p, struct contact_in *in)
{
    *in = (struct contact_in){.channel = "phone", .slot = day_slot(c->now)};
    if (dispatch_person(c, "person", p, true) ||
        proto_arg_str(c->args, "outcome", true, 16, &in->outcome, &c->err) ||
        proto_arg_text(c->args, "note", false, 2000, &in->note, &c->err) ||
        proto_arg_str(c->args, "channel", false, 16, &in->channel, &c->err) ||
        proto_arg_str(c->args, "kind", false, 32, &in->kind, &c->err) ||
        proto_arg_str(c->args, "to", false, 32, &in->to, &c->err))
        return -1;
    return contact_check(c, in);
}

static int cmd_contact(struct cmd_ctx *c)
{
    struct person_ref p;
    struct contact_in in;
    char why[300], old[32];
    if (contact_args_parse(c, &p, &in) != 0 || not_deceased(c, &p, "contacted") ||
        liaison_only(c, &p))
        return -1;
    int rc = persons_safe_check(c->m->store, p.id, in.channel, c->now, why, sizeof(why));
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    if (rc > 0)
        return proto_fail(&c->err, ERR_CONFLICT, "%s", why);
    if (contact_state(c, &p, &in, old) != 0)
        return -1;
    if ((rc = contact_record(c, &p, &in)) != 0)
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:I, s:s, s:s, s:s, s:s}", "person", (json_int_t)p.id, "channel", in.channel,
                  "outcome", in.outcome, "slot", in.slot, "contact_state", in.state);
    if (in.kind)
        json_object_set_new(c->result, "kind", json_string(in.kind));
    if (in.to)
        json_object_set_new(c->result, "to", json_string(in.to));
    return 0;
}

/* ---- duplicates and referrals ---- */

static const char SQL_MERGE[] = "UPDATE persons SET merged_into = ?2 WHERE id = ?1";
static const char SQL_CATEGORY_OF[] = "SELECT category FROM persons WHERE id = ?1";

/* The category of person id ("other" when there is none).  Returns 0 or
 * -errno. */
static int category_of(struct cmd_ctx *c, int64_t id, char category[16])
{
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_CATEGORY_OF);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    int rc = store_step(s);
    snprintf(category, 16, "%s", rc > 0 ? store_col_text(s, 0) : "other");
    sqlite3_reset(s);
    return rc < 0 ? rc : 0;
}

/* Merge person id into person into (0: unmerge), and count the person
 * (delta) on the board.  Returns 0 or -errno. */
static int merge_set(struct cmd_ctx *c, const struct person_ref *p, int64_t into, int delta)
{
    char category[16];
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_MERGE);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, p->id);
    if (into)
        sqlite3_bind_int64(s, 2, into);
    else
        sqlite3_bind_null(s, 2);
    int rc = store_exec_stmt(s);
    if (rc == 0 && delta < 0)
        rc = persons_referral_close(c->m, c->outbox, p->id, "merged", c->now);
    if (rc == 0 && delta > 0)
        rc = persons_route(c->m, c->outbox, p->id, c->now);
    if (rc == 0)
        rc = category_of(c, p->id, category);
    return rc ? rc : persons_board_count(c->m, c->outbox, p->incident_id, category, delta);
}

static int cmd_merge(struct cmd_ctx *c)
{
    struct person_ref keep, gone;
    if (dispatch_person(c, "keep", &keep, true) || dispatch_person(c, "merge", &gone, true))
        return -1;
    snprintf(c->target, sizeof(c->target), "person %lld into %lld", (long long)gone.id,
             (long long)keep.id);
    if (keep.id == gone.id || keep.incident_id != gone.incident_id)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "merge two persons of the same incident");
    if (keep.merged || gone.merged)
        return proto_fail(&c->err, ERR_CONFLICT, "one of them is already merged");
    int rc = merge_set(c, &gone, keep.id, -1);
    if (rc == 0)
        rc = outbox_event(
            c->m, c->outbox, keep.incident_id, keep.ref, "person.merged",
            json_pack("{s:I, s:I}", "person", (json_int_t)gone.id, "into", (json_int_t)keep.id),
            c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:I}", "kept", (json_int_t)keep.id, "merged", (json_int_t)gone.id);
    return 0;
}

static int cmd_unmerge(struct cmd_ctx *c)
{
    struct person_ref p;
    if (dispatch_person(c, "person", &p, true))
        return -1;
    if (!p.merged)
        return proto_fail(&c->err, ERR_CONFLICT, "person %lld is not merged", (long long)p.id);
    int rc = merge_set(c, &p, 0, 1);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, p.incident_id, p.ref, "person.unmerged",
                          json_pack("{s:I}", "person", (json_int_t)p.id), c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:b}", "person", (json_int_t)p.id, "merged", 0);
    return 0;
}

/* referral.close: the pathway's work with the person is done (or they
 * moved on); their place goes to the waitlist. */
static int cmd_close(struct cmd_ctx *c)
{
    struct person_ref p;
    const char *reason = "completed";
    if (dispatch_person(c, "person", &p, true) ||
        proto_arg_str(c->args, "reason", false, 200, &reason, &c->err))
        return -1;
    int rc = persons_referral_close(c->m, c->outbox, p.id, reason, c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:s}", "person", (json_int_t)p.id, "referral", "closed");
    return 0;
}

static const char *const person_args[] = {"person", NULL};
static const char *const screen_args[] = {"person", "instrument", "answers", NULL};
static const char *const consent_args[] = {"person", "consent", "guardian", NULL};
static const char *const contact_args[] = {"person", "outcome", "note", "channel",
                                           "kind",   "to",      NULL};
static const char *const merge_args[] = {"keep", "merge", NULL};
static const char *const close_args[] = {"person", "reason", NULL};

const struct command person_care_commands[] = {
    {.name = "person.screen", .fn = cmd_screen, .args = screen_args, .flags = CMD_MUTATING},
    {.name = "person.consent", .fn = cmd_consent, .args = consent_args, .flags = CMD_MUTATING},
    {.name = "person.contact", .fn = cmd_contact, .args = contact_args, .flags = CMD_MUTATING},
    {.name = "person.merge", .fn = cmd_merge, .args = merge_args, .flags = CMD_MUTATING},
    {.name = "person.unmerge", .fn = cmd_unmerge, .args = person_args, .flags = CMD_MUTATING},
    {.name = "referral.close", .fn = cmd_close, .args = close_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
