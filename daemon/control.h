/*
 * daemon/control.h - the control socket: a CURVE ROUTER taking requests
 * from every client, executing them in batches and replying only after the
 * batch has been committed to disk.
 */
#ifndef MUSTER_CONTROL_H
#define MUSTER_CONTROL_H

struct muster;
struct control;

/* Bind m->cfg->control_ep and start serving.  Returns 0 or -errno. */
int control_open(struct muster *m, struct control **out);

/* Stop reading (close the watcher); replies still pending are dropped. */
void control_stop(struct control *c);

/* True while a commit is running on a worker thread. */
int control_busy(const struct control *c);

void control_free(struct control *c);

#endif
