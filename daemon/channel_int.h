/*
 * daemon/channel_int.h - private to the channel*.c files: the delivery
 * record, the per-channel backend table and the libcurl/libuv glue.
 *
 * One delivery is one channel_send: it owns copies of everything in the
 * page_msg and the plan's paging settings, the libuv handles of its
 * backend, and the user's callback.  It lives on the channels' list while
 * in progress; once finished (callback run) it is freed when its last
 * handle's close callback has run.
 */
#ifndef MUSTER_CHANNEL_INT_H
#define MUSTER_CHANNEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <uv.h>

#include "channel.h"

#define CHANNEL_DETAIL_MAX 256 /* a callback's detail string, with its NUL */
#define CHANNEL_OUTPUT_MAX 200 /* bytes of an exec child's output kept */

struct delivery;

/* How one try of a webhook or email ended. */
enum try_outcome { TRY_OK, TRY_TRANSIENT, TRY_PERMANENT };

/* What a channel kind does (after OpenSMTPD's queue_backend). */
struct channel_backend {
    const char *name;
    /* Is msg sendable on this channel?  0 or -EINVAL. */
    int (*check)(const struct page_msg *msg, const struct plan_paging *paging);
    /* Start the delivery.  0, or -errno with the delivery's handles left
     * for delivery_teardown to close. */
    int (*start)(struct delivery *d);
    /* Abort whatever is in progress and close every handle; runs once,
     * after the callback (or after start failed). */
    void (*teardown)(struct delivery *d);
    /* libcurl channels: classify a finished try; on failure set *status
     * (-EIO, -ETIMEDOUT...) and write what happened to what. */
    enum try_outcome (*classify)(struct delivery *d, CURLcode rc, int *status, char *what,
                                 size_t size);
};

extern const struct channel_backend channel_exec_backend;
extern const struct channel_backend channel_webhook_backend;
extern const struct channel_backend channel_email_backend;

/* The page, copied at send time. */
struct page_copy {
    int64_t id;
    char *incident_ref;
    int level;
    bool exercise;
    char *agency_id;
    char *contact_name;
    char *target;
    char **args; /* NULL-terminated, never NULL */
    char *ack_code;
    char *subject;
    char *text;
    char *json;
    char *edxl_rm;    /* or NULL */
    char *edxl_rm_id; /* or NULL */
};

/* The plan's settings, copied at send time. */
struct paging_copy {
    int64_t exec_timeout_ms;
    int64_t webhook_timeout_ms;
    int webhook_retries;
    int64_t webhook_backoff_ms;
    char *smtp_url;
    char *email_from;
};

struct exec_state {
    uv_process_t proc;
    uv_pipe_t out;     /* the child's stdout and stderr, read end */
    uv_poll_t in_poll; /* waits for room in the child's stdin */
    uv_timer_t timer;  /* exec timeout, or the async spawn-failure report */
    int in_fd;         /* our end of the child's stdin socket, or -1 */
    size_t in_off;     /* bytes of json written */
    bool proc_open;    /* the process handle is initialised, not closed */
    bool proc_running; /* the child is spawned and not yet reaped */
    bool out_open, in_poll_open, timer_open;
    int spawn_err;   /* uv_spawn failed: report this from the timer */
    int kill_status; /* -ETIMEDOUT once the timeout killed the child */
    char output[CHANNEL_OUTPUT_MAX + 1];
    size_t outlen;
    char scratch[1024]; /* read buffer for the output pipe */
};

struct curl_state {
    CURL *easy;
    struct curl_slist *headers; /* webhook request headers */
    struct curl_slist *rcpt;    /* email recipients */
    char *message;              /* email: the whole RFC 5322 message */
    size_t msglen, msgoff;      /* email: upload cursor */
    uv_timer_t retry;           /* backoff between tries */
    int tries;                  /* tries started */
    int local_err;              /* -errno when this try could not open a socket (EMFILE...) */
    bool in_multi;              /* easy handle added to the multi handle */
    bool retry_open;            /* the retry timer is initialised, not closed */
    CURLcode result;            /* of the last try, while awaiting dispatch */
    char errbuf[CURL_ERROR_SIZE];
    struct delivery *done_next; /* completed transfers awaiting dispatch */
};

struct delivery {
    struct channels *ch;
    const struct channel_backend *be;
    struct delivery *prev, *next; /* on ch->active while in progress */
    channel_done_cb *cb;
    void *arg;
    struct page_copy msg;
    struct paging_copy paging;
    bool finished;  /* the callback has run (or start failed) */
    bool torn_down; /* backend teardown has run */
    int handles;    /* libuv handles not yet closed */
    union {
        struct exec_state exec;
        struct curl_state curl;
    } u;
};

struct channels {
    uv_loop_t *loop;
    const char *scripts_dir; /* where an exec target's bare name is (not owned) */
    struct delivery *active; /* deliveries in progress */
    size_t nactive;
    size_t nalive; /* deliveries allocated (active or closing) */
    bool closing;  /* channels_close has been called */
    /* libcurl multi, driven by the loop (channel_curl.c) */
    CURLM *multi;
    uv_timer_t curl_timer;
    bool curl_timer_open;
    struct curl_sock *socks; /* a uv_poll_t per socket libcurl watches */
    size_t nsocks;           /* poll handles not yet freed */
};

/* channel.c */
/* Report the outcome: unlink d, run the callback once, tear d down. */
void delivery_finish(struct delivery *d, int status, const char *detail);
/* Register / release one libuv handle of d; d is freed when its last
 * handle is closed after it finished. */
void delivery_handle_opened(struct delivery *d);
void delivery_handle_closed(uv_handle_t *h);
/* Copy s with every control character replaced by a space. */
void channel_printable(char *dst, size_t size, const char *src, size_t len);

/* channel_curl.c */
int channel_curl_open(struct channels *ch);
void channel_curl_close(struct channels *ch);
/* Add d's easy handle to the multi handle (one try).  0 or -errno. */
int channel_curl_add(struct delivery *d);
/* Remove d's easy handle if it is in the multi handle. */
void channel_curl_remove(struct delivery *d);

/* channel_retry.c: the retry policy shared by webhook and email */
/* Set up the common parts of d's easy handle and its retry timer. */
int channel_try_init(struct delivery *d);
/* Start the first try, once the backend has set the easy handle up. */
int channel_try_first(struct delivery *d);
/* Free the easy handle and close the retry timer. */
void channel_try_teardown(struct delivery *d);
/* d's transfer ended with result (called from the multi, outside any
 * libcurl callback): finish d, or retry after the backoff. */
void channel_try_completed(struct delivery *d, CURLcode result);
/* Classify the curl errors shared by both channels: transient unless
 * retrying cannot help (bad URL, TLS verification, out of memory). */
enum try_outcome channel_curl_error_outcome(CURLcode rc);
/* curl's message for the failed try (its error buffer, or the code's name). */
void channel_curl_error_text(struct delivery *d, CURLcode rc, char *what, size_t size);

#endif
