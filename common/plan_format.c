/*
 * common/plan_format.c - the plan format: one schema table per kind of
 * mapping, with every key, where its value goes, whether it is required,
 * its limits and its default.
 *
 * This file is the format; docs/plan-format.md describes it for people
 * and must agree with it.  plan_walk.c walks these tables, plan_value.c
 * loads their scalars and plan_xref.c holds their post hooks.
 */
#include "plan_int.h"

/*
 * One line per key: the key, where its value goes (struct and member),
 * whether it is required, and its limits (characters for strings, values for
 * integers, milliseconds for durations, items for sequences).
 */
/* clang-format off */
#define REQUIRED true
#define OPTIONAL false
#define F_STR(k, st, m, req, maxc, chk) \
    {.key = k, .kind = K_STRING, .required = req, .off = offsetof(struct st, m), .min = 1, \
     .max = maxc, .check = chk}
#define F_STR_DEF(k, st, m, maxc, chk, sd) \
    {.key = k, .kind = K_STRING, .required = OPTIONAL, .off = offsetof(struct st, m), .min = 1, \
     .max = maxc, .check = chk, .sdef = sd}
#define F_INT(k, st, m, req, lo, hi, d) \
    {.key = k, .kind = K_INT, .required = req, .off = offsetof(struct st, m), .min = lo, \
     .max = hi, .def = d}
#define F_DURATION(k, st, m, lo, hi, d) \
    {.key = k, .kind = K_DURATION, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .def = d}
#define F_DURATION_REQ(k, st, m, lo, hi) \
    {.key = k, .kind = K_DURATION, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi}
#define F_TIME(k, st, m) \
    {.key = k, .kind = K_TIME, .required = REQUIRED, .off = offsetof(struct st, m)}
#define F_CHANNEL(k, st, m) \
    {.key = k, .kind = K_CHANNEL, .required = REQUIRED, .off = offsetof(struct st, m)}
#define F_MAP(k, st, m, req, s) \
    {.key = k, .kind = K_MAPPING, .required = req, .off = offsetof(struct st, m), .sub = s}
#define F_SEQ(k, st, m, n, lo, hi, s) \
    {.key = k, .kind = K_SEQUENCE, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .sub = s, .count_off = offsetof(struct st, n)}
#define F_STRINGS(k, st, m, n, lo, hi, maxc, chk) \
    {.key = k, .kind = K_STRINGS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = maxc, .check = chk, .count_off = offsetof(struct st, n)}
#define F_STRSET(k, st, m, n, req, lo, hi, maxc, chk) \
    {.key = k, .kind = K_STRINGS, .required = req, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = maxc, .check = chk, .unique = true, \
     .count_off = offsetof(struct st, n)}
#define F_BOOL(k, st, m) \
    {.key = k, .kind = K_BOOL, .required = OPTIONAL, .off = offsetof(struct st, m)}
#define F_CHOICE(k, st, m, nm, d) \
    {.key = k, .kind = K_CHOICE, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .names = nm, .def = d}
#define F_FLAGS(k, st, m, lo, hi, nm, d) \
    {.key = k, .kind = K_FLAGS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .names = nm, .def = d}
#define F_DAYS(k, st, m, n, lo, hi, most, d) \
    {.key = k, .kind = K_DAYS, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .ldef = d, .count_off = offsetof(struct st, n)}
#define F_NEEDS(k, st, m, n, lo, hi, most) \
    {.key = k, .kind = K_NEEDS, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .check = plan_check_id, \
     .count_off = offsetof(struct st, n)}
#define F_CHOICE_REQ(k, st, m, nm) \
    {.key = k, .kind = K_CHOICE, .required = REQUIRED, .off = offsetof(struct st, m), .names = nm}
#define F_DAYS_REQ(k, st, m, n, lo, hi, most) \
    {.key = k, .kind = K_DAYS, .required = REQUIRED, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .count_off = offsetof(struct st, n)}
#define F_RESCREEN(k, st, m, n, lo, hi, most, d, s) \
    {.key = k, .kind = K_RESCREEN, .required = OPTIONAL, .off = offsetof(struct st, m), \
     .min = lo, .max = hi, .item_max = most, .ldef = d, .sub = s, \
     .count_off = offsetof(struct st, n)}
/* clang-format on */
#define FIELDS(a) a, sizeof(a) / sizeof(a[0])

/* Durations in the tables are milliseconds. */
#define SECONDS(n) ((n)*1000)
#define MINUTES(n) SECONDS((n)*60)
#define HOURS(n) MINUTES((n)*60)
#define DAYS(n) HOURS((n)*24)

static const struct field contact_fields[] = {
    F_STR("name", plan_contact, name, REQUIRED, 200, NULL),
    F_CHANNEL("channel", plan_contact, channel),
    F_STR("target", plan_contact, target, REQUIRED, 2000, NULL),
    F_STRINGS("args", plan_contact, args, nargs, 0, 16, 500, NULL),
    F_DURATION("after", plan_contact, after_ms, 0, HOURS(24), 0),
    F_INT("repeat", plan_contact, repeat, OPTIONAL, 0, 10, 0),
};

static const struct schema contact_schema = {"contact", sizeof(struct plan_contact),
                                             FIELDS(contact_fields), plan_post_contact};

static const struct field agency_fields[] = {
    F_STR("id", plan_agency, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_agency, name, REQUIRED, 200, NULL),
    F_STR("role", plan_agency, role, REQUIRED, 2000, NULL),
    F_INT("activate_level", plan_agency, activate_level, REQUIRED, 1, 9, 0),
    F_SEQ("contacts", plan_agency, contacts, ncontacts, 1, 10, &contact_schema),
    F_STRINGS("supplies", plan_agency, supplies, nsupplies, 0, 100, 40, plan_check_id),
    {.key = "activate_on_referral",
     .kind = K_BOOL,
     .required = OPTIONAL,
     .off = offsetof(struct plan_agency, activate_on_referral),
     .def = 1},
    {.key = "edxl_rm",
     .kind = K_BOOL,
     .required = OPTIONAL,
     .off = offsetof(struct plan_agency, edxl_rm),
     .def = 0},
};

static const struct schema agency_schema = {"agency", sizeof(struct plan_agency),
                                            FIELDS(agency_fields), plan_post_agency};

/* A command ladder ("gold:" or "duty:" under "command:"): a name and the
 * contacts, as an agency's; its post hook names it. */
static const struct field ladder_fields[] = {
    F_STR("name", plan_agency, name, REQUIRED, 200, NULL),
    F_SEQ("contacts", plan_agency, contacts, ncontacts, 1, 10, &contact_schema),
};

static const struct schema gold_schema = {"gold ladder", sizeof(struct plan_agency),
                                          FIELDS(ladder_fields), plan_post_gold};
static const struct schema duty_schema = {"duty ladder", sizeof(struct plan_agency),
                                          FIELDS(ladder_fields), plan_post_duty};

static const struct field command_fields[] = {
    F_MAP("gold", plan_command, gold, REQUIRED, &gold_schema),
    F_MAP("duty", plan_command, duty, REQUIRED, &duty_schema),
};

static const struct schema command_schema = {"command", sizeof(struct plan_command),
                                             FIELDS(command_fields), NULL};

static const struct field level_fields[] = {
    F_INT("level", plan_level, level, REQUIRED, 1, 9, 0),
    F_STR("name", plan_level, name, REQUIRED, 200, NULL),
    F_STR("description", plan_level, description, OPTIONAL, 2000, NULL),
};

static const struct schema level_schema = {"level", sizeof(struct plan_level), FIELDS(level_fields),
                                           NULL};

static const struct field hub_fields[] = {
    F_STR("name", plan_hub, name, REQUIRED, 200, NULL),
    F_STR("lead_agency", plan_hub, lead_agency, REQUIRED, 40, plan_check_id),
    F_STR("address", plan_hub, address, OPTIONAL, 500, NULL),
    F_STR("phone", plan_hub, phone, OPTIONAL, 40, NULL),
};

static const struct schema hub_schema = {"hub", sizeof(struct plan_hub), FIELDS(hub_fields), NULL};

static const struct field paging_fields[] = {
    F_DURATION("ack_wait", plan_paging, ack_wait_ms, SECONDS(1), HOURS(24), MINUTES(10)),
    F_DURATION("exec_timeout", plan_paging, exec_timeout_ms, 100, MINUTES(10), SECONDS(30)),
    F_DURATION("webhook_timeout", plan_paging, webhook_timeout_ms, 100, MINUTES(5), SECONDS(10)),
    F_INT("webhook_retries", plan_paging, webhook_retries, OPTIONAL, 0, 10, 2),
    F_DURATION("webhook_backoff", plan_paging, webhook_backoff_ms, 0, MINUTES(10), SECONDS(2)),
    F_STR_DEF("smtp_url", plan_paging, smtp_url, 2000, plan_check_smtp_url, "smtp://localhost:25"),
    F_STR_DEF("email_from", plan_paging, email_from, 254, plan_check_email, "muster@localhost"),
};

static const struct schema paging_schema = {"paging", sizeof(struct plan_paging),
                                            FIELDS(paging_fields), NULL};

static const struct field role_fields[] = {
    F_STR("id", plan_role, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_role, name, REQUIRED, 200, NULL),
};

static const struct schema role_schema = {"role", sizeof(struct plan_role), FIELDS(role_fields),
                                          NULL};

static const struct field shift_fields[] = {
    F_STR("id", plan_shift, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_shift, name, REQUIRED, 200, NULL),
    F_TIME("start", plan_shift, start_minute),
    F_DURATION_REQ("length", plan_shift, length_ms, HOURS(1), HOURS(24)),
};

static const struct schema shift_schema = {"shift", sizeof(struct plan_shift), FIELDS(shift_fields),
                                           NULL};

static const struct field requirement_fields[] = {
    F_INT("level", plan_requirement, level, REQUIRED, 1, 9, 0),
    F_NEEDS("need", plan_requirement, needs, nneeds, 1, 100, 1000),
};

static const struct schema requirement_schema = {"requirement", sizeof(struct plan_requirement),
                                                 FIELDS(requirement_fields), NULL};

static const struct field staffing_fields[] = {
    F_DURATION("horizon", plan_staffing, horizon_ms, HOURS(12), DAYS(14), DAYS(3)),
    F_DURATION("ask_lead", plan_staffing, ask_lead_ms, 0, HOURS(48), HOURS(6)),
    F_SEQ("roles", plan_staffing, roles, nroles, 1, 100, &role_schema),
    F_SEQ("shifts", plan_staffing, shifts, nshifts, 1, 12, &shift_schema),
    F_SEQ("requirements", plan_staffing, requirements, nrequirements, 1, 9, &requirement_schema),
};

static const struct schema staffing_schema = {"staffing", sizeof(struct plan_staffing),
                                              FIELDS(staffing_fields), NULL};

/* Names of bit i (enum plan_category, enum plan_vulnerability, weekdays
 * from Sunday as in struct tm) and of the values of choices. */
static const char *const category_names[] = {"injured",  "survivor",  "witness",
                                             "bereaved", "responder", "other"};
static const char *const vulnerability_names[] = {"child", "elderly", "disability", "migrant"};
static const char *const weekday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const home_names[] = {"in", "out", "any"};
static const char *const screen_names[] = {"positive", "negative", "any"};
static const int choice_values[] = {1, -1, 0};

_Static_assert(PLAN_CAT_OTHER == 1 << 5, "category_names follows enum plan_category");
_Static_assert(PLAN_VULN_MIGRANT == 1 << 3, "vulnerability_names follows enum plan_vulnerability");

#define NAMES(a)                                                                                   \
    {                                                                                              \
        a, sizeof(a) / sizeof(a[0]), NULL                                                          \
    }
#define CHOICES(a)                                                                                 \
    {                                                                                              \
        a, sizeof(a) / sizeof(a[0]), choice_values                                                 \
    }

const struct names plan_category_set = NAMES(category_names);
const struct names plan_vulnerability_set = NAMES(vulnerability_names);
const struct names plan_weekday_set = NAMES(weekday_names);
const struct names plan_home_set = CHOICES(home_names);
const struct names plan_screen_set = CHOICES(screen_names);

#define MON_TO_FRI 0x3e /* bits 1 (Monday) to 5 (Friday) */

static const int rescreen_default[] = {30, 90, 180, 270, 0};
static const char *const instrument_names[] = {"tsq", "phq9", "gad7"};
static const int instrument_values[] = {PLAN_TSQ, PLAN_PHQ9, PLAN_GAD7};

const struct names plan_instrument_set = {instrument_names, 3, instrument_values};

/* One instrument's re-screening: "- {instrument: phq9, after: [3m, 6m, 9m]}". */
static const struct field rescreen_fields[] = {
    F_CHOICE_REQ("instrument", plan_rescreen, instrument, &plan_instrument_set),
    F_DAYS_REQ("after", plan_rescreen, days, ndays, 1, 20, 730),
};

static const struct schema rescreen_schema = {"rescreen", sizeof(struct plan_rescreen),
                                              FIELDS(rescreen_fields), NULL};

static const struct field screening_fields[] = {
    F_INT("tsq_cutoff", plan_screening, tsq_cutoff, OPTIONAL, 1, 10, 6),
    F_INT("tsq_min_days", plan_screening, tsq_min_days, OPTIONAL, 0, 365, 28),
    F_INT("phq9_cutoff", plan_screening, phq9_cutoff, OPTIONAL, 1, 27, 10),
    F_INT("gad7_cutoff", plan_screening, gad7_cutoff, OPTIONAL, 1, 21, 10),
    F_RESCREEN("rescreen", plan_screening, rescreen, nrescreen, 1, 20, 730, rescreen_default,
               &rescreen_schema),
    F_INT("rescreen_grace_days", plan_screening, rescreen_grace_days, OPTIONAL, 1, 365, 14),
};

static const struct schema screening_schema = {"screening", sizeof(struct plan_screening),
                                               FIELDS(screening_fields), plan_post_screening};

static const struct field pathway_fields[] = {
    F_STR("id", plan_pathway, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_pathway, name, REQUIRED, 200, NULL),
    F_STR("provider", plan_pathway, provider, REQUIRED, 40, plan_check_id),
    F_INT("capacity", plan_pathway, capacity, OPTIONAL, 0, 100000, 0),
    F_BOOL("waitlist", plan_pathway, waitlist),
    F_BOOL("out_of_area", plan_pathway, out_of_area),
    F_STRSET("overflow", plan_pathway, overflow, noverflow, OPTIONAL, 1, 10, 40, plan_check_id),
};

static const struct schema pathway_schema = {"pathway", sizeof(struct plan_pathway),
                                             FIELDS(pathway_fields), NULL};

static const struct field rule_fields[] = {
    F_STR("pathway", plan_rule, pathway, REQUIRED, 40, plan_check_id),
    F_FLAGS("categories", plan_rule, categories, 0, 6, &plan_category_set, 0),
    F_INT("age_min", plan_rule, age_min, OPTIONAL, 0, 130, -1),
    F_INT("age_max", plan_rule, age_max, OPTIONAL, 0, 130, -1),
    F_FLAGS("vulnerabilities", plan_rule, vulnerabilities, 0, 4, &plan_vulnerability_set, 0),
    F_STRSET("languages", plan_rule, languages, nlanguages, OPTIONAL, 1, 50, 40,
             plan_check_language),
    F_CHOICE("home", plan_rule, home, &plan_home_set, 0),
    F_CHOICE("screen", plan_rule, screen_positive, &plan_screen_set, 0),
    F_BOOL("urgent", plan_rule, urgent),
};

static const struct schema rule_schema = {"rule", sizeof(struct plan_rule), FIELDS(rule_fields),
                                          plan_post_rule};

static const struct field neighbour_fields[] = {
    F_STR("agency", plan_neighbour, agency, REQUIRED, 40, plan_check_id),
    F_STRSET("areas", plan_neighbour, areas, nareas, REQUIRED, 1, 100, 60, plan_check_area),
};

static const struct schema neighbour_schema = {"neighbouring hub", sizeof(struct plan_neighbour),
                                               FIELDS(neighbour_fields), NULL};

static const struct field persons_fields[] = {
    F_STRSET("home_areas", plan_persons, home_areas, nhome_areas, REQUIRED, 1, 100, 60,
             plan_check_area),
    F_FLAGS("explicit_consent", plan_persons, explicit_consent, 0, 6, &plan_category_set, 0),
    F_INT("referral_working_days", plan_persons, referral_working_days, OPTIONAL, 1, 30, 2),
    F_FLAGS("working_days", plan_persons, working_weekdays, 1, 7, &plan_weekday_set, MON_TO_FRI),
    {.key = "bank_holidays",
     .kind = K_HOLIDAYS,
     .required = OPTIONAL,
     .off = offsetof(struct plan_persons, bank_holidays),
     .min = 0,
     .max = 1000,
     .item_max = 40,
     .check = plan_check_date,
     .unique = true,
     .count_off = offsetof(struct plan_persons, nbank_holidays)},
    F_INT("contact_attempts", plan_persons, contact_attempts, OPTIONAL, 1, 10, 3),
    F_DURATION("urgent_ack", plan_persons, urgent_ack_ms, SECONDS(1), HOURS(72), HOURS(1)),
    F_DURATION("handoff_ack", plan_persons, handoff_ack_ms, SECONDS(1), DAYS(14), DAYS(1)),
    F_INT("guardian_consent_under", plan_persons, guardian_consent_under, OPTIONAL, 0, 18, 0),
    {.key = "neighbouring_hubs",
     .kind = K_SEQUENCE,
     .required = OPTIONAL,
     .off = offsetof(struct plan_persons, neighbours),
     .min = 0,
     .max = 50,
     .sub = &neighbour_schema,
     .count_off = offsetof(struct plan_persons, nneighbours)},
    F_MAP("screening", plan_persons, screening, OPTIONAL, &screening_schema),
    F_SEQ("pathways", plan_persons, pathways, npathways, 1, 100, &pathway_schema),
    F_SEQ("rules", plan_persons, rules, nrules, 1, 200, &rule_schema),
};

/* A holiday file, holidays/<name>.yaml (plan_holidays.c): not a plan
 * section, a document of its own that "bank_holidays: <name>" names. */
static const struct field holiday_file_fields[] = {
    F_STR("nation", plan_holiday_file, nation, REQUIRED, 200, NULL),
    F_STR("source", plan_holiday_file, source, OPTIONAL, 2000, NULL),
    F_STRSET("dates", plan_holiday_file, dates, ndates, REQUIRED, 1, 1000, 40, plan_check_date),
};

const struct schema plan_holiday_file_schema = {
    "the holiday file", sizeof(struct plan_holiday_file), FIELDS(holiday_file_fields), NULL};

static const struct schema persons_schema = {"persons", sizeof(struct plan_persons),
                                             FIELDS(persons_fields), plan_post_persons};

static const char *const date_format_names[] = {"YYYY-MM-DD", "DD/MM/YYYY"};
static const int date_format_values[] = {PLAN_DATE_ISO, PLAN_DATE_DMY};
static const struct names date_format_set = {date_format_names, 2, date_format_values};

static const struct field import_column_fields[] = {
    F_STR("header", plan_import_column, header, REQUIRED, 100, NULL),
    F_STR("column", plan_import_column, column, REQUIRED, 40, plan_check_import_column),
};

static const struct schema import_column_schema = {
    "import column", sizeof(struct plan_import_column), FIELDS(import_column_fields), NULL};

static const struct field import_fields[] = {
    F_SEQ("columns", plan_import, columns, ncolumns, 1, 100, &import_column_schema),
    F_CHOICE("date_format", plan_import, date_format, &date_format_set, PLAN_DATE_ISO),
};

static const struct schema import_schema = {"import", sizeof(struct plan_import),
                                            FIELDS(import_fields), plan_post_import};

static const struct field public_fields[] = {
    F_STRSET("languages", plan_public, languages, nlanguages, REQUIRED, 1, 20, 2,
             plan_check_language),
    F_STR("hub_phone", plan_public, hub_phone, REQUIRED, 40, NULL),
    F_STR("url", plan_public, url, REQUIRED, 200, plan_check_public_url),
    F_INT("max_per_minute", plan_public, max_per_minute, OPTIONAL, 1, 100000, 600),
    F_STR("sender", plan_public, sender, OPTIONAL, 2000, NULL),
};

static const struct schema public_schema = {"public", sizeof(struct plan_public),
                                            FIELDS(public_fields), plan_post_public};

/* "urgency: {immediate: 3, past: 0}": at least level 3, or nothing. */
static const struct field cap_urgency_fields[] = {
    F_INT("immediate", plan_cap_urgency, immediate, OPTIONAL, 0, 9, -1),
    F_INT("expected", plan_cap_urgency, expected, OPTIONAL, 0, 9, -1),
    F_INT("future", plan_cap_urgency, future, OPTIONAL, 0, 9, -1),
    F_INT("past", plan_cap_urgency, past, OPTIONAL, 0, 9, -1),
    F_INT("unknown", plan_cap_urgency, unknown, OPTIONAL, 0, 9, -1),
};

static const struct schema cap_urgency_schema = {"cap urgency", sizeof(struct plan_cap_urgency),
                                                 FIELDS(cap_urgency_fields), NULL};

static const struct field cap_event_fields[] = {
    F_STR("code", plan_cap_event, code, REQUIRED, 200, NULL),
    F_INT("extreme", plan_cap_event, extreme, OPTIONAL, 0, 9, 0),
    F_INT("severe", plan_cap_event, severe, OPTIONAL, 0, 9, 0),
    F_INT("moderate", plan_cap_event, moderate, OPTIONAL, 0, 9, 0),
    F_INT("minor", plan_cap_event, minor, OPTIONAL, 0, 9, 0),
    F_INT("unknown", plan_cap_event, unknown, OPTIONAL, 0, 9, 0),
    F_MAP("urgency", plan_cap_event, urgency, OPTIONAL, &cap_urgency_schema),
};

static const struct schema cap_event_schema = {"cap event", sizeof(struct plan_cap_event),
                                               FIELDS(cap_event_fields), NULL};

static const char *const cap_cancel_names[] = {"standdown", "refuse"};
static const int cap_cancel_values[] = {PLAN_CAP_STANDDOWN, PLAN_CAP_REFUSE};
static const struct names cap_cancel_set = {cap_cancel_names, 2, cap_cancel_values};

static const struct field cap_fields[] = {
    /* strings, or {sender, certificate} mappings (plan_cert.c) */
    {.key = "senders",
     .kind = K_SENDERS,
     .required = REQUIRED,
     .off = offsetof(struct plan_cap, senders),
     .min = 1,
     .max = 50,
     .item_max = 255,
     .unique = true,
     .count_off = offsetof(struct plan_cap, nsenders)},
    F_STRSET("areas", plan_cap, areas, nareas, OPTIONAL, 1, 100, 200, NULL),
    F_SEQ("events", plan_cap, events, nevents, 1, 100, &cap_event_schema),
    F_CHOICE("cancel", plan_cap, cancel, &cap_cancel_set, PLAN_CAP_STANDDOWN),
};

static const struct schema cap_schema = {"cap", sizeof(struct plan_cap), FIELDS(cap_fields), NULL};

static const char *const exchange_field_names[] = {"name",      "dob",      "age",   "address",
                                                   "home_area", "category", "phone", "email"};
static const struct names exchange_field_set = NAMES(exchange_field_names);

static const struct field exchange_party_fields[] = {
    F_STR("id", plan_exchange_party, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan_exchange_party, name, OPTIONAL, 200, NULL),
    F_FLAGS("fields", plan_exchange_party, fields, 0, 8, &exchange_field_set, 0),
};

static const struct schema exchange_party_schema = {
    "exchange party", sizeof(struct plan_exchange_party), FIELDS(exchange_party_fields), NULL};

static const struct field exchange_fields[] = {
    F_STR("domain", plan_exchange, domain, REQUIRED, 200, plan_check_domain),
    F_SEQ("parties", plan_exchange, parties, nparties, 1, 20, &exchange_party_schema),
};

static const struct schema exchange_schema = {"exchange", sizeof(struct plan_exchange),
                                              FIELDS(exchange_fields), NULL};
static const struct field sitrep_fields[] = {
    F_DURATION_REQ("every", plan_sitrep, every_ms, SECONDS(1), DAYS(1)),
    F_STRSET("to", plan_sitrep, to, nto, REQUIRED, 1, 50, 40, NULL),
};

static const struct schema sitrep_schema = {"sitrep", sizeof(struct plan_sitrep),
                                            FIELDS(sitrep_fields), NULL};

/* The "plan:" mapping fills the head of struct plan itself. */
static const struct field head_fields[] = {
    F_STR("id", plan, id, REQUIRED, 40, plan_check_id),
    F_STR("name", plan, name, REQUIRED, 200, NULL),
    F_STR("version", plan, version, REQUIRED, 40, NULL),
    F_STR("ref_prefix", plan, ref_prefix, REQUIRED, 8, plan_check_ref_prefix),
    F_INT("retention_days", plan, retention_days, OPTIONAL, 1, 36500, 2555),
    F_INT("declined_retention_days", plan, declined_retention_days, OPTIONAL, 0, 36500, 0),
};

static const struct schema head_schema = {"plan", sizeof(struct plan), FIELDS(head_fields),
                                          plan_post_head};

static const struct field plan_fields[] = {
    {.key = "plan", .kind = K_MAPPING, .required = REQUIRED, .sub = &head_schema}, /* offset 0 */
    F_SEQ("levels", plan, levels, nlevels, 1, 9, &level_schema),
    F_MAP("hub", plan, hub, REQUIRED, &hub_schema),
    F_SEQ("agencies", plan, agencies, nagencies, 1, 500, &agency_schema),
    F_MAP("paging", plan, paging, OPTIONAL, &paging_schema),
    F_MAP("staffing", plan, staffing, OPTIONAL, &staffing_schema),
    F_MAP("persons", plan, persons, OPTIONAL, &persons_schema),
    F_MAP("command", plan, command, OPTIONAL, &command_schema),
    F_MAP("import", plan, import, OPTIONAL, &import_schema),
    F_MAP("public", plan, public_, OPTIONAL, &public_schema),
    F_MAP("cap", plan, cap, OPTIONAL, &cap_schema),
    F_MAP("exchange", plan, exchange, OPTIONAL, &exchange_schema),
    F_MAP("sitrep", plan, sitrep, OPTIONAL, &sitrep_schema),
};

const struct schema plan_root_schema = {"the plan file", sizeof(struct plan), FIELDS(plan_fields),
                                        plan_post_root};
