/*
 * daemon/control.h - the control socket: a CURVE ROUTER taking requests
 * from every client, executing them in batches and replying only after the
 * batch has been committed to disk.
 */
#ifndef MUSTER_CONTROL_H
#define MUSTER_CONTROL_H

#include <stddef.h>

#include "outbox.h"

struct muster;
struct control;

/*
 * Daemon work that changes state without a client request (a paging step
 * falling due, a delivery result): fn runs inside the next batch's
 * transaction, under its own savepoint; its outbox is flushed only after
 * the commit.  fn owns arg from then on.  A non-zero return rolls its
 * changes back.  If the daemon stops first, drop(arg) runs instead.
 */
typedef int control_task_fn(struct muster *m, struct outbox *ob, void *arg);
int control_task(struct control *c, control_task_fn *fn, outbox_drop_fn *drop, void *arg);

/* Send an unsolicited message (a page) to the client connection with this
 * routing id.  Returns 0, or -EHOSTUNREACH when it is gone. */
int control_push(struct control *c, const void *route, size_t route_len, const char *text);

/* Bind m->cfg->control_ep and start serving.  Returns 0 or -errno. */
int control_open(struct muster *m, struct control **out);

/* Stop reading (close the watcher); replies still pending are dropped. */
void control_close(struct control *c);

/* True while a commit is running on a worker thread. */
int control_busy(const struct control *c);

/* Requests read from the socket and waiting to run (the queue depth). */
size_t control_queued(const struct control *c);

/* Drop the tasks and outbox items still waiting (their drop functions
 * run): called before the modules that own them are freed. */
void control_cancel(struct control *c);

void control_free(struct control *c);

#endif
