/*
 * daemon/paging_cmd.c - the paging commands: an agency listens for its
 * pages and acknowledges them, a relay (the Hub) acknowledges on an
 * agency's behalf by the code it sent back, Gold re-pages an agency.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alarm.h"
#include "authz.h"
#include "board.h"
#include "control.h"
#include "dispatch.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "server.h"
#include "staffing.h"
#include "store.h"

struct page_ref {
    int64_t id, incident_id;
    char agency[48];
    char state[16];
    char ref[INCIDENT_REF_MAX];
    char incident_state[16];
    char acked_by[KEYS_HOLDER_MAX + 4];
    int64_t ask_id; /* a call for staff, 0 for the activation page */
    char kind[24];  /* "page", or a notice's kind ("referral", "promotion") */
    int64_t ref_id; /* a notice's record */
};

static const char SQL_BY_CODE[] =
    "SELECT p.id, p.incident_id, p.agency_id, p.state, i.ref, i.state, p.acked_by, p.ask_id,"
    " p.kind, p.ref_id FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.ack_code = ?1";
static const char SQL_BY_MY_CODE[] =
    "SELECT p.id, p.incident_id, p.agency_id, p.state, i.ref, i.state, p.acked_by, p.ask_id,"
    " p.kind, p.ref_id FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.ack_code = ?1"
    " AND p.agency_id = ?2";
static const char SQL_BY_REF[] =
    "SELECT p.id, p.incident_id, p.agency_id, p.state, i.ref, i.state, p.acked_by, p.ask_id,"
    " p.kind, p.ref_id FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE i.ref = ?1 AND "
    "p.agency_id = ?2"
    " AND p.ask_id IS NULL AND p.kind = 'page'";
static const char SQL_BY_PERSON[] =
    "SELECT p.id, p.incident_id, p.agency_id, p.state, i.ref, i.state, p.acked_by, p.ask_id,"
    " p.kind, p.ref_id FROM pages p JOIN incidents i ON i.id = p.incident_id"
    " WHERE p.agency_id = ?2 AND p.kind IN ('referral', 'promotion')"
    " AND p.ref_id IN (SELECT id FROM referrals WHERE person_id = ?1)"
    " ORDER BY p.state <> 'paging', p.id DESC LIMIT 1";

/* Find a page with query sql (SQL_BY_*) and its parameters a and b (b
 * NULL for SQL_BY_CODE). */
static int page_find(struct cmd_ctx *c, const char *sql, const char *a, const char *b,
                     struct page_ref *out)
{
    sqlite3_stmt *s = store_stmt(c->m->store, sql);
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        out->id = sqlite3_column_int64(s, 0);
        out->incident_id = sqlite3_column_int64(s, 1);
        snprintf(out->agency, sizeof(out->agency), "%s", store_col_text(s, 2));
        snprintf(out->state, sizeof(out->state), "%s", store_col_text(s, 3));
        snprintf(out->ref, sizeof(out->ref), "%s", store_col_text(s, 4));
        snprintf(out->incident_state, sizeof(out->incident_state), "%s", store_col_text(s, 5));
        const char *by = store_col_text(s, 6);
        snprintf(out->acked_by, sizeof(out->acked_by), "%s", by ? by : "");
        out->ask_id = sqlite3_column_int64(s, 7);
        snprintf(out->kind, sizeof(out->kind), "%s", store_col_text(s, 8));
        out->ref_id = sqlite3_column_int64(s, 9);
    }
    sqlite3_reset(s);
    return rc > 0 ? 0 : rc == 0 ? -ENOENT : rc;
}

static const char SQL_ACK[] =
    "UPDATE pages SET state = 'acknowledged', next_at = NULL, acked_at = ?2, acked_by = ?3,"
    " ack_note = ?4, ack_via = ?5 WHERE id = ?1 AND (state IN ('paging', 'unreachable')"
    " OR ack_via = 'delivered')";

/* The acknowledgement event's data; a call for staff says which ask. */
static json_t *ack_data(const struct page_ref *pg, const char *by, const char *note,
                        const char *via)
{
    json_t *d = json_pack("{s:s, s:s, s:s?, s:s}", "agency", pg->agency, "by", by, "note", note,
                          "via", via);
    if (pg->ask_id)
        json_object_set_new(d, "ask", json_integer(pg->ask_id));
    if (strcmp(pg->kind, "page")) {
        json_object_set_new(d, "kind", json_string(pg->kind));
        json_object_set_new(d, "ref_id", json_integer(pg->ref_id));
        json_object_set_new(d, "page_id", json_integer(pg->id));
    }
    return d;
}

/* What an acknowledgement of pg ends: the alarm of a referral's notice
 * (its provider answered), the unreachable alarm of an agency's
 * activation page.  An alarm's own page ends no alarm: the alarm stays
 * open until cleared.  0 or -errno. */
static int ack_resolves(struct cmd_ctx *c, const struct page_ref *pg)
{
    char cause[80];
    if (!strcmp(pg->kind, "alarm"))
        return 0;
    if (strcmp(pg->kind, "page"))
        return alarm_resolve_referral(c->m, c->outbox, pg->ref_id, c->actor, c->now);
    if (pg->ask_id)
        return 0;
    snprintf(cause, sizeof(cause), "agency_unreachable:%s", pg->agency);
    return alarm_resolve_cause(c->m, c->outbox, pg->incident_id, cause, c->actor, c->now);
}

/* The journal line of an acknowledgement (the ladder, never a name). */
static void ack_log(struct cmd_ctx *c, const struct page_ref *pg, const char *via)
{
    if (!strcmp(pg->kind, "alarm"))
        outbox_log(c->outbox, "alarms: %s: alarm %lld acknowledged on the %s ladder (via %s)",
                   pg->ref, (long long)pg->ref_id, pg->agency, via);
    else if (strcmp(pg->kind, "page"))
        outbox_log(c->outbox, "paging: %s: %s notice %lld acknowledged by agency %s (via %s)",
                   pg->ref, pg->kind, (long long)pg->id, pg->agency, via);
    else
        outbox_log(c->outbox, "paging: %s: agency %s acknowledged%s (via %s)", pg->ref, pg->agency,
                   pg->ask_id ? " a call for staff" : "", via);
}

/* Acknowledge page pg: no further notification, in-flight deliveries
 * stopped after the commit. */
static int ack_page(struct cmd_ctx *c, struct page_ref *pg, const char *note, const char *via)
{
    bool notice = strcmp(pg->kind, "page") != 0;
    if (notice)
        snprintf(c->target, sizeof(c->target), "%s page %lld", pg->ref, (long long)pg->id);
    else
        snprintf(c->target, sizeof(c->target), "%s %s", pg->ref, pg->agency);
    if (notice && !strcmp(pg->state, "cancelled"))
        return proto_fail(&c->err, ERR_CONFLICT, "the %s was withdrawn: its referral closed",
                          pg->kind);
    if (!strcmp(pg->state, "cancelled") || strcmp(pg->incident_state, "active"))
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", pg->ref);
    if (!strcmp(pg->state, "acknowledged") && pg->acked_by[0]) {
        c->result =
            json_pack("{s:s, s:s, s:s, s:b, s:s}", "incident", pg->ref, "agency", pg->agency,
                      "state", "acknowledged", "already", 1, "acknowledged_by", pg->acked_by);
        return 0;
    }
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_ACK);
    int rc = s ? 0 : -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, pg->id);
        sqlite3_bind_int64(s, 2, c->now);
        sqlite3_bind_text(s, 3, c->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, via, -1, SQLITE_STATIC);
        rc = store_exec_stmt(s);
    }
    if (rc == 0)
        rc = paging_cancel_in_flight(c->m, c->outbox, pg->incident_id, pg->id, c->now);
    if (rc == 0 && !notice)
        paging_agency_board(c->m, c->outbox, pg->incident_id, pg->agency);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, pg->incident_id, pg->ref,
                          notice ? "notice.acknowledged" : "agency.acknowledged",
                          ack_data(pg, c->actor, note, via), c->now);
    if (rc == 0)
        rc = ack_resolves(c, pg);
    if (rc == 0)
        rc = paging_rearm_after_commit(c->m, c->outbox);
    if (rc == 0)
        ack_log(c, pg, via);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:s, s:s, s:s, s:b}", "incident", pg->ref, "agency", pg->agency,
                          "state", "acknowledged", "already", 0);
    if (notice)
        json_object_set_new(c->result, "kind", json_string(pg->kind));
    return 0;
}

static int not_found(struct cmd_ctx *c, int rc, const char *what)
{
    if (rc == -ENOENT)
        return proto_fail(&c->err, ERR_NOT_FOUND, "%s", what);
    return dispatch_storage_fail(c, rc);
}

/*
 * Guessing acknowledgement codes.  A wrong code is a NOT_FOUND with the
 * audit target "ack code"; the audit trail is what counts them, so the
 * count is exact within a batch and survives a restart.  A principal with
 * `limit` wrong codes in the last CODE_WINDOW_MS gets RATE_LIMITED for any
 * code (right or wrong) until the oldest of them leaves the window; an
 * agency can still acknowledge by incident meanwhile.  Relays get a higher
 * limit: "duty" is one principal for the whole Hub desk, which types codes
 * read out over the phone by many agencies during a major incident.
 */
#define CODE_WINDOW_MS (10 * 60 * 1000)
#define AGENCY_CODE_LIMIT 5
#define RELAY_CODE_LIMIT 20

/* Refuse a code attempt when the principal is over its limit. */
static int code_limit_check(struct cmd_ctx *c, int limit)
{
    int64_t at = 0;
    snprintf(c->target, sizeof(c->target), "%s", STORE_AUDIT_ACK_CODE);
    int rc = store_audit_wrong_code(c->m->store, c->principal, c->now - CODE_WINDOW_MS, limit, &at);
    if (rc == -ENOENT)
        return 0;
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    int64_t wait = at + CODE_WINDOW_MS - c->now;
    log_warnx("paging: %s refused an acknowledgement code: %d wrong codes in %d minutes",
              c->principal, limit, CODE_WINDOW_MS / 60000);
    proto_fail(&c->err, ERR_RATE_LIMITED,
               "too many wrong acknowledgement codes: try again in %lld s",
               (long long)(wait + 999) / 1000);
    c->err.retry_after_ms = wait > 0 ? wait : 1;
    return -1;
}

/* A code that matched nothing (for an agency: none of its own pages). */
static int code_wrong(struct cmd_ctx *c, int rc, int limit, const char *what)
{
    if (rc != -ENOENT)
        return dispatch_storage_fail(c, rc);
    int64_t at;
    rc = store_audit_wrong_code(c->m->store, c->principal, c->now - CODE_WINDOW_MS, limit - 1, &at);
    if (rc == 0)
        log_error("ALARM paging: %s sent %d wrong acknowledgement codes in %d minutes (guessing?);"
                  " its codes are refused for up to %d minutes",
                  c->principal, limit, CODE_WINDOW_MS / 60000, CODE_WINDOW_MS / 60000);
    else
        log_warnx("paging: %s sent a wrong acknowledgement code", c->principal);
    return proto_fail(&c->err, ERR_NOT_FOUND, "%s", what);
}

/* The "code" argument as people type it, in its canonical form in buf
 * (see proto_ack_code); *code NULL when absent.  What is no code at all
 * becomes "", which matches no page: it is a wrong code like any other,
 * counted and answered alike. */
static int code_arg(struct cmd_ctx *c, bool required, char buf[PROTO_ACK_CODE_LEN + 1],
                    const char **code)
{
    const char *raw = NULL;
    if (proto_arg_str(c->args, "code", required, PROTO_ACK_CODE_MAX, &raw, &c->err))
        return -1;
    if (raw && proto_ack_code(raw, buf) != 0)
        buf[0] = '\0';
    *code = raw ? buf : NULL;
    return 0;
}

/* The pledge an acknowledgement carries ({role, count, shifts, names,
 * note}): agency offers staff for the incident of page pg; the pledge is
 * added to the reply. */
static int ack_pledge(struct cmd_ctx *c, const struct page_ref *pg, const char *agency,
                      json_t *pledge)
{
    static const char *const known[] = {"role", "count", "shifts", "names", "note", NULL};
    struct incident inc;
    struct staffing_offer o = {.incident = &inc, .agency = agency, .by = c->actor, .now = c->now};
    json_t *p = NULL;
    if (!json_is_object(pledge))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "\"pledge\" must be an object");
    if (proto_args_known(pledge, known, &c->err) || staffing_offer_args(pledge, &o, &c->err) ||
        dispatch_incident(c, pg->ref, &inc))
        return -1;
    int rc = staffing_offer_add(c->m, c->outbox, &o, &c->err, &p);
    if (rc != 0)
        return rc == STAFFING_REFUSED ? -1 : dispatch_storage_fail(c, rc);
    snprintf(c->target, sizeof(c->target), "%s pledge %lld", inc.ref,
             (long long)json_integer_value(json_object_get(p, "id")));
    json_object_set_new(c->result, "pledge", p);
    return 0;
}

/* agency.ack: an agency acknowledges its own page, by incident or code.
 * Another agency's code is "no such code", as an unknown one is: the
 * answer must not tell an agency which codes exist. */
static int cmd_agency_ack(struct cmd_ctx *c)
{
    const char *ref = NULL, *code = NULL, *note = NULL;
    const char *me = authz_agency_id(c->principal);
    char buf[PROTO_ACK_CODE_LEN + 1];
    json_t *pledge = json_object_get(c->args, "pledge");
    if (json_is_null(pledge))
        pledge = NULL;
    if (proto_arg_str(c->args, "incident", false, INCIDENT_REF_MAX, &ref, &c->err) ||
        code_arg(c, false, buf, &code) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err))
        return -1;
    if (!ref == !code)
        return proto_fail(&c->err, ERR_BAD_ARGUMENT, "give either \"incident\" or \"code\"");
    if (code && code_limit_check(c, AGENCY_CODE_LIMIT) != 0)
        return -1;
    struct page_ref pg;
    int rc = page_find(c, ref ? SQL_BY_REF : SQL_BY_MY_CODE, ref ? ref : code, me, &pg);
    if (rc != 0 && code)
        return code_wrong(c, rc, AGENCY_CODE_LIMIT, "no such code for your agency");
    if (rc != 0)
        return not_found(c, rc, "your agency was not paged for that incident");
    if (ack_page(c, &pg, note, code ? "code" : "agency") != 0)
        return -1;
    return pledge ? ack_pledge(c, &pg, me, pledge) : 0;
}

/* page.ack: a relay (the Hub's SMS or phone desk) posts back a code. */
static int cmd_page_ack(struct cmd_ctx *c)
{
    const char *code = NULL, *note = NULL, *via = "relay";
    char buf[PROTO_ACK_CODE_LEN + 1];
    if (code_arg(c, true, buf, &code) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err) ||
        proto_arg_str(c->args, "via", false, 40, &via, &c->err))
        return -1;
    if (code_limit_check(c, RELAY_CODE_LIMIT) != 0)
        return -1;
    struct page_ref pg;
    int rc = page_find(c, SQL_BY_CODE, code, NULL, &pg);
    if (rc != 0)
        return code_wrong(c, rc, RELAY_CODE_LIMIT, "no page has that acknowledgement code");
    return ack_page(c, &pg, note, via);
}

/* referral.ack: the provider acknowledges the notice of a person's
 * referral, by person (its own notice) or by code; the duty desk or Gold
 * relays a code the provider sent back. */
static int cmd_referral_ack(struct cmd_ctx *c)
{
    const char *code = NULL, *note = NULL, *me = authz_agency_id(c->principal);
    char buf[PROTO_ACK_CODE_LEN + 1];
    int64_t person = 0;
    if (proto_arg_int(c->args, "person", false, 1, INT64_MAX, &person, &c->err) ||
        code_arg(c, false, buf, &code) ||
        proto_arg_text(c->args, "note", false, 2000, &note, &c->err))
        return -1;
    if (!person == !code || (!me && !code))
        return proto_fail(&c->err, ERR_BAD_ARGUMENT,
                          me ? "give either \"person\" or \"code\"" : "give \"code\"");
    int limit = me ? AGENCY_CODE_LIMIT : RELAY_CODE_LIMIT;
    if (code && code_limit_check(c, limit) != 0)
        return -1;
    struct page_ref pg;
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)person);
    int rc = page_find(c, code ? (me ? SQL_BY_MY_CODE : SQL_BY_CODE) : SQL_BY_PERSON,
                       code ? code : id, me, &pg);
    if (rc != 0 && code)
        return code_wrong(c, rc, limit, "no such code");
    if (rc != 0)
        return not_found(c, rc, "no referral of that person was sent to your agency");
    return ack_page(c, &pg, note, code ? (me ? "code" : "relay") : "agency");
}

static const char SQL_REPAGE[] =
    "UPDATE pages SET state = 'paging', step = 0, attempt = 0, next_at = ?2, started_at = ?2,"
    " unreachable_at = NULL, repages = repages + 1 WHERE id = ?1";

/* agency.repage: Gold starts an agency's ladder again. */
static int cmd_repage(struct cmd_ctx *c)
{
    const char *ref = NULL, *agency = NULL;
    if (proto_arg_str(c->args, "incident", true, INCIDENT_REF_MAX, &ref, &c->err) ||
        proto_arg_str(c->args, "agency", true, 40, &agency, &c->err))
        return -1;
    struct page_ref pg;
    int rc = page_find(c, SQL_BY_REF, ref, agency, &pg);
    if (rc != 0)
        return not_found(c, rc, "that agency was not paged for that incident");
    snprintf(c->target, sizeof(c->target), "%s %s", pg.ref, pg.agency);
    if (strcmp(pg.incident_state, "active"))
        return proto_fail(&c->err, ERR_CONFLICT, "incident %s is stood down", pg.ref);
    if (strcmp(pg.state, "unreachable") && strcmp(pg.state, "paging"))
        return proto_fail(&c->err, ERR_CONFLICT, "the page is %s", pg.state);
    sqlite3_stmt *s = store_stmt(c->m->store, SQL_REPAGE);
    rc = s ? 0 : -EINVAL;
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, pg.id);
        sqlite3_bind_int64(s, 2, c->now);
        rc = store_exec_stmt(s);
    }
    if (rc == 0)
        paging_agency_board(c->m, c->outbox, pg.incident_id, pg.agency);
    if (rc == 0)
        rc = outbox_event(c->m, c->outbox, pg.incident_id, pg.ref, "agency.repaged",
                          json_pack("{s:s, s:s}", "agency", pg.agency, "by", c->actor), c->now);
    if (rc == 0)
        rc = paging_rearm_after_commit(c->m, c->outbox);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result =
        json_pack("{s:s, s:s, s:s}", "incident", pg.ref, "agency", pg.agency, "state", "paging");
    return 0;
}

static int flush_task(struct muster *m, struct outbox *ob, void *arg)
{
    int rc = paging_flush_queued(m, ob, arg);
    free(arg);
    return rc;
}

static const char SQL_OPEN_PAGES[] =
    "SELECT i.ref, i.level, i.exercise, p.state, p.ack_code FROM pages p"
    " JOIN incidents i ON i.id = p.incident_id WHERE p.agency_id = ?1"
    " AND p.state IN ('paging', 'unreachable') ORDER BY p.id";

static json_t *open_page_row(sqlite3_stmt *s)
{
    return json_pack("{s:s, s:i, s:b, s:s, s:s}", "incident", store_col_text(s, 0), "level",
                     sqlite3_column_int(s, 1), "exercise", sqlite3_column_int(s, 2), "state",
                     store_col_text(s, 3), "ack_code", store_col_text(s, 4));
}

/* The agency's pages still open, as a new array in *out.  0 or -errno. */
static int open_pages(struct muster *m, const char *agency_id, json_t **out)
{
    sqlite3_stmt *s = store_stmt(m->store, SQL_OPEN_PAGES);
    *out = NULL;
    if (!s)
        return -EINVAL;
    sqlite3_bind_text(s, 1, agency_id, -1, SQLITE_STATIC);
    return store_rows_json(s, open_page_row, out);
}

/* The ladder a listener's pages climb: its agency's, or the command
 * ladder of Gold or the duty manager ("gold", "duty"). */
static const char *listener_of(const char *principal)
{
    const char *agency = authz_agency_id(principal);
    return agency ? agency : principal;
}

/* agency.listen: this connection is the agency's live page session;
 * repeated as a heartbeat.  Pages queued while it was away follow. */
static int cmd_listen(struct cmd_ctx *c)
{
    const char *me = listener_of(c->principal);
    paging_session_seen(c->m, me, c->key, c->route, c->route_len);
    int rc = paging_has_queued(c->m, me);
    if (rc > 0) {
        char *id = strdup(me);
        if (id)
            control_task(c->m->control, flush_task, free, id);
    }
    json_t *open = NULL;
    if (rc >= 0)
        rc = open_pages(c->m, me, &open);
    if (rc < 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:s, s:i, s:o}", "agency", me, "heartbeat_ms", 10000, "open", open);
    return 0;
}

/* The attempt a receipt confirms, when it is the agency's and still sent:
 * read, then changed, rather than one UPDATE ... RETURNING, which SQLite
 * answers through a temporary table (some 25 thousand instructions of a
 * receipt, 500 of them after every standup; issue 19). */
static const char SQL_RECEIVED_FIND[] =
    "SELECT p.incident_id, i.ref, a.step, a.page_id, p.kind FROM attempts a"
    " JOIN pages p ON p.id = a.page_id JOIN incidents i ON i.id = p.incident_id"
    " WHERE a.id = ?1 AND a.state = 'sent' AND p.agency_id = ?2";
static const char SQL_RECEIVED[] =
    "UPDATE attempts SET state = 'delivered', finished_at = ?2 WHERE id = ?1";

struct receipt {
    int64_t incident, page_id;
    char ref[INCIDENT_REF_MAX];
    int step;
    char kind[24]; /* 'page' (an activation or a call for staff), or a notice's kind */
};

/* Attempt id, when it is agency me's and still sent, into *r: 1, 0 when
 * it is not (a repeat, another's), or -errno. */
static int receipt_find(struct store *st, int64_t id, const char *me, struct receipt *r)
{
    sqlite3_stmt *s = store_stmt(st, SQL_RECEIVED_FIND);
    if (!s)
        return -EINVAL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, me, -1, SQLITE_STATIC);
    int rc = store_step(s);
    if (rc > 0) {
        r->incident = sqlite3_column_int64(s, 0);
        snprintf(r->ref, sizeof(r->ref), "%s", store_col_text(s, 1));
        r->step = sqlite3_column_int(s, 2);
        r->page_id = sqlite3_column_int64(s, 3);
        snprintf(r->kind, sizeof(r->kind), "%s", store_col_text(s, 4));
    }
    int reset = sql_errno(sqlite3_reset(s));
    return rc < 0 ? rc : reset < 0 ? reset : rc > 0;
}

/* agency.received: the listener confirms a page reached it (a repeat, or
 * a page that is not the agency's, changes nothing). */
static int cmd_received(struct cmd_ctx *c)
{
    int64_t id = 0;
    const char *me = listener_of(c->principal);
    if (proto_arg_int(c->args, "page_id", true, 1, INT64_MAX, &id, &c->err))
        return -1;
    snprintf(c->target, sizeof(c->target), "page %lld", (long long)id);
    struct receipt r = {0};
    int rc = receipt_find(c->m->store, id, me, &r);
    bool changed = rc > 0;
    sqlite3_stmt *s = changed ? store_stmt(c->m->store, SQL_RECEIVED) : NULL;
    if (changed && !s)
        rc = -EINVAL;
    else if (changed) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, c->now);
        rc = store_exec_stmt(s);
    }
    /* a notice's receipt is a notice.delivered with its kind, as a
     * notice's delivery by any other channel (docs/protocol.md) */
    bool notice = changed && strcmp(r.kind, "page") != 0;
    if (rc == 0 && changed)
        rc = outbox_event(c->m, c->outbox, r.incident, r.ref,
                          notice ? "notice.delivered" : "page.delivered",
                          json_pack("{s:s, s:I, s:i, s:s, s:s, s:s*}", "agency", me, "page_id",
                                    (json_int_t)id, "step", r.step + 1, "channel", "zmq", "state",
                                    "delivered", "kind", notice ? r.kind : NULL),
                          c->now);
    if (rc == 0 && notice) /* a routine notice stops at its receipt */
        rc = paging_notice_delivered(c->m, c->outbox, r.page_id, c->now);
    if (rc != 0)
        return dispatch_storage_fail(c, rc);
    c->result = json_pack("{s:I, s:b}", "page_id", (json_int_t)id, "confirmed", changed);
    return 0;
}

static const char *const ack_args[] = {"incident", "code", "note", "pledge", NULL};
static const char *const referral_ack_args[] = {"person", "code", "note", NULL};
static const char *const relay_args[] = {"code", "note", "via", NULL};
static const char *const repage_args[] = {"incident", "agency", NULL};
static const char *const no_args[] = {NULL};
static const char *const received_args[] = {"page_id", NULL};

const struct command paging_commands[] = {
    {.name = "agency.listen", .fn = cmd_listen, .args = no_args},
    {.name = "agency.received", .fn = cmd_received, .args = received_args, .flags = CMD_MUTATING},
    {.name = "agency.ack", .fn = cmd_agency_ack, .args = ack_args, .flags = CMD_MUTATING},
    {.name = "page.ack", .fn = cmd_page_ack, .args = relay_args, .flags = CMD_MUTATING},
    {.name = "referral.ack",
     .fn = cmd_referral_ack,
     .args = referral_ack_args,
     .flags = CMD_MUTATING},
    {.name = "agency.repage", .fn = cmd_repage, .args = repage_args, .flags = CMD_MUTATING},
    {.name = NULL},
};
