/*
 * common/plan.h - county incident plans: strict YAML loading and validation.
 *
 * A plan is an immutable object, built whole from one YAML file (or buffer),
 * validated whole, and only then handed out.  Every problem is reported as
 * "file:line:column: message" (1-based line and column, libyaml marks + 1).
 * The struct fields below are read-only for everyone but common/plan*.c.
 */
#ifndef MUSTER_PLAN_H
#define MUSTER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Hard limits on hostile input. */
#define PLAN_MAX_BYTES (1024 * 1024) /* larger files are refused unread */
#define PLAN_MAX_DEPTH 8             /* nesting of mappings/sequences */
#define PLAN_MAX_ERRORS 50           /* further errors are summarised */

enum plan_channel {
    PLAN_CHANNEL_ZMQ,     /* agency's authenticated muster session */
    PLAN_CHANNEL_EXEC,    /* run a command, page on stdin/environment */
    PLAN_CHANNEL_WEBHOOK, /* HTTP(S) POST of the page as JSON */
    PLAN_CHANNEL_EMAIL,   /* SMTP */
};

/* One step of an agency's escalation ladder. */
struct plan_contact {
    char *name;                /* "Duty senior nurse" */
    enum plan_channel channel; /* how to reach them */
    char *target; /* zmq: agency id; exec: path or script name; webhook: URL; email: address */
    char **args;  /* exec only: extra arguments (NULL-terminated), else NULL */
    size_t nargs;
    int64_t after_ms; /* delay after the previous step's last attempt (0 for none) */
    int repeat;       /* extra attempts at this step before moving on (0..10) */
};

/* How pages are sent and when an agency counts as unreachable (the
 * optional top-level "paging" section; every field has a default). */
struct plan_paging {
    int64_t ack_wait_ms;        /* after the last attempt of the last step: default 10m */
    int64_t exec_timeout_ms;    /* an exec contact is killed after this: default 30s */
    int64_t webhook_timeout_ms; /* one HTTP attempt: default 10s */
    int webhook_retries;        /* further tries of a failing webhook in one attempt: default 2 */
    int64_t webhook_backoff_ms; /* delay before the first retry, doubling: default 2s */
    char *smtp_url;             /* default "smtp://localhost:25" */
    char *email_from;           /* default "muster@localhost" */
};

/* Surge staffing for the Victim and Witness Hub (the optional top-level
 * "staffing" section).  When absent, nroles == 0 and nothing is tracked. */
struct plan_role {
    char *id;   /* [a-z0-9-]{1,40}, e.g. "mh-nurse", "interpreter-polish" */
    char *name; /* "Mental health nurse" */
};

/* A shift pattern, repeated every day from the standup over the horizon. */
struct plan_shift {
    char *id;          /* [a-z0-9-]{1,40}, e.g. "day" */
    char *name;        /* "Day" */
    int start_minute;  /* minutes after local midnight, from "HH:MM" */
    int64_t length_ms; /* 1h..24h */
};

struct plan_need {
    char *role; /* a plan_role id */
    int count;  /* staff of that role per shift, 0..1000 */
};

/* What one incident level needs on every shift.  An incident uses the
 * entry with the highest level not above its own. */
struct plan_requirement {
    int level; /* one of the plan's levels */
    struct plan_need *needs;
    size_t nneeds;
};

struct plan_staffing {
    struct plan_role *roles;
    size_t nroles;
    struct plan_shift *shifts;
    size_t nshifts;
    struct plan_requirement *requirements;
    size_t nrequirements;
    int64_t horizon_ms;  /* how far ahead of the standup shifts are planned: default 3d */
    int64_t ask_lead_ms; /* a shift starting within this and still short pages for staff: 6h */
};

/* Affected persons: screening, pathways, routing, consent and the
 * Victims' Code timescales (the optional top-level "persons" section).
 * When absent, npathways == 0 and persons are registered but not routed. */

enum plan_category {
    PLAN_CAT_INJURED = 1 << 0,
    PLAN_CAT_SURVIVOR = 1 << 1, /* uninjured survivor */
    PLAN_CAT_WITNESS = 1 << 2,
    PLAN_CAT_BEREAVED = 1 << 3, /* bereaved family member */
    PLAN_CAT_RESPONDER = 1 << 4,
    PLAN_CAT_OTHER = 1 << 5,
};

enum plan_vulnerability {
    PLAN_VULN_CHILD = 1 << 0,
    PLAN_VULN_ELDERLY = 1 << 1,
    PLAN_VULN_DISABILITY = 1 << 2,
    PLAN_VULN_MIGRANT = 1 << 3,
};

/* The bit of a category or vulnerability name ("bereaved", "child"), or 0
 * for an unknown name (or NULL). */
int plan_category_from_name(const char *name);
int plan_vulnerability_from_name(const char *name);

/* The name of one category or vulnerability bit (a static string), or
 * NULL if bit is not exactly one known bit. */
const char *plan_category_name(unsigned bit);
const char *plan_vulnerability_name(unsigned bit);

/* The screening instruments a plan names (in the order of
 * daemon/screening.h's enum screening_instrument). */
enum plan_instrument { PLAN_TSQ, PLAN_PHQ9, PLAN_GAD7 };

/* One instrument's re-screening times after the incident. */
struct plan_rescreen {
    int instrument; /* enum plan_instrument */
    int *days;      /* increasing, 1..730 */
    size_t ndays;
};

/* Screening instruments, their cut-offs and re-screening. */
struct plan_screening {
    int tsq_cutoff;   /* positive at or above: default 6 (of 10) */
    int tsq_min_days; /* TSQ only meaningful this long after the incident: default 28 */
    int phq9_cutoff;  /* positive at or above: default 10 (of 27) */
    int gad7_cutoff;  /* positive at or above: default 10 (of 21) */
    /* re-screening, one entry per instrument (each at most once): default
     * TSQ at 30, 90, 180, 270 days; a plain list of times is the TSQ's */
    struct plan_rescreen *rescreen;
    size_t nrescreen;
    int rescreen_grace_days; /* a due re-screen not done this long after is overdue: 14 */
};

/* The instrument's name ("tsq", "phq9", "gad7"), a static string. */
const char *plan_instrument_name(int instrument);

struct plan_pathway {
    char *id; /* [a-z0-9-]{1,40} */
    char *name;
    char *provider;   /* an agency id of this plan */
    int capacity;     /* persons at once; 0 = unlimited */
    bool waitlist;    /* when full: wait for a place (true) or fall to the next rule */
    bool out_of_area; /* the referral names the person's home area for their own services */
    char **overflow;  /* urgent overflow: pathway ids tried in order when an urgent rule's
                       * pathway is full (NULL = none) */
    size_t noverflow;
};

/* One routing rule: every condition given must hold; the first rule that
 * matches (and has room, or a waitlist) decides the pathway. */
struct plan_rule {
    char *pathway;            /* a plan_pathway id */
    unsigned categories;      /* enum plan_category bits; 0 = any */
    int age_min, age_max;     /* -1 = no bound */
    unsigned vulnerabilities; /* all of these bits must be present; 0 = none required */
    char **languages;         /* any of these preferred languages; NULL = any */
    size_t nlanguages;
    int home;            /* 1: home area in the county, -1: outside it, 0: either */
    int screen_positive; /* 1: any screening positive, -1: none positive, 0: either */
    bool urgent;         /* matches only persons with the urgent risk flag (PHQ-9 item 9) */
};

/* A neighbouring hub: the agency of this plan (with its contacts) that
 * takes the out-of-area referrals of persons living in its areas. */
struct plan_neighbour {
    char *agency; /* an agency id of this plan */
    char **areas; /* home areas it serves (lower case), none of the county's own */
    size_t nareas;
};

struct plan_persons {
    char **home_areas; /* the county's own areas (lower case) */
    size_t nhome_areas;
    unsigned explicit_consent; /* categories needing consent recorded before referral */
    int referral_working_days; /* Victims' Code: default 2 */
    unsigned working_weekdays; /* bit 0 = Sunday .. bit 6 = Saturday: default Mon-Fri */
    char **bank_holidays;      /* "YYYY-MM-DD", sorted */
    size_t nbank_holidays;
    char *bank_holidays_file;   /* the holiday file they came from, or NULL (listed in the plan) */
    int contact_attempts;       /* before "unable to contact": default 3 */
    int64_t urgent_ack_ms;      /* an urgent referral's provider acknowledges within this: 1h */
    int64_t handoff_ack_ms;     /* a neighbouring hub acknowledges a handoff within this: 1d */
    int guardian_consent_under; /* below this age consent is a named guardian's: 0 = never */
    struct plan_neighbour *neighbours; /* neighbouring hubs (may be none) */
    size_t nneighbours;
    struct plan_screening screening;
    struct plan_pathway *pathways;
    size_t npathways;
    struct plan_rule *rules;
    size_t nrules;
};

struct plan_agency {
    char *id;           /* [a-z0-9-]{1,40}; the principal is "agency:<id>" */
    char *name;         /* display name */
    char *role;         /* what the agency does in the response, free text */
    int activate_level; /* activated when the incident level >= this level */
    struct plan_contact *contacts;
    size_t ncontacts; /* >= 1 */
    char **supplies;  /* role ids this agency can send staff for (may be empty) */
    size_t nsupplies;
    bool activate_on_referral; /* a referral to it activates it below its level: default true */
    bool edxl_rm; /* its calls for staff carry an EDXL-RM RequestResource: default false */
};

/* The command ladders (the optional top-level "command" section): how
 * Gold and the Hub duty manager are paged about an open alarm.  Each is
 * an agency-shaped ladder with the fixed id "gold" or "duty" (no agency
 * may take those ids), a name, the role "Gold Command" or "Hub duty
 * manager", activate_level 0 and no supplies; a ladder the plan does not
 * give has ncontacts == 0 and id NULL. */
struct plan_command {
    struct plan_agency gold;
    struct plan_agency duty;
};

/* The optional top-level "import" section: how the CLI reads a casualty
 * bureau's own CSV headers (docs/import-csv.md). */
enum plan_date_format { PLAN_DATE_ISO, PLAN_DATE_DMY };

struct plan_import_column {
    char *header; /* the file's header, matched ignoring case and outer spaces */
    char *column; /* a muster column (person_fields.h) or "ignore" */
};

struct plan_import {
    struct plan_import_column *columns; /* headers are unique; several may name one text column */
    size_t ncolumns;
    int date_format; /* enum plan_date_format, how "dob" is written: default YYYY-MM-DD */
};

/* The optional top-level "exchange" section: the parties persons are
 * exported to in PFIF 1.4 (person.export; docs/interop.md) and the person
 * fields each may see. */
enum plan_exchange_field {
    PLAN_XF_NAME = 1u << 0,
    PLAN_XF_DOB = 1u << 1,
    PLAN_XF_AGE = 1u << 2,
    PLAN_XF_ADDRESS = 1u << 3,
    PLAN_XF_HOME_AREA = 1u << 4,
    PLAN_XF_CATEGORY = 1u << 5,
    PLAN_XF_PHONE = 1u << 6,
    PLAN_XF_EMAIL = 1u << 7,
};

struct plan_exchange_party {
    char *id;        /* [a-z0-9-]{1,40}, unique: `--for ID` */
    char *name;      /* the receiving party's name, or NULL */
    unsigned fields; /* enum plan_exchange_field bits it may see */
};

struct plan_exchange {
    char *domain; /* the PFIF record ids' domain; NULL when the plan has no section */
    struct plan_exchange_party *parties;
    size_t nparties;
};

/* The party id of exchange, or NULL. */
const struct plan_exchange_party *plan_exchange_party(const struct plan_exchange *x,
                                                      const char *id);

/* The optional top-level "cap" section: which CAP 1.2 alerts stand this
 * plan's incidents up, raise and stand them down (docs/interop.md). */
enum plan_cap_cancel { PLAN_CAP_STANDDOWN = 0, PLAN_CAP_REFUSE = 1 };

/* What an <urgency> does to the level, per value: -1 nothing (not in the
 * plan), 0 nothing is stood up, n > 0 at least level n. */
struct plan_cap_urgency {
    int immediate, expected, future, past, unknown;
};

struct plan_cap_event {
    char *code; /* an <eventCode>'s <value>, or the <event> text */
    /* the level for each <severity> (Extreme .. Unknown), 0: not stood up */
    int extreme, severe, moderate, minor, unknown;
    struct plan_cap_urgency urgency;
};

struct plan_cap {
    char **senders; /* the <sender> values accepted; nsenders == 0: no cap section */
    size_t nsenders;
    /* per sender, the PEM certificate its messages must be signed with
     * (XML-DSig, docs/interop.md), or NULL; and the file it was read from
     * (NULL: written in the plan, as frozen copies hold it).  NULL arrays
     * when no sender has one. */
    char **certificates;
    char **certificate_files;
    char **areas; /* an <areaDesc> or <geocode> <value> one of the alert's areas must name; none:
                     any */
    size_t nareas;
    struct plan_cap_event *events;
    size_t nevents;
    int cancel; /* enum plan_cap_cancel: what a Cancel does */
};

/* Periodic EDXL-SitReps while an incident is active (docs/interop.md):
 * every_ms == 0 when the plan has no sitrep section. */
struct plan_sitrep {
    int64_t every_ms; /* one SitRep each period from the standup */
    char **to;        /* the ladders it goes to: agency ids, "gold", "duty" */
    size_t nto;
};

/* The level cap maps event code to, for <severity> and <urgency> (either
 * may be NULL): the severity's level, raised to the urgency's; 0 when none
 * (or the urgency's is 0); *ev set to the event (NULL: not mapped). */
int plan_cap_level(const struct plan_cap *cap, const char *code, const char *severity,
                   const char *urgency, const struct plan_cap_event **ev);

/* What ev's urgency section says of <urgency> value u: -1 nothing, 0 never
 * stood up, n at least level n. */
int plan_cap_urgency_level(const struct plan_cap_event *ev, const char *u);

/* The PEM certificate the messages of sender must be signed with in cap,
 * or NULL (none: unsigned messages are accepted). */
const char *plan_cap_certificate(const struct plan_cap *cap, const char *sender);

struct plan_level {
    int level; /* 1.. ; levels are unique and listed in increasing order */
    char *name;
    char *description;
};

struct plan_hub {
    char *name;
    char *lead_agency; /* id of an agency in this plan */
    char *address;     /* may be NULL */
    char *phone;       /* may be NULL */
};

/* The public door (muster-web's self-registration page): present when
 * nlanguages > 0. */
struct plan_public {
    char **languages; /* ISO 639-1, unique, "en" first */
    size_t nlanguages;
    char *hub_phone;    /* the Hub's number given to the public */
    char *url;          /* the public base URL of muster-web, http(s)://... */
    int max_per_minute; /* public submissions per incident per minute musterd accepts */
    char *sender;       /* exec target sending a one-time link to a person's contact, or NULL */
};

struct plan {
    char *path;   /* file name the plan was loaded from (as given) */
    char *source; /* the YAML text, NUL-terminated, kept for frozen copies */
    size_t source_len;
    /* SHA-256 of source, in lower-case hex, made once at load: the digest
     * an incident stood up from it (or amended to it) records, which
     * frozen plans are cached by */
    char source_digest[65];
    char *id; /* [a-z0-9-]{1,40} */
    char *name;
    char *version;
    char *ref_prefix; /* [A-Z]{2,8}, starts incident references */
    int retention_days;
    /* days a person who declined all support or refused consent keeps
     * their personal fields; 0: not set (purged with the incident) */
    int declined_retention_days;
    struct plan_level *levels;
    size_t nlevels;
    struct plan_hub hub;
    struct plan_paging paging;
    struct plan_staffing staffing;
    struct plan_persons persons;
    struct plan_agency *agencies;
    size_t nagencies;
    /* the agencies sorted by id, for plan_agency_find (a standup looks up
     * each of 500 twice); NULL when memory ran out: the lookup scans */
    const struct plan_agency **agency_index;
    struct plan_command command;
    struct plan_import import;     /* ncolumns == 0 when the plan has none */
    struct plan_public public_;    /* nlanguages == 0 when the plan has none */
    struct plan_cap cap;           /* nsenders == 0 when the plan has none */
    struct plan_exchange exchange; /* domain == NULL when the plan has none */
    struct plan_sitrep sitrep;     /* every_ms == 0 when the plan has none */
};

/* Collected "file:line:column: message" strings. */
struct plan_errors {
    char **msg;
    size_t count;
};

void plan_errors_free(struct plan_errors *errs);

/*
 * Load and validate one plan from a file.  On success returns 0 and sets *out
 * (the caller owns it, free with plan_free).  On failure returns a negative
 * errno (-EINVAL for an invalid plan, -EFBIG for an oversize file, -ENOENT...)
 * and appends at least one message to errs (the caller frees with
 * plan_errors_free).
 */
int plan_load_file(const char *path, struct plan **out, struct plan_errors *errs);

/* The same from a buffer; name is used in messages, and a holiday file
 * the plan names is looked for in the holidays/ directory beside it (then
 * among the installed ones).  buf need not be NUL-terminated. */
int plan_load_buffer(const char *name, const char *buf, size_t len, struct plan **out,
                     struct plan_errors *errs);

/* The same, looking for holiday files in holidays_dir/holidays/ (then
 * among the installed ones) whatever name says: musterd's --plans
 * directory for a plan text a client sent. */
int plan_load_buffer_at(const char *name, const char *holidays_dir, const char *buf, size_t len,
                        struct plan **out, struct plan_errors *errs);

void plan_free(struct plan *plan);

const struct plan_agency *plan_agency_find(const struct plan *plan, const char *id);
/* The ladder pages to id climb: agency id's, or the command ladder "gold"
 * or "duty" when the plan gives it; NULL when there is none. */
const struct plan_agency *plan_ladder_find(const struct plan *plan, const char *id);
const struct plan_level *plan_level_find(const struct plan *plan, int level);

/* The index of pathway id in pp->pathways, or -1. */
int plan_pathway_index(const struct plan_persons *pp, const char *id);

/* The neighbouring hub (agency id) serving home area, or NULL. */
const char *plan_neighbour_hub(const struct plan_persons *pp, const char *area);

/* Number of agencies activated at the given level. */
size_t plan_agencies_at_level(const struct plan *plan, int level);

const char *plan_channel_name(enum plan_channel channel);

/* Exec targets (common/plan_exec.c).  A target starting with "/" is the
 * program; a bare name ("page-sms": A-Z, a-z, 0-9, ".", "_", "-", not
 * starting with ".", at most 100) is a paging script in scripts_dir. */
bool plan_exec_name_ok(const char *target);

/* The program an exec target runs, into buf: 0, -EINVAL for a target that
 * is neither (or a bare name without scripts_dir), -ENAMETOOLONG. */
int plan_exec_path(const char *scripts_dir, const char *target, char *buf, size_t size);

/* One "file:line:column: warning: exec target ... does not exist" (or
 * "is not executable", "is not a regular file") in warns for every exec
 * contact of p whose program cannot be run now; returns how many.  For
 * --check-plan and plan loading: a warning, never a refusal (the program
 * may be installed later, or only on the server). */
int plan_exec_check(const struct plan *p, const char *scripts_dir, struct plan_errors *warns);

/* When p's bank holidays end (31 December of the year of the last date)
 * before the incident horizon (now plus the last re-screening of any
 * instrument and its grace), a warning "file:line:column: warning: ..."
 * appended to warns.  Returns the number of warnings (0 or 1). */
int plan_holidays_check(const struct plan *p, time_t now, struct plan_errors *warns);

/* Warnings of p's CAP certificates at now: expired, not yet valid, or
 * expiring within 30 days (file:line:column: warning: ...).  How many. */
int plan_cap_check(const struct plan *p, time_t now, struct plan_errors *warns);

/* Where a node of p's source is, as "file:line:column" into buf: path
 * names mapping keys from the root (NULL-terminated: {"persons",
 * "pathways", NULL}); with id, the item of the sequence there whose "id"
 * is id.  What is not found falls back to the deepest key found (the
 * section), else to the file's start. */
void plan_locate(const struct plan *p, const char *const *path, const char *id, char *buf,
                 size_t size);

/* A JSON rendering of the whole plan (new reference, caller owns); its
 * "import" member only when the plan has an import section. */
json_t *plan_to_json(const struct plan *plan);

/* Whether CSV headers a and b are the same: ignoring case and outer spaces. */
bool plan_import_header_same(const char *a, const char *b);

/* {"columns": [{"header", "column"}...], "date_format"}, or JSON null when
 * the plan has no import section (new reference, caller owns). */
json_t *plan_import_to_json(const struct plan_import *im);

/*
 * A set of plans loaded from every "*.yaml" file of a directory, in file
 * name order.  Plan ids must be unique across the set.
 */
struct planset {
    struct plan **plans;
    size_t count;
    /* each plan's JSON text (plan_to_json, compact), made at its first
     * planset_plan_json and kept as long as the set: a standup freezes a
     * copy of it with the incident, and the set never changes (a reload
     * replaces it whole) */
    char **json;
};

/* Returns 0 and sets *out when every file is valid; otherwise a negative
 * errno with messages in errs and *out untouched. */
int planset_load_dir(const char *dir, struct planset **out, struct plan_errors *errs);
void planset_free(struct planset *set);
const struct plan *planset_find(const struct planset *set, const char *id);
/* The compact JSON text of plan, one of set's (what json_dumps of
 * plan_to_json writes), made once for the set; NULL when plan is not in set
 * or there is no memory. */
const char *planset_plan_json(struct planset *set, const struct plan *plan);

#endif
