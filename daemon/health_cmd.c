/*
 * daemon/health_cmd.c - health.show: whether the loop turns, the store
 * commits and the disk has room (see health.h), for muster health.
 */
#include <string.h>

#include "dispatch.h"
#include "health.h"
#include "log.h"
#include "server.h"

static json_t *check(bool ok, json_t *detail)
{
    json_object_set_new(detail, "ok", json_boolean(ok));
    return detail;
}

static int cmd_health(struct cmd_ctx *c)
{
    int64_t min_free = HEALTH_MIN_FREE_MB, free_mb = 0;
    if (proto_arg_int(c->args, "min_free_mb", false, 0, 1 << 30, &min_free, &c->err))
        return -1;
    int64_t lag = health_loop_lag_ms(c->m->health);
    int store_rc = health_probe(c->m, c->now);
    int disk_rc = health_disk_free_mb(c->m->cfg->db_path, &free_mb);
    bool loop_ok = lag <= HEALTH_LAG_MAX_MS, store_ok = store_rc == 0;
    bool disk_ok = disk_rc == 0 && free_mb >= min_free;
    json_t *store = json_object(), *disk = json_pack("{s:I}", "min_free_mb", (json_int_t)min_free);
    if (!store_ok)
        json_object_set_new(store, "error", json_string(strerror(-store_rc)));
    if (disk_rc == 0)
        json_object_set_new(disk, "free_mb", json_integer(free_mb));
    else
        json_object_set_new(disk, "error", json_string(strerror(-disk_rc)));
    if (!(loop_ok && store_ok && disk_ok))
        log_warnx("health: unhealthy: loop %s (%lld ms late), store %s, disk %s",
                  loop_ok ? "ok" : "LATE", (long long)lag, store_ok ? "ok" : "FAILING",
                  disk_ok ? "ok" : "SHORT");
    c->result = json_pack("{s:b, s:o, s:o, s:o}", "healthy", loop_ok && store_ok && disk_ok, "loop",
                          check(loop_ok, json_pack("{s:I}", "lag_ms", (json_int_t)lag)), "store",
                          check(store_ok, store), "disk", check(disk_ok, disk));
    return 0;
}

static const char *const health_args[] = {"min_free_mb", NULL};

const struct command health_commands[] = {
    {.name = "health.show", .fn = cmd_health, .args = health_args},
    {.name = NULL},
};
