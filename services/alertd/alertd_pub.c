/*  alertd_pub.c - the office stream: every notification on a PUB with a dense seq, and a
    snapshot ROUTER from which a late or gapped client fetches what it missed (zguide's Clone
    pattern, with the store as the state). */
#include "alertd.h"

#include "bus.h"
#include "log.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_MAX 500 //  alerts in one SnapshotReply; the client asks again for the rest

struct pub_t {
    zsock_t *pub;           //  PUB: planwatch.v1.Alert, planwatch.v1.StreamHeartbeat
    zsock_t *snapshot;      //  ROUTER: SnapshotRequest -> SnapshotReply
    uint64_t last_seq;      //  the last seq published
    bool started;           //  last_seq has been read from the store
    long heartbeat_ms;      //  StreamHeartbeat interval
    int64_t next_heartbeat; //  zclock_mono() of the next one
};

pub_t *
pub_new(const alertd_config_t *config)
{
    pub_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->pub = zsock_new(ZMQ_PUB);
    self->snapshot = zsock_new(ZMQ_ROUTER);
    self->heartbeat_ms = config->pub_heartbeat_ms;
    if (!self->pub || !self->snapshot || zsock_bind(self->pub, "%s", config->pub_endpoint) < 0 ||
        zsock_bind(self->snapshot, "%s", config->snapshot_endpoint) < 0) {
        log_warn("pub.bind_failed", "pub=%s snapshot=%s", config->pub_endpoint,
                 config->snapshot_endpoint);
        pub_destroy(&self);
        return NULL;
    }
    zsock_set_sndhwm(self->pub, 100000);
    return self;
}

void
pub_destroy(pub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy(&(*self_p)->pub);
    zsock_destroy(&(*self_p)->snapshot);
    free(*self_p);
    *self_p = NULL;
}

zsock_t *
pub_snapshot_socket(pub_t *self)
{
    return self->snapshot;
}

//  Stream entries with since < seq, oldest first, at most limit (the newest `last` when last).
static PGresult *
s_entries(PGconn *conn, uint64_t since, int limit, uint32_t last)
{
    char since_text[24], limit_text[16], last_text[16];
    snprintf(since_text, sizeof since_text, "%llu", (unsigned long long)since);
    snprintf(limit_text, sizeof limit_text, "%d", limit);
    snprintf(last_text, sizeof last_text, "%u", last);
    return db_query(conn,
                    "SELECT " ALERT_COLUMNS ", s.seq, s.reminder, s.level, s.as_of_day::text"
                    " FROM alert_stream s JOIN alert a ON a.id = s.alert_id"
                    " WHERE s.seq > greatest($1::bigint, CASE WHEN $3::int > 0 THEN"
                    "  (SELECT coalesce(max(seq), 0) FROM alert_stream) - $3::int ELSE 0 END)"
                    " ORDER BY s.seq LIMIT $2::int",
                    3, DB_PARAMS(since_text, limit_text, last_text));
}

static Planwatch__V1__Alert *
s_entry(PGresult *res, int i)
{
    int c = ALERT_COLUMN_COUNT;
    return alert_from_row(res, i, PQgetvalue(res, i, c + 3), PQgetvalue(res, i, c + 1)[0] == 't',
                          atoi(PQgetvalue(res, i, c + 2)),
                          strtoull(PQgetvalue(res, i, c), NULL, 10));
}

int
pub_publish_new(pub_t *self, PGconn *conn)
{
    if (!self->started) {
        char *last = db_scalar(conn, "SELECT coalesce(max(seq), 0) FROM alert_stream", 0, NULL);
        if (!last)
            return -1;
        self->last_seq = strtoull(last, NULL, 10);
        self->started = true;
        free(last);
        return 0;
    }
    int published = 0, n;
    do {
        PGresult *res = s_entries(conn, self->last_seq, 1000, 0);
        if (!res)
            return -1;
        n = PQntuples(res);
        for (int i = 0; i < n; i++) {
            Planwatch__V1__Alert *alert = s_entry(res, i);
            if (!alert)
                break;
            //  A PUB drops for slow subscribers rather than block; they notice the gap.
            bus_send_nowait(self->pub, &alert->base);
            self->last_seq = alert->seq;
            codec_free((ProtobufCMessage **)&alert);
            published++;
        }
        PQclear(res);
    } while (n == 1000);
    if (published)
        log_debug("pub.published", "count=%d last_seq=%llu", published,
                  (unsigned long long)self->last_seq);
    return published;
}

void
pub_answer(pub_t *self, PGconn *conn)
{
    bus_msg_t *req = bus_recv(self->snapshot, 1, 4096);
    if (!req)
        return;
    if (req->error != BUS_OK) {
        log_warnx("pub.bad_request", "error=%s type=%s", bus_error_code(req->error),
                  req->type ? req->type : "-");
        bus_msg_destroy(&req);
        return;
    }
    if (req->body->descriptor == &planwatch__v1__ping__descriptor) {
        service_answer_ping(self->snapshot, req, "alertd", conn != NULL);
        bus_msg_destroy(&req);
        return;
    }
    if (req->body->descriptor != &planwatch__v1__snapshot_request__descriptor || !conn) {
        Planwatch__V1__Error err = PLANWATCH__V1__ERROR__INIT;
        err.code = conn ? "UNEXPECTED_MESSAGE" : "STORE_UNAVAILABLE";
        err.message = conn ? "快照端口只接受 SnapshotRequest" : "告警库暂不可用，请稍后重试";
        bus_reply(self->snapshot, req, &err.base);
        bus_msg_destroy(&req);
        return;
    }
    const Planwatch__V1__SnapshotRequest *ask = (const Planwatch__V1__SnapshotRequest *)req->body;
    char *last = db_scalar(conn, "SELECT coalesce(max(seq), 0) FROM alert_stream", 0, NULL);
    PGresult *res = last ? s_entries(conn, ask->since_seq, SNAPSHOT_MAX + 1, ask->last) : NULL;
    Planwatch__V1__SnapshotReply reply = PLANWATCH__V1__SNAPSHOT_REPLY__INIT;
    int n = res ? PQntuples(res) : 0;
    reply.more = n > SNAPSHOT_MAX;
    if (reply.more)
        n = SNAPSHOT_MAX;
    Planwatch__V1__Alert **alerts = n ? calloc((size_t)n, sizeof *alerts) : NULL;
    for (int i = 0; alerts && i < n; i++)
        if ((alerts[reply.n_alerts] = s_entry(res, i)) != NULL)
            reply.n_alerts++;
    reply.alerts = alerts;
    reply.last_seq = last ? strtoull(last, NULL, 10) : 0;
    bus_reply(self->snapshot, req, &reply.base);
    log_debug("pub.snapshot", "since=%llu alerts=%zu last_seq=%llu",
              (unsigned long long)ask->since_seq, reply.n_alerts,
              (unsigned long long)reply.last_seq);
    for (size_t i = 0; i < reply.n_alerts; i++)
        codec_free((ProtobufCMessage **)&alerts[i]);
    free(alerts);
    free(last);
    PQclear(res);
    bus_msg_destroy(&req);
}

void
pub_heartbeat(pub_t *self)
{
    int64_t now = zclock_mono();
    if (now < self->next_heartbeat || !self->started)
        return;
    self->next_heartbeat = now + self->heartbeat_ms;
    Planwatch__V1__StreamHeartbeat hb = PLANWATCH__V1__STREAM_HEARTBEAT__INIT;
    hb.last_seq = self->last_seq;
    hb.sent_at_ms = zclock_time();
    bus_send_nowait(self->pub, &hb.base);
}
