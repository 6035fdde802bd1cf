/*
 * daemon/authz.c - the authorization policy (see authz.h).
 */
#include "authz.h"

#include <string.h>

#include "keys.h"

struct policy {
    const char *cmd;
    unsigned roles;
};

/* Keep in step with docs/protocol.md. */
static const struct policy policy[] = {
    {"session.whoami", ROLE_ANY | ROLE_WEB},
    {"plan.list", ROLE_ANY},
    {"plan.show", ROLE_GOLD | ROLE_DUTY}, /* it holds every agency's contact targets */
    {"incident.standup", ROLE_GOLD},
    {"incident.standdown", ROLE_GOLD},
    {"incident.close", ROLE_GOLD},
    {"incident.level", ROLE_GOLD},
    {"incident.amend", ROLE_GOLD},
    {"incident.cap", ROLE_GOLD},
    {"incident.list", ROLE_ANY | ROLE_WEB},
    {"incident.show", ROLE_ANY},
    {"agency.listen", ROLE_AGENCY | ROLE_GOLD | ROLE_DUTY}, /* Gold's and duty's: alarm pages */
    {"agency.received", ROLE_AGENCY | ROLE_GOLD | ROLE_DUTY},
    {"agency.ack", ROLE_AGENCY},
    {"page.ack", ROLE_GOLD | ROLE_DUTY},
    {"agency.repage", ROLE_GOLD},
    {"pledge.offer", ROLE_AGENCY | ROLE_DUTY},
    {"pledge.accept", ROLE_DUTY},
    {"pledge.decline", ROLE_DUTY},
    {"pledge.arrive", ROLE_DUTY},
    {"pledge.withdraw", ROLE_AGENCY | ROLE_DUTY},
    {"pledge.list", ROLE_GOLD | ROLE_DUTY | ROLE_AGENCY},
    {"pledge.request", ROLE_GOLD | ROLE_DUTY | ROLE_AGENCY}, /* an agency: its own asks */
    {"pledge.import", ROLE_AGENCY}, /* an agency commits its own staff only */
    {"staffing.show", ROLE_ANY},
    {"person.add", ROLE_INTAKE | ROLE_DUTY},
    {"person.import", ROLE_INTAKE | ROLE_DUTY},
    {"person.export", ROLE_GOLD | ROLE_DUTY},
    {"person.show", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"person.list", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"person.screen", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"person.consent", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"person.contact", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"person.merge", ROLE_INTAKE | ROLE_DUTY},
    {"person.update", ROLE_INTAKE | ROLE_DUTY},
    {"person.unmerge", ROLE_INTAKE | ROLE_DUTY},
    {"referral.close", ROLE_DUTY | ROLE_AGENCY},
    {"person.status", ROLE_INTAKE | ROLE_DUTY},
    {"family.create", ROLE_INTAKE | ROLE_DUTY},
    {"family.add", ROLE_INTAKE | ROLE_DUTY},
    {"family.show", ROLE_INTAKE | ROLE_DUTY | ROLE_AGENCY},
    {"family.liaison", ROLE_DUTY},
    {"referral.ack", ROLE_AGENCY | ROLE_DUTY | ROLE_GOLD},
    {"alarm.list", ROLE_GOLD | ROLE_DUTY},
    {"alarm.clear", ROLE_GOLD | ROLE_DUTY},
    {"status.show", ROLE_GOLD | ROLE_DUTY | ROLE_WEB}, /* web: the wall board */
    {"report.show", ROLE_GOLD | ROLE_DUTY},
    {"audit.verify", ROLE_GOLD | ROLE_DUTY},
    {"audit.export", ROLE_GOLD},
    {"health.show", ROLE_ANY},               /* no personal data: for monitoring */
    {"metrics.show", ROLE_GOLD | ROLE_DUTY}, /* no personal data, but every agency's figures */
    {"incident.publish", ROLE_GOLD},
    {"incident.unpublish", ROLE_GOLD},
    {"person.verify", ROLE_INTAKE | ROLE_DUTY},
    {"public.incidents", ROLE_WEB}, /* the public door: the gateway's own key only */
    {"public.register", ROLE_WEB},
    {"public.callback", ROLE_WEB},
    {"public.link", ROLE_WEB},
    {"public.token", ROLE_WEB},
    {"public.update", ROLE_WEB},
};

enum authz_role authz_role_of(const char *principal)
{
    if (!principal || !keys_principal_valid(principal))
        return ROLE_NONE;
    if (!strcmp(principal, "gold"))
        return ROLE_GOLD;
    if (!strcmp(principal, "duty"))
        return ROLE_DUTY;
    if (!strcmp(principal, "intake"))
        return ROLE_INTAKE;
    if (!strcmp(principal, "web"))
        return ROLE_WEB;
    return ROLE_AGENCY;
}

const char *authz_agency_id(const char *principal)
{
    return authz_role_of(principal) == ROLE_AGENCY ? principal + strlen("agency:") : NULL;
}

unsigned authz_roles_for(const char *cmd)
{
    for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
        if (!strcmp(policy[i].cmd, cmd))
            return policy[i].roles;
    return ROLE_NONE;
}

bool authz_web_may_relay(const char *cmd)
{
    return strcmp(cmd, "agency.listen") != 0;
}

bool authz_allows(const char *principal, const char *cmd)
{
    enum authz_role role = authz_role_of(principal);
    return role != ROLE_NONE && (authz_roles_for(cmd) & role) != 0;
}
