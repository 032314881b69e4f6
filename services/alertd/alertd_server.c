/*  alertd_server.c - the core actor: one reactor over the evaluator's PUB, the control and
    snapshot sockets and the store's notifications; it raises, publishes, reminds and watches the
    evaluator, and starts a sender actor per webhook/email receiver. */
#include "alertd.h"

#include "bus.h"
#include "log.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

int
alertd_setup_load(alertd_setup_t *setup, const alertd_config_t *config)
{
    memset(setup, 0, sizeof *setup);
    setup->config = config;
    zlist_t *errors = zlist_new();
    zlist_autofree(errors);
    setup->receivers = receivers_load(config->receivers_path, errors);
    int rules = escalation_load(config->escalation_path, setup->rules, ESCALATION_MAX, errors);
    setup->rule_count = rules > 0 ? (size_t)rules : 0;
    setup->calendar = calendar_load(config->calendar_path, errors);
    int rc = setup->receivers && rules >= 0 && setup->calendar ? 0 : -1;
    //  Unit codes must be the plan's: checked once both files read well.
    if (setup->receivers && rules >= 0 && config->plan_dir &&
        receivers_check_units(setup->receivers, config->receivers_path, setup->rules,
                              setup->rule_count, config->escalation_path, config->plan_dir,
                              errors) != 0)
        rc = -1;
    for (char *e = zlist_first(errors); e; e = zlist_next(errors))
        fprintf(stderr, "alertd: %s\n", e);
    zlist_destroy(&errors);
    if (rc != 0)
        alertd_setup_free(setup);
    return rc;
}

void
alertd_setup_free(alertd_setup_t *setup)
{
    receivers_destroy(&setup->receivers);
    calendar_destroy(&setup->calendar);
}

//  Everything the reactor owns.
typedef struct {
    alertd_setup_t *setup;         //  borrowed
    const alertd_config_t *config; //  borrowed from setup
    zsock_t *sub;                  //  evaluator's PUB: StatusChange, Heartbeat
    zsock_t *control;              //  ROUTER: Ping
    pub_t *pub;                    //  office stream
    db_t *db;                      //  the store
    int listening;                 //  backend pid that LISTENs
    raise_t *raiser;               //  status changes -> alerts
    deadman_t *deadman;            //  evaluator watch
    zactor_t **senders;            //  one per webhook/email receiver
    outbox_args_t *sender_args;    //  their arguments (outlive them)
    size_t sender_count;           //  entries in senders
    bool published_init;           //  the stream's end has been read
} server_t;

static void
s_wake_senders(server_t *self)
{
    for (size_t i = 0; i < self->sender_count; i++)
        zstr_send(self->senders[i], "WAKE");
}

//  Drains every message waiting on the SUB. Returns true when a StatusChange came.
static bool
s_read_bus(server_t *self)
{
    bool change = false;
    while (zsock_events(self->sub) & ZMQ_POLLIN) {
        bus_msg_t *msg = bus_recv(self->sub, 0, 1 << 20);
        if (!msg)
            break;
        if (msg->error != BUS_OK)
            log_warnx("bus.bad_message", "socket=eval error=%s type=%s", bus_error_code(msg->error),
                      msg->type ? msg->type : "-");
        else if (msg->body->descriptor == &planwatch__v1__status_change__descriptor)
            change = true;
        else if (msg->body->descriptor == &planwatch__v1__heartbeat__descriptor)
            deadman_beat(self->deadman);
        else
            log_warnx("bus.unexpected", "socket=eval type=%s", msg->type);
        bus_msg_destroy(&msg);
    }
    return change;
}

static void
s_answer_control(server_t *self, bool store_ok)
{
    bus_msg_t *msg = bus_recv(self->control, 1, 4096);
    if (!msg)
        return;
    if (msg->error == BUS_OK && msg->body->descriptor == &planwatch__v1__ping__descriptor)
        service_answer_ping(self->control, msg, "alertd", store_ok);
    else {
        log_warnx("control.bad_message", "error=%s type=%s", bus_error_code(msg->error),
                  msg->type ? msg->type : "-");
        Planwatch__V1__Error err = PLANWATCH__V1__ERROR__INIT;
        err.code =
            (char *)(msg->error == BUS_OK ? "UNEXPECTED_MESSAGE" : bus_error_code(msg->error));
        err.message = "控制端口只接受 Ping";
        bus_reply(self->control, msg, &err.base);
    }
    bus_msg_destroy(&msg);
}

//  Raises what the store holds above the watermark, then publishes and wakes the senders.
static void
s_raise(server_t *self, PGconn *conn)
{
    int raised = raise_pending(self->raiser, conn);
    if (raised > 0) {
        pub_publish_new(self->pub, conn);
        s_wake_senders(self);
    }
}

//  The periodic work: catch up, reminders, the dead man's switch.
static void
s_tick(server_t *self, PGconn *conn)
{
    s_raise(self, conn);
    day_t today;
    clock_today(conn, self->config->as_of, &today);
    int made = remind_run(conn, self->config, self->setup->receivers, self->setup->calendar,
                          self->setup->rules, self->setup->rule_count, today);
    int dead = deadman_check(self->deadman, conn);
    if (made > 0 || dead > 0)
        s_wake_senders(self);
    pub_publish_new(self->pub, conn);
}

static int
s_start(server_t *self)
{
    const alertd_config_t *config = self->config;
    self->sub = zsock_new(ZMQ_SUB);
    self->control = zsock_new(ZMQ_ROUTER);
    if (!self->sub || !self->control || zsock_connect(self->sub, "%s", config->eval_endpoint) < 0 ||
        zsock_bind(self->control, "%s", config->control_endpoint) < 0) {
        log_warn("server.socket_failed", "eval=%s control=%s", config->eval_endpoint,
                 config->control_endpoint);
        return -1;
    }
    zsock_set_subscribe(self->sub, "planwatch.v1.StatusChange");
    zsock_set_subscribe(self->sub, "planwatch.v1.Heartbeat");
    if (!(self->pub = pub_new(config)))
        return -1;
    self->db = db_new(config->database_url);
    self->raiser = raise_new(config, self->setup->receivers);
    self->deadman = deadman_new(config, self->setup->receivers);
    size_t n = receivers_count(self->setup->receivers);
    self->senders = calloc(n + 1, sizeof *self->senders);
    self->sender_args = calloc(n + 1, sizeof *self->sender_args);
    if (!self->db || !self->raiser || !self->deadman || !self->senders || !self->sender_args)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const receiver_t *r = receivers_at(self->setup->receivers, i);
        if (r->channel == CHANNEL_ZMQ)
            continue;
        outbox_args_t *a = &self->sender_args[self->sender_count];
        a->config = config;
        a->receiver = r;
        a->receivers = self->setup->receivers;
        self->senders[self->sender_count] = zactor_new(outbox_actor, a);
        if (!self->senders[self->sender_count])
            return -1;
        self->sender_count++;
    }
    return 0;
}

static void
s_stop(server_t *self)
{
    //  Each sender finishes the delivery in hand before it ends.
    for (size_t i = 0; self->senders && i < self->sender_count; i++)
        zactor_destroy(&self->senders[i]);
    free(self->senders);
    free(self->sender_args);
    raise_destroy(&self->raiser);
    deadman_destroy(&self->deadman);
    pub_destroy(&self->pub);
    db_destroy(&self->db);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->control);
}

void
server_actor(zsock_t *pipe, void *args)
{
    server_t self = {.setup = args, .config = ((alertd_setup_t *)args)->config};
    zsock_signal(pipe, 0);
    if (s_start(&self) != 0) {
        zstr_send(pipe, "FAILED");
        s_stop(&self);
        return;
    }
    zstr_send(pipe, "READY");
    log_info("server.start", "eval=%s pub=%s snapshot=%s control=%s senders=%zu",
             self.config->eval_endpoint, self.config->pub_endpoint, self.config->snapshot_endpoint,
             self.config->control_endpoint, self.sender_count);
    int64_t next_tick = 0;
    bool terminated = false;
    while (!terminated) {
        PGconn *conn = store_conn(self.db, &self.listening);
        if (conn && !self.published_init)
            self.published_init = pub_publish_new(self.pub, conn) >= 0;
        int64_t now = zclock_mono();
        long timeout = next_tick > now ? (long)(next_tick - now) : 0;
        if (timeout > self.config->pub_heartbeat_ms)
            timeout = self.config->pub_heartbeat_ms;
        zmq_pollitem_t items[5] = {
            {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(self.sub), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(self.control), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(pub_snapshot_socket(self.pub)), 0, ZMQ_POLLIN, 0},
            {NULL, conn ? PQsocket(conn) : -1, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, conn ? 5 : 4, timeout) < 0 && zsys_interrupted)
            break;
        if (items[0].revents & ZMQ_POLLIN) {
            char *command = zstr_recv(pipe);
            terminated = !command || !strcmp(command, "$TERM");
            zstr_free(&command);
            continue;
        }
        bool change = (items[1].revents & ZMQ_POLLIN) && s_read_bus(&self);
        if (items[2].revents & ZMQ_POLLIN)
            s_answer_control(&self, conn != NULL);
        if (items[3].revents & ZMQ_POLLIN)
            pub_answer(self.pub, conn);
        int notified = conn && (items[4].revents & ZMQ_POLLIN) ? store_drain(conn) : 0;
        if (!conn)
            continue;
        if (change)
            s_raise(&self, conn);
        if (notified & 1)
            pub_publish_new(self.pub, conn);
        if ((notified & 2) || zclock_mono() >= next_tick) {
            s_tick(&self, conn);
            next_tick = zclock_mono() + self.config->poll_ms;
        }
        pub_heartbeat(self.pub);
    }
    s_stop(&self);
    log_info("server.stop", "reason=%s", terminated ? "term" : "interrupted");
}
