/*
 * daemon/paging_public.c - the public door's messages to an affected
 * person's own contact (a one-time link), sent through the exec channel
 * once the change that asked for them has committed (see paging.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "log.h"
#include "outbox.h"
#include "paging.h"
#include "paging_int.h"
#include "server.h"

/* A message waiting for its commit (every string its own copy). */
struct public_msg {
    char *sender, *contact, *ref, *subject, *text;
    struct plan_paging paging;
};

static void public_msg_free(void *arg)
{
    struct public_msg *pm = arg;
    free(pm->sender);
    free(pm->contact);
    free(pm->ref);
    free(pm->subject);
    free(pm->text);
    free(pm);
}

static void public_sent(void *arg, int64_t id, int status, const char *detail)
{
    (void)arg;
    if (status == 0)
        log_info("paging: public message %lld sent", (long long)id);
    else
        log_warnx("paging: public message %lld not sent: %s", (long long)id, detail);
}

static void public_send_now(struct muster *m, void *arg)
{
    struct public_msg *pm = arg;
    struct paging *p = m->paging;
    const char *args[] = {pm->contact, NULL};
    struct page_msg msg = {.id = -(++p->public_seq),
                           .incident_ref = pm->ref,
                           .agency_id = "public",
                           .contact_name = "affected person",
                           .target = pm->sender,
                           .args = args,
                           .ack_code = "",
                           .subject = pm->subject,
                           .text = pm->text,
                           .json = pm->text}; /* exec writes it on stdin */
    int rc = channel_send(p->channels, PLAN_CHANNEL_EXEC, &msg, &pm->paging, public_sent, NULL);
    if (rc != 0)
        log_warnx("paging: public message not sent: %s", strerror(-rc));
    public_msg_free(pm);
}

int paging_public_send(struct muster *m, struct outbox *ob, const char *sender, const char *contact,
                       const char *incident_ref, const char *subject, const char *text,
                       const struct plan_paging *paging)
{
    struct public_msg *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return -ENOMEM;
    pm->sender = strdup(sender);
    pm->contact = strdup(contact);
    pm->ref = strdup(incident_ref);
    pm->subject = strdup(subject);
    pm->text = strdup(text);
    pm->paging = *paging;
    pm->paging.smtp_url = NULL; /* exec only: the plan's strings are not kept */
    pm->paging.email_from = NULL;
    if (!pm->sender || !pm->contact || !pm->ref || !pm->subject || !pm->text) {
        public_msg_free(pm);
        return -ENOMEM;
    }
    return outbox_action(ob, public_send_now, public_msg_free, pm);
}
