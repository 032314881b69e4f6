/*  alertd_deadman.c - PIPELINE_DOWN when the evaluator has not been heard from, on either path:
    its Heartbeat on the bus, or its heartbeat row in the store. */
#include "alertd.h"

#include "log.h"

#include <stdlib.h>
#include <string.h>

struct deadman_t {
    const alertd_config_t *config; //  borrowed
    const receivers_t *receivers;  //  borrowed
    int64_t started;               //  zclock_mono() at start: the grace period counts from it
    int64_t last_beat;             //  zclock_mono() of the last bus Heartbeat, 0 none
};

deadman_t *
deadman_new(const alertd_config_t *config, const receivers_t *receivers)
{
    deadman_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->receivers = receivers;
    self->started = zclock_mono();
    return self;
}

void
deadman_destroy(deadman_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void
deadman_beat(deadman_t *self)
{
    self->last_beat = zclock_mono();
}

int
deadman_check(deadman_t *self, PGconn *conn)
{
    if (self->config->deadman_seconds <= 0)
        return 0;
    int64_t limit = self->config->deadman_seconds * 1000;
    int64_t now = zclock_mono();
    int64_t age = now - (self->last_beat ? self->last_beat : self->started);
    char *stored = db_scalar(conn,
                             "SELECT (extract(epoch FROM now() - updated_at) * 1000)::bigint"
                             " FROM service_state WHERE service = 'evaluatord'"
                             " AND name = 'heartbeat'",
                             0, NULL);
    if (stored && atoll(stored) < age)
        age = atoll(stored);
    free(stored);
    char *open = db_scalar(conn,
                           "SELECT id FROM alert WHERE kind = 'PIPELINE_DOWN' AND state = 'open'"
                           " ORDER BY id LIMIT 1",
                           0, NULL);
    bool down = age > limit;
    if (down == (open != NULL)) {
        free(open);
        return 0;
    }
    day_t today;
    clock_today(conn, self->config->as_of, &today);
    int rc = -1;
    if (raise_begin(conn) == 0) {
        //  Again under the lock: another alertd may have raised or resolved it.
        char *again = db_scalar(conn,
                                "SELECT id FROM alert WHERE kind = 'PIPELINE_DOWN'"
                                " AND state = 'open' ORDER BY id LIMIT 1",
                                0, NULL);
        int64_t id = 0;
        char episode[128], title[512], evidence[256];
        snprintf(evidence, sizeof evidence,
                 "{\"service\": \"evaluatord\", \"silent_ms\": %lld, \"limit_ms\": %lld}",
                 (long long)age, (long long)limit);
        if (down && !again) {
            char *stamp =
                db_scalar(conn, "SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')", 0, NULL);
            snprintf(episode, sizeof episode, "PIPELINE_DOWN|evaluatord|%s", stamp ? stamp : "");
            snprintf(title, sizeof title,
                     "【评估服务失联】已 %lld 秒未收到 evaluatord 的心跳，告警可能滞后",
                     (long long)(age / 1000));
            free(stamp);
            meta_alert_t m = {
                .kind = "PIPELINE_DOWN", .episode = episode, .title = title, .evidence = evidence};
            id = raise_meta(conn, self->receivers, self->config, &m, today);
        } else if (!down && again) {
            snprintf(episode, sizeof episode, "RESOLVED|PIPELINE_DOWN#%s", again);
            snprintf(title, sizeof title,
                     "【已解除】原告警#%s（评估服务失联）evaluatord 心跳已恢复", again);
            meta_alert_t m = {.kind = "RESOLVED",
                              .episode = episode,
                              .title = title,
                              .evidence = evidence,
                              .resolves = strtoll(again, NULL, 10)};
            id = raise_meta(conn, self->receivers, self->config, &m, today);
        }
        free(again);
        rc = id >= 0 && db_commit(conn) == 0 ? (id > 0) : -1;
        if (rc < 0)
            db_rollback(conn);
        else if (rc > 0)
            log_warnx(down ? "deadman.down" : "deadman.up", "silent_ms=%lld alert=%lld",
                      (long long)age, (long long)id);
    }
    free(open);
    return rc;
}
