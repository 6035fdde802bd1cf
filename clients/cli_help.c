/*
 * clients/cli_help.c - the muster CLI's help text (see cli_help.h): one
 * table row per command, written once and shown by `muster help COMMAND`,
 * `muster COMMAND --help` and the overview; muster(1) says the same at
 * length.  tests/blackbox/bb_cli_help.sh walks every row.
 */
#include "cli_help.h"

#include <stdbool.h>
#include <string.h>

#include "person_fields.h"

struct help {
    const char *group, *action; /* action NULL: a command of one word */
    const char *usage;          /* what follows the command's name */
    const char *key;            /* the key used unless --as/--key says otherwise */
    const char *text;           /* what it does */
};

#define PERSON_FIELDS_NOTE                                                                         \
    "\nFields (--FIELD VALUE): see below; docs/import-csv.md says what each takes.\n"

static const struct help helps[] = {
    {"incident", "standup",
     "--plan ID --level N --exercise|--live --operation NAME [--note TEXT] | --cap FILE "
     "[--plan ID]",
     "gold",
     "Stand an incident up from a loaded plan (muster plan list): every agency of\n"
     "the plan at that level is paged until it acknowledges.  --exercise or --live\n"
     "must be said: muster never guesses.  Prints the new incident's reference.\n"
     "--cap FILE sends a CAP 1.2 alert instead (docs/interop.md): an Alert stands\n"
     "up the plan whose cap section maps its event, an Update raises the level of\n"
     "the incident it refers to, a Cancel stands it down; status Exercise makes an\n"
     "exercise incident.  A message musterd has had before is refused.\n"},
    {"incident", "standdown", "REF [--note TEXT]", "gold",
     "Stand an incident down: paging and staffing end; persons, referrals and\n"
     "re-screens go on (the recovery phase) until the incident is closed.  Says\n"
     "where musterd writes the stand-down report (on the daemon's host).\n"},
    {"incident", "close", "REF [--force --reason TEXT]", "gold",
     "Close a stood-down incident: the end of the recovery phase.  Refused while\n"
     "referrals are open, unless forced with a reason.\n"},
    {"incident", "list", "[--active|--stood-down|--closed]", "gold",
     "List incidents (all, or those in one state), newest first.\n"},
    {"incident", "show", "REF [--plan-source] [--plan-version N]", "gold",
     "Show an incident: its state, level and each agency's page.  --plan-source\n"
     "prints the plan it runs on (or version N of it).\n"},
    {"incident", "level", "REF N", "gold",
     "Raise or lower an active incident's level: agencies the new level calls in\n"
     "are paged.\n"},
    {"incident", "amend", "REF --plan-file FILE", "gold",
     "Give a running incident a new version of its plan, checked as --check-plan\n"
     "checks it and refused when it does not fit what the incident holds.\n"},
    {"incident", "publish", "REF --public-name TEXT --keyword WORD", "gold",
     "Open the public self-registration page of an incident (muster-web, at the\n"
     "plan's public url) and its SMS/email keyword (HELP WORD).  The public sees\n"
     "only the public name.  Publishing again changes the name or keyword.\n"},
    {"incident", "unpublish", "REF", "gold",
     "The kill switch: withdraw the public page and keyword at once (closing\n"
     "the incident does it too).  What came in stays in the queue.\n"},
    {"agency", "listen", "[--count N]", "agency:ID",
     "Stay connected as an agency and print each page as it arrives (N pages,\n"
     "or until interrupted).\n"},
    {"agency", "ack",
     "INCIDENT | --code CODE [--note TEXT] [--pledge-role ROLE --pledge-count N\n"
     "        --pledge-shift KEY... [--pledge-name NAME]... [--pledge-note TEXT]]",
     "agency:ID",
     "Acknowledge your agency's page, by incident or by the code that came with\n"
     "it; paging stops.  With --pledge-* options a pledge of staff is recorded in\n"
     "the same change (shift keys: muster staffing INCIDENT).\n"},
    {"agency", "repage", "INCIDENT AGENCY", "gold",
     "Page an agency of the incident again from the first step of its ladder.\n"},
    {"page", "ack", "CODE [--note TEXT] [--via WHAT]", "duty",
     "Acknowledge a page on an agency's behalf with the code it sent back (by SMS,\n"
     "phone...).  Any case; I and L read as 1, O as 0; spaces and dashes ignored.\n"},
    {"pledge", "offer",
     "INCIDENT --role ROLE --count N --shift KEY... [--name NAME]... [--note TEXT]\n"
     "        [--agency ID]",
     "agency:ID (duty with --agency)",
     "Pledge COUNT staff of ROLE for each shift given.  The duty manager records\n"
     "a pledge for an agency with --agency.  Shift keys: muster staffing INCIDENT.\n"},
    {"pledge", "accept", "ID [--note TEXT]", "duty", "Accept an offered pledge.\n"},
    {"pledge", "decline", "ID [--note TEXT]", "duty",
     "Decline an offered pledge; a cell left short asks the agencies again.\n"},
    {"pledge", "arrive", "ID [--note TEXT]", "duty",
     "Check in the staff of an accepted pledge on arrival.\n"},
    {"pledge", "withdraw", "ID [--note TEXT]", "agency:ID or duty",
     "Withdraw a pledge (an agency its own).\n"},
    {"pledge", "list", "INCIDENT", "duty", "List an incident's pledges (an agency: its own).\n"},
    {"pledge", "request", "INCIDENT [--agency ID] [--ask N]", "duty (an agency: its own)",
     "Print the EDXL-RM 1.0 RequestResource of each open ask for staff (or of ask\n"
     "N), as the plan's edxl_rm agencies get it with their page (docs/interop.md).\n"},
    {"pledge", "import", "FILE", "agency:ID",
     "Send an EDXL-RM 1.0 CommitResource or ResponseToRequestResource answering an\n"
     "ask: it becomes the agency's pledge, checked as pledge offer is.  The same\n"
     "message again makes no second pledge (docs/interop.md).\n"},
    {"staffing", NULL, "INCIDENT", "duty",
     "The staffing grid: each shift (local time of the daemon's host, with its\n"
     "zone) and role, required, pledged, accepted, arrived and short.\n"},
    {"person", "add", "INCIDENT --category C --name NAME [--FIELD VALUE]...", "intake",
     "Register an affected person (category: injured, survivor, witness,\n"
     "bereaved...).  Possible duplicates are named, never merged by "
     "themselves.\n" PERSON_FIELDS_NOTE},
    {"person", "show", "PERSON", "intake",
     "One person's record, referrals, screenings, contacts and re-screens (an\n"
     "agency sees fewer fields).  An audited read.\n"},
    {"person", "list", "INCIDENT [--category C] [--pathway P]", "intake",
     "The persons of an incident (an agency: those referred to it).\n"},
    {"person", "screen", "PERSON --instrument tsq|phq9|gad7 --answers A,B,...", "intake",
     "Record and score a screening questionnaire: tsq answers yes/no (10),\n"
     "phq9 (9) and gad7 (7) answers 0 to 3.  May re-route the person.\n"},
    {"person", "consent", "PERSON given|refused|not_asked [--guardian NAME]", "intake",
     "Record the person's consent to referral (a child's: who gave it).\n"},
    {"person", "contact",
     "PERSON --outcome no_answer|contacted|declined|sent [--channel\n"
     "        phone|sms|email|letter|visit] [--kind KIND --to ADDRESS-KIND] [--note TEXT]",
     "intake",
     "Record a contact attempt; refused on a channel the person's safe-contact\n"
     "instructions forbid.\n"},
    {"person", "update", "PERSON --FIELD VALUE...", "intake",
     "Change fields of a person's record (the safe-contact options replace the\n"
     "instructions whole).\n" PERSON_FIELDS_NOTE},
    {"person", "merge", "KEEP DUPLICATE", "intake",
     "Merge a duplicate registration into the one kept.\n"},
    {"person", "unmerge", "PERSON", "intake", "Undo a merge.\n"},
    {"person", "import", "INCIDENT FILE.csv", "intake",
     "Register persons from a casualty-bureau CSV file (columns:\n"
     "docs/import-csv.md; the plan may map other headers).  Rows already\n"
     "imported are not stored twice; each refused row is reported by line.\n"},
    {"person", "export", "INCIDENT --for PARTY [--format pfif] [--offset N] [--out FILE]", "duty",
     "Export the incident's persons for a receiving party of the plan's exchange\n"
     "section (a casualty bureau, a neighbouring hub) as a PFIF 1.4 document:\n"
     "only the fields that party may see, contact state in a note, never a\n"
     "number safe contact forbids (docs/interop.md).  Gold and duty only.\n"},
    {"person", "verify", "PERSON --outcome verified|rejected [--note TEXT]", "intake",
     "Decide on a self-registration (category self-referred, unverified):\n"
     "verified, the person is routed as person add routes; rejected (junk), their\n"
     "personal fields are erased at once.\n"},
    {"person", "status", "PERSON alive|missing|deceased [--reason TEXT]", "intake",
     "Record whether a person is alive, missing or deceased.\n"},
    {"family", "create", "INCIDENT [PERSON...]", "intake",
     "Create a family, with the persons given.\n"},
    {"family", "add", "FAMILY PERSON", "intake", "Add a person to a family.\n"},
    {"family", "show", "FAMILY", "intake", "Show a family and its members.\n"},
    {"family", "liaison", "FAMILY NAME|--clear", "duty",
     "Name the family liaison officer of a family, or clear it.\n"},
    {"referral", "close", "PERSON [--reason TEXT]", "duty", "Close a person's open referral.\n"},
    {"referral", "ack", "PERSON | --code CODE [--note TEXT]", "agency:ID",
     "Acknowledge a referral notice, by person or by its code.\n"},
    {"alarm", "list", "[INCIDENT] [--all]", "duty",
     "Open alarms (agency unreachable, referral unanswered, breach, shift short);\n"
     "--all: cleared ones too.\n"},
    {"alarm", "clear", "ID [--note TEXT]", "duty", "Clear an alarm: its ladder stops.\n"},
    {"report", NULL, "INCIDENT [--format md|json|csv|sitrep] [--table NAME] [--out DIR]", "gold",
     "The stand-down report, built now; with --out written as files to DIR (report.md,\n"
     "report.json and one NAME.csv a table).  --format csv writes one CSV table to standard\n"
     "output, the one --table names (agencies, channels, staffing, pathways, alarms, actions,\n"
     "urgent, age_bands, languages, victims_code, audit_head): one CSV file is one table.\n"
     "--format sitrep writes the incident's EDXL-SitRep 1.0 (XML, counts only; the board's\n"
     "counts) to standard output.\n"},
    {"audit", "verify", "[--db FILE [--anchor FILE] [--public FILE]]", "gold",
     "Check the signed audit chain: through musterd, or offline on a database\n"
     "copy with --db.\n"},
    {"audit", "export", "", "gold", "The audit trail as JSON lines on standard output.\n"},
    {"plan", "list", "", "duty", "The plans musterd has loaded.\n"},
    {"plan", "show", "PLAN", "duty", "One loaded plan, whole.\n"},
    {"keys", "init", "[--keys DIR] [--plans DIR]", "none (local files)",
     "Make the server key and a key for gold, duty, intake and each agency of\n"
     "the plans.\n"},
    {"keys", "audit-key", "[--keys DIR]", "none (local files)",
     "Make the key that signs the audit chain's anchor.\n"},
    {"keys", "add", "[--keys DIR] [--person NAME] gold|duty|intake|agency:ID|web",
     "none (local files)", "Make one more client key, naming the person who holds it.\n"},
    {"backup", NULL, "[--db FILE] BACKUP", "none (musterd's database file, read-only)",
     "A consistent copy of the database while musterd runs (SQLite's backup\n"
     "API), mode 0600, never over an existing file; prints its SHA-256.  Run\n"
     "it on musterd's host as its account (docs/operations.md).\n"},
    {"restore", NULL, "[--db FILE] BACKUP", "none (musterd stopped)",
     "Put a backup back: refused while musterd runs, and for a corrupt file\n"
     "or one written by a newer musterd; the database it replaces is kept.\n"},
    {"health", NULL, "[--min-free MB]", "any",
     "Exit 0 when musterd's loop turns, its store commits and its disk has\n"
     "room (default 64 MiB free), 1 otherwise: for monitoring and systemd.\n"},
    {"metrics", NULL, "", "duty",
     "musterd's metrics in Prometheus text format (requests, batches,\n"
     "commits, pages, persons, alarms; no personal data), as they are:\n"
     "muster metrics > FILE.prom feeds node_exporter's textfile collector.\n"},
    {"watch", NULL, "[INCIDENT]", "duty",
     "The live board for a wall screen: a clock and when musterd last spoke,\n"
     "STALE after 5 s without a word from it; a new incident takes over.\n"
     "Keys: q quit, n/p next/previous incident, r refresh.\n"},
    {"status", NULL, "[INCIDENT] [--hash]", "duty",
     "The board once, as text (--json: as JSON; --hash: its SHA-256).\n"},
    {"whoami", NULL, "", "gold", "Which principal and person musterd sees for your key.\n"},
    {"request", NULL, "COMMAND ['{json args}']", "gold",
     "Send any protocol command (docs/protocol.md) and print the raw reply.\n"},
    {"help", NULL, "[COMMAND...]", "none", "This help; with a command, that command's help.\n"},
    {"complete", NULL, "commands|refs|shifts INCIDENT", "duty",
     "For the bash completion: command names, incident references, or an\n"
     "incident's shift keys, one a line; prints nothing when musterd is not\n"
     "reachable.\n"},
};

#define NHELPS (sizeof(helps) / sizeof(helps[0]))

static void usage_line(FILE *f, const struct help *h)
{
    fprintf(f, "muster %s%s%s%s%s\n", h->group, h->action ? " " : "", h->action ? h->action : "",
            *h->usage ? " " : "", h->usage);
}

void cli_help_overview(FILE *f)
{
    fprintf(f, "usage: muster [--keys DIR] [--as ROLE | --key FILE] [--connect EP] [--feed EP]\n"
               "              [--json] [--timeout SECONDS] [--request-id ID] COMMAND...\n"
               "       muster --version\n\n"
               "commands (muster help COMMAND, or muster COMMAND --help, for more):\n");
    for (size_t i = 0; i < NHELPS; i++) {
        fputs("  ", f);
        usage_line(f, &helps[i]);
    }
    fprintf(f, "\n--json (anywhere on the line) prints musterd's result as JSON.\n"
               "Environment: MUSTER_KEYS, MUSTER_AS, MUSTER_CONNECT, MUSTER_FEED, MUSTER_TIMEOUT.\n"
               "Exit codes: 0 done, 1 refused by musterd, 2 usage, 3 musterd not reachable,\n"
               "            4 key refused or the server's key does not match, 5 local key or file\n"
               "            problem.  See muster(1).\n");
}

static const struct help *help_find(const char *group, const char *action)
{
    for (size_t i = 0; i < NHELPS; i++)
        if (!strcmp(helps[i].group, group) &&
            (!helps[i].action || (action && !strcmp(helps[i].action, action))))
            return &helps[i];
    return NULL;
}

static bool group_known(const char *group)
{
    for (size_t i = 0; i < NHELPS; i++)
        if (!strcmp(helps[i].group, group))
            return true;
    return false;
}

int cli_help_words(char *const *words, int n)
{
    if (n < 1 || !group_known(words[0]))
        return 0;
    const struct help *h = help_find(words[0], n > 1 ? words[1] : NULL);
    return h && h->action ? 2 : 1;
}

static void entry_print(FILE *f, const struct help *h)
{
    fputs("usage: ", f);
    usage_line(f, h);
    fprintf(f, "\n%s", h->text);
    if (strstr(h->text, "--FIELD")) {
        fputs("Fields:", f);
        for (size_t i = 0; i < PERSON_NFIELDS; i++)
            fprintf(f, "%s --%s", i % 6 ? "" : "\n ", person_fields[i].column);
        fputc('\n', f);
    }
    if (!strncmp(h->key, "none", 4)) /* a local command: no key to choose */
        fprintf(f, "\nKey: %s.\n", h->key);
    else
        fprintf(f, "\nKey: %s (--as ROLE or --key FILE to choose another).\n", h->key);
    fputs("Global options and exit codes: muster help.\n", f);
}

int cli_help_show(FILE *f, char *const *words, int n)
{
    int k = cli_help_words(words, n);
    if (k == 0)
        return -1;
    const struct help *h = help_find(words[0], k == 2 ? words[1] : NULL);
    if (h) {
        entry_print(f, h);
        return 0;
    }
    fprintf(f, "muster %s commands:\n", words[0]);
    for (size_t i = 0; i < NHELPS; i++)
        if (!strcmp(helps[i].group, words[0])) {
            fputs("  ", f);
            usage_line(f, &helps[i]);
        }
    fprintf(f, "\nmuster help %s ACTION for more.\n", words[0]);
    return 0;
}

void cli_help_commands(FILE *f)
{
    for (size_t i = 0; i < NHELPS; i++)
        fprintf(f, "%s%s%s\n", helps[i].group, helps[i].action ? " " : "",
                helps[i].action ? helps[i].action : "");
}
