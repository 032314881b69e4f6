/*  evaluatord_server.c - the evaluator's actor: sockets, store connection, timers, dispatch */
#include "evaluatord.h"

#include "bus.h"
#include "catalog.h"
#include "db.h"
#include "log.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define CONTROL_MAX_BYTES 4096
#define NOTICE_MAX_BYTES  (1024 * 1024)
#define BACKOFF_MIN_MS    100
#define BACKOFF_MAX_MS    5000

typedef struct {
    const evaluatord_config_t *cfg;          //  configuration (borrowed)
    zsock_t *pipe;                           //  the actor's pipe
    zsock_t *control;                        //  ROUTER: Ping/Pong
    zsock_t *sub;                            //  SUB: ingestd's ChangeNotice prompts
    zsock_t *pub;                            //  PUB: StatusChange, Heartbeat
    zloop_t *loop;                           //  the reactor
    db_t *db;                                //  the store handle
    PGconn *conn;                            //  live connection (borrowed from db), NULL while down
    db_t *helper_db[EVALUATORD_STREAMS_MAX]; //  extra connections for full loads
    PGconn *helpers[EVALUATORD_STREAMS_MAX]; //  those connected (borrowed), NULL when not
    size_t helper_count;                     //  entries in helper_db
    zmq_pollitem_t pg_item;                  //  the connection's socket, polled for NOTIFY
    bool pg_polled;                          //  pg_item is registered with the loop
    int64_t next_connect;                    //  zclock_mono() of the next connection attempt
    int backoff_ms;                          //  current reconnection backoff
    catalog_t *cat;                          //  the plan, read from the store
    judge_data_t *data;                      //  the figures, following the store
    bool loaded;                             //  data holds the store up to its change id
    day_t judged_as_of;                      //  date of the last full round, 0 before
    bool want_full;                          //  judge everything at the next chance
    bool want_changes;                       //  new rows may be waiting
    uint64_t heartbeat_seq;                  //  heartbeats sent
    zlist_t *changes;                        //  committed changes waiting to be published
} server_t;

static int s_on_pg(zloop_t *loop, zmq_pollitem_t *item, void *arg);

//  Forgets the connection after a failure: the next tick reconnects with backoff.
static void
s_drop_connection(server_t *self)
{
    if (self->pg_polled) {
        zloop_poller_end(self->loop, &self->pg_item);
        self->pg_polled = false;
    }
    if (self->conn)
        log_warnx("eval.store_lost", "action=reconnect");
    PQfinish(db_take(self->db));
    self->conn = NULL;
    for (size_t i = 0; i < self->helper_count; i++) {
        PQfinish(db_take(self->helper_db[i]));
        self->helpers[i] = NULL;
    }
    self->loaded = false;
    self->next_connect = zclock_mono() + self->backoff_ms;
}

//  Reads the catalog and starts the figures over. Returns 0 or -1.
static int
s_load_catalog(server_t *self)
{
    catalog_t *cat = catalog_read(self->conn);
    if (!cat)
        return -1;
    judge_data_destroy(&self->data);
    catalog_destroy(&self->cat);
    self->cat = cat;
    self->data = judge_data_new(cat);
    if (!self->data)
        log_fatal(1, "oom", "what=judge_data");
    self->loaded = false;
    self->want_full = true;
    log_info("eval.catalog", "targets=%zu indicators=%zu", catalog_target_count(cat),
             catalog_indicator_count(cat));
    return 0;
}

//  A live connection, LISTENing for clock and catalog changes, or false while the store is
//  down (attempts are spaced by an exponential backoff).
static bool
s_connected(server_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return true;
    if (self->conn)
        s_drop_connection(self);
    if (zclock_mono() < self->next_connect)
        return false;
    self->conn = db_conn(self->db, 0);
    if (!self->conn || db_exec(self->conn, "LISTEN clock", 0, NULL) != 0 ||
        db_exec(self->conn, "LISTEN catalog", 0, NULL) != 0 || s_load_catalog(self) != 0) {
        if (self->conn)
            s_drop_connection(self);
        self->backoff_ms =
            self->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : self->backoff_ms * 2;
        self->next_connect = zclock_mono() + self->backoff_ms;
        return false;
    }
    self->backoff_ms = BACKOFF_MIN_MS;
    for (size_t i = 0; i < self->helper_count; i++)
        self->helpers[i] = db_conn(self->helper_db[i], 0);
    self->pg_item = (zmq_pollitem_t){NULL, PQsocket(self->conn), ZMQ_POLLIN, 0};
    if (zloop_poller(self->loop, &self->pg_item, s_on_pg, self) == 0) {
        zloop_poller_set_tolerant(self->loop, &self->pg_item);
        self->pg_polled = true;
    }
    //  Whatever happened while we were away is judged now.
    self->want_full = true;
    log_info("eval.store_connected", "catalog_targets=%zu", catalog_target_count(self->cat));
    return true;
}

//  Handles the NOTIFYs libpq has collected.
static void
s_notifies(server_t *self)
{
    PGnotify *n;
    while (self->conn && (n = PQnotifies(self->conn)) != NULL) {
        log_info("eval.notify", "channel=%s payload=%s", n->relname, n->extra);
        if (strcmp(n->relname, "catalog") == 0) {
            if (s_load_catalog(self) != 0)
                s_drop_connection(self);
        } else
            self->want_full = true;
        PQfreemem(n);
    }
}

static void
s_publish(server_t *self)
{
    evaluatord_change_t *c;
    while ((c = zlist_pop(self->changes)) != NULL) {
        evaluatord_publish_change(self->pub, c);
        evaluatord_change_destroy(&c);
    }
}

static void
s_log_round(const evaluatord_stats_t *st)
{
    if (!st->full && st->changes == 0 && st->updates == 0 && st->rows == 0)
        return;
    log_info("eval.round",
             "full=%d rows=%ld subjects=%zu changes=%zu updates=%zu change_id=%lld ms=%.1f",
             st->full, st->rows, st->subjects, st->changes, st->updates, (long long)st->change_id,
             st->elapsed_us / 1000.0);
}

//  Does what is due: a full round when the date moved, the clock or catalog changed, or the
//  figures are not loaded; otherwise the rows new since the last round. Then publishes.
static void
s_work(server_t *self)
{
    if (!s_connected(self))
        return;
    s_notifies(self);
    day_t today;
    if (!self->conn || clock_today(self->conn, self->cfg->as_of, &today) != 0) {
        s_drop_connection(self);
        return;
    }
    if (today != self->judged_as_of || !self->loaded)
        self->want_full = true;
    judge_options_t opts = {today, self->cfg->leads, self->cfg->lead_count};
    evaluatord_stats_t st;
    int rc = 0;
    if (!self->want_full && self->want_changes) {
        rc = evaluatord_round_changes(self->conn, self->data, &opts, self->changes, &st);
        if (rc == 0) {
            self->want_changes = false;
            s_log_round(&st);
        } else if (rc == 1)
            self->want_full = true;
    }
    if (self->want_full && rc >= 0) {
        //  Helpers that went away are simply left out of this load (reconnected next time).
        size_t n = 0;
        PGconn *helpers[EVALUATORD_STREAMS_MAX];
        for (size_t i = 0; i < self->helper_count; i++) {
            self->helpers[i] = db_conn(self->helper_db[i], 0);
            if (self->helpers[i])
                helpers[n++] = self->helpers[i];
        }
        rc = evaluatord_round_full(self->conn, helpers, n, self->data, &opts, self->changes, &st);
        if (rc == 0) {
            self->want_full = self->want_changes = false;
            self->loaded = true;
            if (self->judged_as_of != today) {
                char day[DAY_TEXT_SIZE];
                log_info("eval.as_of", "date=%s", day_format(today, day));
            }
            self->judged_as_of = today;
            s_log_round(&st);
        }
    }
    if (rc < 0) {
        self->loaded = false;
        log_warnx("eval.round_failed", "full=%d", st.full);
        if (PQstatus(self->conn) != CONNECTION_OK)
            s_drop_connection(self);
    }
    s_publish(self);
}

//  The highest change id committed, to catch a prompt lost on the wire.
static int64_t
s_store_change_id(server_t *self)
{
    char *max = db_scalar(self->conn,
                          "SELECT greatest(coalesce((SELECT max(change_id) FROM observation), 0),"
                          " coalesce((SELECT max(change_id) FROM milestone_report), 0))",
                          0, NULL);
    int64_t id = max ? strtoll(max, NULL, 10) : -1;
    free(max);
    return id;
}

static int
s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop, (void)timer_id;
    server_t *self = arg;
    if (s_connected(self) && self->loaded) {
        int64_t id = s_store_change_id(self);
        if (id < 0)
            s_drop_connection(self);
        else if (id > judge_data_change_id(self->data))
            self->want_changes = true;
    }
    s_work(self);
    return 0;
}

static int
s_on_heartbeat(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop, (void)timer_id;
    server_t *self = arg;
    evaluatord_publish_heartbeat(self->pub, ++self->heartbeat_seq, self->judged_as_of,
                                 self->data ? judge_data_change_id(self->data) : 0);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK &&
        evaluatord_store_heartbeat(self->conn) != 0 && PQstatus(self->conn) != CONNECTION_OK)
        s_drop_connection(self);
    return 0;
}

static int
s_on_pg(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop, (void)item;
    server_t *self = arg;
    if (!self->conn || PQconsumeInput(self->conn) != 1) {
        s_drop_connection(self);
        return 0;
    }
    s_notifies(self);
    if (self->want_full)
        s_work(self);
    return 0;
}

static int
s_on_notice(zloop_t *loop, zsock_t *reader, void *arg)
{
    (void)loop;
    server_t *self = arg;
    bus_msg_t *msg = bus_recv(reader, 0, NOTICE_MAX_BYTES);
    if (!msg)
        return 0;
    if (msg->error == BUS_OK &&
        msg->body->descriptor == &planwatch__v1__change_notice__descriptor) {
        const Planwatch__V1__ChangeNotice *n = (const Planwatch__V1__ChangeNotice *)msg->body;
        if (!self->data || (int64_t)n->change_id > judge_data_change_id(self->data))
            self->want_changes = true;
    } else
        log_warnx("eval.bad_notice", "error=%s type=%s", bus_error_code(msg->error),
                  msg->type ? msg->type : "-");
    bus_msg_destroy(&msg);
    if (self->want_changes)
        s_work(self);
    return 0;
}

static int
s_on_control(zloop_t *loop, zsock_t *reader, void *arg)
{
    (void)loop;
    server_t *self = arg;
    bus_msg_t *msg = bus_recv(reader, 1, CONTROL_MAX_BYTES);
    if (!msg)
        return 0;
    if (msg->error == BUS_OK && msg->body->descriptor == &planwatch__v1__ping__descriptor)
        service_answer_ping(reader, msg, "evaluatord",
                            self->conn && PQstatus(self->conn) == CONNECTION_OK);
    else
        log_warnx("eval.bad_control", "error=%s type=%s", bus_error_code(msg->error),
                  msg->type ? msg->type : "-");
    bus_msg_destroy(&msg);
    return 0;
}

static int
s_on_pipe(zloop_t *loop, zsock_t *reader, void *arg)
{
    (void)loop, (void)arg;
    char *command = zstr_recv(reader);
    int rc = command && strcmp(command, "$TERM") == 0 ? -1 : 0;
    zstr_free(&command);
    return rc;
}

//  Binds and connects the sockets. Returns 0, or -1 (logged).
static int
s_sockets(server_t *self)
{
    const evaluatord_config_t *cfg = self->cfg;
    self->control = zsock_new(ZMQ_ROUTER);
    self->pub = zsock_new(ZMQ_PUB);
    self->sub = zsock_new(ZMQ_SUB);
    if (!self->control || !self->pub || !self->sub)
        return -1;
    if (zsock_bind(self->control, "%s", cfg->control_endpoint) < 0) {
        log_warn("eval.bind_failed", "endpoint=%s", cfg->control_endpoint);
        return -1;
    }
    if (zsock_bind(self->pub, "%s", cfg->pub_endpoint) < 0) {
        log_warn("eval.bind_failed", "endpoint=%s", cfg->pub_endpoint);
        return -1;
    }
    zsock_set_subscribe(self->sub, "planwatch.v1.ChangeNotice");
    if (zsock_connect(self->sub, "%s", cfg->ingest_endpoint) < 0) {
        log_warn("eval.connect_failed", "endpoint=%s", cfg->ingest_endpoint);
        return -1;
    }
    zsock_set_linger(self->pub, 200);
    return 0;
}

void
evaluatord_server_actor(zsock_t *pipe, void *args)
{
    server_t *self = calloc(1, sizeof *self);
    if (!self)
        log_fatal(1, "oom", "what=server");
    self->cfg = args;
    self->pipe = pipe;
    self->backoff_ms = BACKOFF_MIN_MS;
    self->changes = zlist_new();
    self->db = db_new(self->cfg->database_url);
    self->helper_count = self->cfg->load_streams > 1 ? (size_t)self->cfg->load_streams - 1 : 0;
    for (size_t i = 0; i < self->helper_count; i++)
        self->helper_db[i] = db_new(self->cfg->database_url);
    self->loop = zloop_new();
    int ok = self->db && self->loop && self->changes && s_sockets(self) == 0;
    zsock_signal(pipe, 0);
    if (!ok) {
        zstr_send(pipe, "FAILED");
        char *command = zstr_recv(pipe); //  wait for $TERM
        zstr_free(&command);
    } else {
        zstr_send(pipe, "READY");
        //  Only $TERM from main ends the loop: a signal lets the work in hand finish.
        zloop_set_nonstop(self->loop, true);
        zloop_reader(self->loop, pipe, s_on_pipe, self);
        zloop_reader(self->loop, self->control, s_on_control, self);
        zloop_reader(self->loop, self->sub, s_on_notice, self);
        zloop_timer(self->loop, (size_t)self->cfg->tick_ms, 0, s_on_tick, self);
        zloop_timer(self->loop, (size_t)self->cfg->heartbeat_ms, 0, s_on_heartbeat, self);
        s_work(self);
        zloop_start(self->loop);
    }
    if (self->pg_polled)
        zloop_poller_end(self->loop, &self->pg_item);
    zloop_destroy(&self->loop);
    zsock_destroy(&self->control);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->pub);
    judge_data_destroy(&self->data);
    catalog_destroy(&self->cat);
    evaluatord_change_t *c;
    while ((c = zlist_pop(self->changes)) != NULL)
        evaluatord_change_destroy(&c);
    zlist_destroy(&self->changes);
    db_destroy(&self->db);
    for (size_t i = 0; i < self->helper_count; i++)
        db_destroy(&self->helper_db[i]);
    free(self);
}
